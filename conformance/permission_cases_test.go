package conformance

import (
	"context"
	"testing"
)

// objs names the objects of a case by role.
type objs map[string]string

// mappingOp is an operation TestPermissionMapping drives: the objects it
// touches (made by setup, as the administrator, in a folder of their
// own) with the mapping key each needs, and the request u sends.
type mappingOp struct {
	name   string
	roles  []mappingRole
	writes bool // a success shows in the change log
	setup  func(t testing.TB, e *permEnv, box string) objs
	run    func(c *cmisClient, o objs) (*soapReply, error)
}

// mappingRole is an object of an operation and the key it needs; aux
// marks a need the operation has besides the keys it tests (that key is
// tested by another operation).
type mappingRole struct {
	role, key string
	aux       bool
}

// request is a run that sends op to service with the children that args
// builds from the case's objects.
func request(service, op string, args func(o objs) []string) func(c *cmisClient, o objs) (*soapReply, error) {
	return func(c *cmisClient, o objs) (*soapReply, error) {
		return c.call(context.Background(), service, msgXML(op, c.repo, args(o)...))
	}
}

// on is args naming one object in element el.
func on(el, role string, more ...string) func(o objs) []string {
	return func(o objs) []string { return append([]string{elXML(el, o[role])}, more...) }
}

// Setups.

func aDocument(t testing.TB, e *permEnv, box string) objs {
	return objs{"document": e.doc(t, box, "d.txt", "content of d")}
}

func aFolder(t testing.TB, e *permEnv, box string) objs {
	f := e.folder(t, box, "f")
	e.doc(t, f, "inside.txt", "inside")
	return objs{"folder": f}
}

func twoDocuments(t testing.TB, e *permEnv, box string) objs {
	return objs{"source": e.doc(t, box, "s.txt", "s"), "target": e.doc(t, box, "t.txt", "t")}
}

func aCheckedOutDocument(t testing.TB, e *permEnv, box string) objs {
	return objs{"pwc": e.checkOut(t, e.doc(t, box, "d.txt", "v1"))}
}

func aDocumentAndAPolicy(applied bool) func(t testing.TB, e *permEnv, box string) objs {
	return func(t testing.TB, e *permEnv, box string) objs {
		o := objs{"document": e.doc(t, box, "d.txt", "d"), "policy": e.policy(t, box, "p")}
		if applied {
			e.do(t, "PolicyService", "applyPolicy", elXML("policyId", o["policy"]), elXML("objectId", o["document"]))
		}
		return o
	}
}

