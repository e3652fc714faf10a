package conformance

// Request bodies of the permission tests (permissions_test.go,
// delete_rights_test.go), built the way helpers_test.go builds the
// others, and the reads they take the store's state with.

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// msgXML is a request element of the messaging namespace: repositoryId,
// then children, which the caller gives in the schema's order.
func msgXML(op, repo string, children ...string) string {
	return `<m:` + op + ` xmlns:m="` + nsMessaging + `" xmlns:c="` + nsCMISCore + `">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId>` + strings.Join(children, "") + `</m:` + op + `>`
}

// elXML is <m:name>value</m:name>.
func elXML(name, value string) string {
	return `<m:` + name + `>` + xesc(value) + `</m:` + name + `>`
}

// acesXML is an ACL of one direct entry, as element name (addACEs,
// removeACEs).
func acesXML(name, principal, permission string) string {
	return `<m:` + name + `><c:permission><c:principal><c:principalId>` + xesc(principal) + `</c:principalId></c:principal>` +
		`<c:permission>` + xesc(permission) + `</c:permission><c:direct>true</c:direct></c:permission></m:` + name + `>`
}

// propertiesXML sets cmis:objectTypeId and cmis:name, then the id
// properties given as pairs of property id and value.
func propertiesXML(typeID, name string, idPairs ...string) string {
	var b strings.Builder
	b.WriteString(`<m:properties><c:propertyId propertyDefinitionId="cmis:objectTypeId"><c:value>` + xesc(typeID) + `</c:value></c:propertyId>`)
	b.WriteString(`<c:propertyString propertyDefinitionId="cmis:name"><c:value>` + xesc(name) + `</c:value></c:propertyString>`)
	for i := 0; i+1 < len(idPairs); i += 2 {
		b.WriteString(`<c:propertyId propertyDefinitionId="` + xesc(idPairs[i]) + `"><c:value>` + xesc(idPairs[i+1]) + `</c:value></c:propertyId>`)
	}
	b.WriteString(`</m:properties>`)
	return b.String()
}

// inlineContentXML is a contentStream with text as base64 in the message.
func inlineContentXML(name, text string) string {
	return contentStreamXML(int64(len(text)), name, base64.StdEncoding.EncodeToString([]byte(text)))
}

// ---------------------------------------------------------------------------
// Reading the state of objects

// objectState describes objects as the administrator reads them: every
// property, the ACL, the folders each is filed in, the children of a
// folder, the relationships, and the SHA-256 of the content; an object
// that does not exist is "gone". Two states compare as text.
func objectState(t testing.TB, admin *cmisClient, ids ...string) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	call := func(id, service, op string, children ...string) *soapReply {
		t.Helper()
		r, err := admin.call(ctx, service, msgXML(op, admin.repo, children...))
		if err != nil {
			t.Fatalf("%s %s: %v", op, id, err)
		}
		return r
	}
	for _, id := range ids {
		r := call(id, "ObjectService", "getProperties", elXML("objectId", id), elXML("filter", "*"))
		if f := r.fault(); f != nil && f.cmisType == "objectNotFound" {
			lines = append(lines, id+" gone")
			continue
		} else if err := r.ok(); err != nil {
			t.Fatalf("getProperties %s: %v", id, err)
		}
		obj := readObject(r.body)
		var props []string
		for p, vs := range obj {
			props = append(props, p+"="+strings.Join(vs, "|"))
		}
		sort.Strings(props)
		lines = append(lines, id+" properties "+strings.Join(props, " "))
		lines = append(lines, id+" acl "+aclText(call(id, "ACLService", "getACL", elXML("objectId", id))))
		lines = append(lines, id+" parents "+idsText(call(id, "NavigationService", "getObjectParents", elXML("objectId", id), elXML("filter", "cmis:objectId"))))
		if obj.get("cmis:baseTypeId") == "cmis:folder" {
			lines = append(lines, id+" children "+idsText(call(id, "NavigationService", "getChildren", elXML("folderId", id), elXML("filter", "cmis:objectId"))))
		}
		lines = append(lines, id+" relationships "+idsText(call(id, "RelationshipService", "getObjectRelationships", elXML("objectId", id),
			elXML("relationshipDirection", "either"), elXML("filter", "cmis:objectId"))))
		if obj.get("cmis:contentStreamLength") != "" {
			data, _, err := admin.content(ctx, id)
			if err != nil {
				t.Fatalf("content of %s: %v", id, err)
			}
			lines = append(lines, fmt.Sprintf("%s content %d:%s", id, len(data), sha256Hex(data)))
		}
	}
	return strings.Join(lines, "\n")
}

// aclText lists the entries of a getACL answer, sorted.
func aclText(r *soapReply) string {
	if err := r.ok(); err != nil {
		return err.Error()
	}
	var out []string
	var walk func(n *Node)
	walk = func(n *Node) {
		for _, c := range n.Children {
			if localName(c.Name) == "permission" && firstChild(c, "principal") != nil {
				out = append(out, childText(firstChild(c, "principal"), "principalId")+":"+childText(c, "permission")+":"+childText(c, "direct"))
				continue
			}
			walk(c)
		}
	}
	walk(r.body)
	sort.Strings(out)
	return strings.Join(out, " ")
}

// idsText lists the cmis:objectId values anywhere in an answer, sorted;
// a fault is its type.
func idsText(r *soapReply) string {
	if f := r.fault(); f != nil {
		return "fault " + f.cmisType
	}
	var out []string
	var walk func(n *Node)
	walk = func(n *Node) {
		if attrValue(n, "propertyDefinitionId") == "cmis:objectId" {
			out = append(out, childText(n, "value"))
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r.body)
	sort.Strings(out)
	return strings.Join(out, " ")
}

// latestChangeToken is repository info's latestChangeLogToken: any write
// moves it.
func latestChangeToken(t testing.TB, c *cmisClient) string {
	t.Helper()
	r, err := c.call(context.Background(), "RepositoryService", msgXML("getRepositoryInfo", c.repo))
	if err == nil {
		err = r.ok()
	}
	if err != nil {
		t.Fatalf("getRepositoryInfo: %v", err)
	}
	return childText(firstChild(r.body, "repositoryInfo"), "latestChangeLogToken")
}
