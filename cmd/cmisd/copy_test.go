package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/internal/pgtest"
)

// soapCall posts a Body element as admin and returns the answer.
func soapCall(t *testing.T, addr, password, service, body string) string {
	t.Helper()
	env := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>` +
		`<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
		`<wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password>` + password + `</wsse:Password></wsse:UsernameToken>` +
		`</wsse:Security></soap:Header><soap:Body>` + body + `</soap:Body></soap:Envelope>`
	resp, err := http.Post("http://"+addr+"/services/"+service, "text/xml; charset=utf-8", strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", service, resp.StatusCode, b)
	}
	return string(b)
}

const msgNS = `xmlns:m="http://docs.oasis-open.org/ns/cmis/messaging/200908/" xmlns:c="http://docs.oasis-open.org/ns/cmis/core/200908/"`

func firstText(t *testing.T, answer, element string) string {
	t.Helper()
	m := regexp.MustCompile(`<(?:\w+:)?` + element + `>([^<]*)<`).FindStringSubmatch(answer)
	if m == nil {
		t.Fatalf("no %s in %s", element, answer)
	}
	return m[1]
}

// storeDocument serves data (SQLite) and stores a document with content
// in its root; it returns the document's id.
func storeDocument(t *testing.T, data, password, content string) string {
	t.Helper()
	addr, stop := startServe(t, nil, "--data", data, "--admin-password", password)
	defer stop()
	root := firstText(t, soapCall(t, addr, password, "RepositoryService",
		`<m:getRepositoryInfo `+msgNS+`><m:repositoryId>default</m:repositoryId></m:getRepositoryInfo>`), "rootFolderId")
	answer := soapCall(t, addr, password, "ObjectService", `<m:createDocument `+msgNS+`><m:repositoryId>default</m:repositoryId>`+
		`<m:properties><c:propertyId propertyDefinitionId="cmis:objectTypeId"><c:value>cmis:document</c:value></c:propertyId>`+
		`<c:propertyString propertyDefinitionId="cmis:name"><c:value>moved.txt</c:value></c:propertyString></m:properties>`+
		`<m:folderId>`+root+`</m:folderId><m:contentStream><m:mimeType>text/plain</m:mimeType>`+
		`<m:stream>`+base64.StdEncoding.EncodeToString([]byte(content))+`</m:stream></m:contentStream></m:createDocument>`)
	return firstText(t, answer, "objectId")
}

// contentOf serves args and reads a document's content back.
func contentOf(t *testing.T, password, id string, args ...string) string {
	t.Helper()
	addr, stop := startServe(t, nil, append(args, "--admin-password", password)...)
	defer stop()
	answer := soapCall(t, addr, password, "ObjectService", `<m:getContentStream `+msgNS+`><m:repositoryId>default</m:repositoryId>`+
		`<m:objectId>`+id+`</m:objectId></m:getContentStream>`)
	b, err := base64.StdEncoding.DecodeString(firstText(t, answer, "stream"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cmisd copy moves a SQLite store onto PostgreSQL (content in the
// database) and back into a fresh data directory; users, the document and
// its content come through both moves, and the copies serve them.
func TestCopyCommand(t *testing.T) {
	const password = "copy-admin-password"
	src := t.TempDir()
	runSteps(t, src, []step{{"", []string{"user", "add", "alice", "--password", "alice-password-1"}, false, ""}})
	id := storeDocument(t, src, password, "moved across engines")
	db := pgtest.Schema(t)
	back := t.TempDir()

	for _, s := range []struct {
		args []string
		fail bool
		want string
	}{
		{[]string{"copy"}, true, "--from and --to are required"},
		{[]string{"copy", "--from", src, "--to", src}, true, "same store"},
		{[]string{"copy", "--from", src, "--to", db}, true, "--to-content postgres or --to-content DIR"},
		{[]string{"copy", "--from", src, "--to", db, "--to-content", "postgres"}, false, "1 content streams"},
		{[]string{"copy", "--from", src, "--to", db, "--to-content", "postgres"}, true, "not empty"},
		{[]string{"copy", "--from", db, "--from-content", "postgres", "--to", back}, false, "2 users"},
		{[]string{"copy", "--from", back, "--to", t.TempDir(), "--to-content", "postgres"}, true, "needs --db postgres"},
	} {
		out, code := run(t, nil, "", s.args...)
		if (code != 0) != s.fail || !strings.Contains(out, s.want) {
			t.Fatalf("cmisd %v: exit %d %q, want fail=%v containing %q", s.args, code, out, s.fail, s.want)
		}
	}
	if got := contentOf(t, password, id, "--data", t.TempDir(), "--db", db, "--content", "postgres"); got != "moved across engines" {
		t.Errorf("served from PostgreSQL: %q", got)
	}
	if got := contentOf(t, password, id, "--data", back); got != "moved across engines" {
		t.Errorf("served from the copy back: %q", got)
	}
	out, _ := run(t, nil, "", "user", "list", "--data", back)
	if !strings.Contains(out, "alice") {
		t.Errorf("users of the copy back: %q", out)
	}
}