// mappingOps are the operations, together covering every key of the
// mapping the repository publishes.
func mappingOps() []mappingOp {
	return []mappingOp{
		{name: "getDescendants", roles: []mappingRole{{role: "folder", key: "canGetDescendents.Folder"}}, setup: aFolder,
			run: request("NavigationService", "getDescendants", on("folderId", "folder"))},
		{name: "getChildren", roles: []mappingRole{{role: "folder", key: "canGetChildren.Folder"}}, setup: aFolder,
			run: request("NavigationService", "getChildren", on("folderId", "folder"))},
		{name: "getObjectParents", roles: []mappingRole{{role: "document", key: "canGetParents.Folder"}}, setup: aDocument,
			run: request("NavigationService", "getObjectParents", on("objectId", "document"))},
		{name: "getFolderParent", // the answer is the parent: reading it needs canGetProperties
			roles: []mappingRole{{role: "folder", key: "canGetFolderParent.Object"}, {role: "parent", key: "canGetProperties.Object", aux: true}},
			setup: func(t testing.TB, e *permEnv, box string) objs {
				p := e.folder(t, box, "p")
				return objs{"parent": p, "folder": e.folder(t, p, "f")}
			},
			run: request("NavigationService", "getFolderParent", on("folderId", "folder"))},
		{name: "createDocument", roles: []mappingRole{{role: "folder", key: "canCreateDocument.Folder"}}, writes: true, setup: aFolder,
			run: func(c *cmisClient, o objs) (*soapReply, error) {
				return c.call(context.Background(), "ObjectService", createDocumentXML(c.repo, o["folder"], "new.txt", inlineContentXML("new.txt", "new")))
			}},
		{name: "createFolder", roles: []mappingRole{{role: "folder", key: "canCreateFolder.Folder"}}, writes: true, setup: aFolder,
			run: func(c *cmisClient, o objs) (*soapReply, error) {
				return c.call(context.Background(), "ObjectService", createFolderXML(c.repo, o["folder"], "new"))
			}},
		{name: "createRelationship", writes: true, setup: twoDocuments,
			roles: []mappingRole{{role: "source", key: "canCreateRelationship.Source"}, {role: "target", key: "canCreateRelationship.Target"}},
			run: request("ObjectService", "createRelationship", func(o objs) []string {
				return []string{propertiesXML("cmis:relationship", "r", "cmis:sourceId", o["source"], "cmis:targetId", o["target"])}
			})},
		{name: "getProperties", roles: []mappingRole{{role: "document", key: "canGetProperties.Object"}}, setup: aDocument,
			run: request("ObjectService", "getProperties", on("objectId", "document"))},
		{name: "getContentStream", roles: []mappingRole{{role: "document", key: "canViewContent.Object"}}, setup: aDocument,
			run: func(c *cmisClient, o objs) (*soapReply, error) {
				return c.callMTOMParts(context.Background(), "ObjectService", msgXML("getContentStream", c.repo, elXML("objectId", o["document"])))
			}},
		{name: "updateProperties", roles: []mappingRole{{role: "document", key: "canUpdateProperties.Object"}}, writes: true, setup: aDocument,
			run: func(c *cmisClient, o objs) (*soapReply, error) {
				return c.call(context.Background(), "ObjectService", updateDescriptionXML(c.repo, o["document"], "", "changed"))
			}},
		{name: "moveObject", writes: true,
			roles: []mappingRole{{role: "document", key: "canMove.Object"}, {role: "source", key: "canMove.Source"}, {role: "target", key: "canMove.Target"}},
			setup: func(t testing.TB, e *permEnv, box string) objs {
				s := e.folder(t, box, "s")
				return objs{"source": s, "target": e.folder(t, box, "t"), "document": e.doc(t, s, "d.txt", "d")}
			},
			run: request("ObjectService", "moveObject", func(o objs) []string {
				return []string{elXML("objectId", o["document"]), elXML("targetFolderId", o["target"]), elXML("sourceFolderId", o["source"])}
			})},
		{name: "deleteObject", roles: []mappingRole{{role: "document", key: "canDelete.Object"}}, writes: true, setup: aDocument,
			run: request("ObjectService", "deleteObject", on("objectId", "document"))},
		{name: "deleteTree", writes: true,
			roles: []mappingRole{{role: "folder", key: "canDeleteTree.Folder"}, {role: "child", key: "canDelete.Object", aux: true}},
			setup: func(t testing.TB, e *permEnv, box string) objs {
				f := e.folder(t, box, "f")
				return objs{"folder": f, "child": e.doc(t, f, "inside.txt", "inside")}
			},
			run: request("ObjectService", "deleteTree", on("folderId", "folder"))},
		{name: "setContentStream", roles: []mappingRole{{role: "document", key: "canSetContent.Document"}}, writes: true, setup: aDocument,
			run: func(c *cmisClient, o objs) (*soapReply, error) {
				return c.call(context.Background(), "ObjectService", setContentStreamXML(c.repo, o["document"], "", inlineContentXML("d.txt", "replaced")))
			}},
		{name: "deleteContentStream", roles: []mappingRole{{role: "document", key: "canDeleteContent.Document"}}, writes: true, setup: aDocument,
			run: request("ObjectService", "deleteContentStream", on("objectId", "document"))},
		{name: "addObjectToFolder", writes: true,
			roles: []mappingRole{{role: "document", key: "canAddToFolder.Object"}, {role: "folder", key: "canAddToFolder.Folder"}},
			setup: func(t testing.TB, e *permEnv, box string) objs {
				return objs{"document": e.doc(t, box, "d.txt", "d"), "folder": e.folder(t, box, "f")}
			},
			run: request("MultiFilingService", "addObjectToFolder", func(o objs) []string {
				return []string{elXML("objectId", o["document"]), elXML("folderId", o["folder"])}
			})},
		{name: "removeObjectFromFolder", writes: true,
			roles: []mappingRole{{role: "document", key: "canRemoveFromFolder.Object"}, {role: "folder", key: "canRemoveFromFolder.Folder"}},
			setup: func(t testing.TB, e *permEnv, box string) objs {
				o := objs{"document": e.doc(t, box, "d.txt", "d"), "folder": e.folder(t, box, "f")}
				e.do(t, "MultiFilingService", "addObjectToFolder", elXML("objectId", o["document"]), elXML("folderId", o["folder"]))
				return o
			},
			run: request("MultiFilingService", "removeObjectFromFolder", func(o objs) []string {
				return []string{elXML("objectId", o["document"]), elXML("folderId", o["folder"])}
			})},
		{name: "checkOut", roles: []mappingRole{{role: "document", key: "canCheckout.Document"}}, writes: true, setup: aDocument,
			run: request("VersioningService", "checkOut", on("objectId", "document"))},
		{name: "cancelCheckOut", roles: []mappingRole{{role: "pwc", key: "canCancelCheckout.Document"}}, writes: true, setup: aCheckedOutDocument,
			run: request("VersioningService", "cancelCheckOut", on("objectId", "pwc"))},
		{name: "checkIn", roles: []mappingRole{{role: "pwc", key: "canCheckin.Document"}}, writes: true, setup: aCheckedOutDocument,
			run: request("VersioningService", "checkIn", on("objectId", "pwc", elXML("major", "true"), inlineContentXML("d.txt", "v2")))},
		{name: "getAllVersions", roles: []mappingRole{{role: "document", key: "canGetAllVersions.VersionSeries"}}, setup: aDocument,
			run: request("VersioningService", "getAllVersions", on("objectId", "document"))},
		{name: "getObjectRelationships", roles: []mappingRole{{role: "document", key: "canGetObjectRelationships.Object"}}, setup: aDocument,
			run: request("RelationshipService", "getObjectRelationships", on("objectId", "document", elXML("relationshipDirection", "either")))},
		{name: "applyPolicy", writes: true, setup: aDocumentAndAPolicy(false),
			roles: []mappingRole{{role: "document", key: "canAddPolicy.Object"}, {role: "policy", key: "canAddPolicy.Policy"}},
			run: request("PolicyService", "applyPolicy", func(o objs) []string {
				return []string{elXML("policyId", o["policy"]), elXML("objectId", o["document"])}
			})},
		{name: "removePolicy", writes: true, setup: aDocumentAndAPolicy(true),
			roles: []mappingRole{{role: "document", key: "canRemovePolicy.Object"}, {role: "policy", key: "canRemovePolicy.Policy"}},
			run: request("PolicyService", "removePolicy", func(o objs) []string {
				return []string{elXML("policyId", o["policy"]), elXML("objectId", o["document"])}
			})},
		{name: "getAppliedPolicies", roles: []mappingRole{{role: "document", key: "canGetAppliedPolicies.Object"}}, setup: aDocumentAndAPolicy(true),
			run: request("PolicyService", "getAppliedPolicies", on("objectId", "document"))},
		{name: "getACL", roles: []mappingRole{{role: "document", key: "canGetACL.Object"}}, setup: aDocument,
			run: request("ACLService", "getACL", on("objectId", "document"))},
		{name: "applyACL", roles: []mappingRole{{role: "document", key: "canApplyACL.Object"}}, writes: true, setup: aDocument,
			run: request("ACLService", "applyACL", on("objectId", "document", acesXML("addACEs", "someone", "cmis:read")))},
	}
}
