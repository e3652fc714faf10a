// Package cmis holds what every layer of cmisd shares: the CMIS object
// model (types, properties, repository info), the CMIS error kinds, the
// authenticated principal, the interfaces that services/ needs from
// storage/, and the one storage/ needs from a content store
// (ContentStore). It imports nothing of SOAP, HTTP or SQL.
package cmis

// Namespaces of the CMIS 1.1 schemas. The 200908 URIs did not change in 1.1.
const (
	CoreNS      = "http://docs.oasis-open.org/ns/cmis/core/200908/"
	MessagingNS = "http://docs.oasis-open.org/ns/cmis/messaging/200908/"
	WSNS        = "http://docs.oasis-open.org/ns/cmis/ws/200908/"
)
