// Package wsdl embeds the official CMIS 1.1 Web Services description: the
// WSDL (all nine services) and the two schemas it imports. The files are
// the OASIS originals; the server rewrites their addresses and schema
// locations when it serves them.
package wsdl

import "embed"

// File names inside FS.
const (
	ServiceWSDL  = "CMISWS-Service.wsdl"
	CoreXSD      = "CMIS-Core.xsd"
	MessagingXSD = "CMIS-Messaging.xsd"
)

// FS holds CMISWS-Service.wsdl, CMIS-Core.xsd and CMIS-Messaging.xsd at
// its root.
//
//go:embed CMISWS-Service.wsdl CMIS-Core.xsd CMIS-Messaging.xsd
var FS embed.FS
