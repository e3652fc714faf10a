// Package wsdl embeds the official CMIS Web Services descriptions: the
// CMIS 1.1 WSDL (all nine services) and the two schemas it imports at the
// root, and the CMIS 1.0 ones under Dir10. The files are the OASIS
// originals; the server rewrites their addresses when it serves them.
package wsdl

import (
	"embed"
	"path"
)

// File names inside a version's directory of FS.
const (
	ServiceWSDL  = "CMISWS-Service.wsdl"
	CoreXSD      = "CMIS-Core.xsd"
	MessagingXSD = "CMIS-Messaging.xsd"
)

// Directories of FS: CMIS 1.1 at the root, CMIS 1.0 under Dir10.
const (
	Dir11 = "."
	Dir10 = "1.0"
)

// FS holds CMISWS-Service.wsdl, CMIS-Core.xsd and CMIS-Messaging.xsd of
// CMIS 1.1 at its root and those of CMIS 1.0 in Dir10.
//
//go:embed CMISWS-Service.wsdl CMIS-Core.xsd CMIS-Messaging.xsd 1.0/CMISWS-Service.wsdl 1.0/CMIS-Core.xsd 1.0/CMIS-Messaging.xsd
var FS embed.FS

// Path is the name inside FS of file (ServiceWSDL, CoreXSD or
// MessagingXSD) in directory dir (Dir11 or Dir10).
func Path(dir, file string) string { return path.Join(dir, file) }
