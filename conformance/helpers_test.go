package conformance

// Shared helpers of the black-box tests that speak raw SOAP over HTTP
// (crash_test.go, misuse_test.go): envelopes, an MTOM package builder, a
// store-inspection kit (content files, spool files); the client that
// parses answers is in client_test.go.

import (
	"bytes"
	"context"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/cmisd/cmisd/auth"
	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/server"
	"github.com/cmisd/cmisd/services"
)

const (
	nsSOAP11    = "http://schemas.xmlsoap.org/soap/envelope/"
	nsMessaging = "http://docs.oasis-open.org/ns/cmis/messaging/200908/"
	nsCMISCore  = "http://docs.oasis-open.org/ns/cmis/core/200908/"
	nsXOP       = "http://www.w3.org/2004/08/xop/include"
	nsWSSE      = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	pwTextType  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"

	// Content-IDs the MTOM builder uses.
	mtomRootCID    = "root.message@cmisd.test"
	mtomContentCID = "content-1@cmisd.test"
	mtomBoundary   = "MIMEBoundary_cmisd_test_4c1d"
)

// newServerWithData is newServer that also returns the data directory
// and lays it out like the binary does: cmisd.db, content/ (with
// content/tmp) and the request spool in tmp/.
func newServerWithData(t *testing.T) (base, repositoryID, rootID, data string) {
	return newServerFor(t, nil)
}

// account is a user a case's server needs (users.txt: "name password").
type account struct{ name, password string }

// newServerFor starts an in-process server. Without accounts it has the
// users of the recordings from the stand-in endpoint (admin and test,
// password test; test may write in the root); with accounts, exactly
// those users on a fresh repository, as cmisd serve sets one up.
func newServerFor(t *testing.T, accounts []account) (base, repositoryID, rootID, data string) {
	t.Helper()
	// Internal errors and warnings (failed logins too) reach the test log.
	srv, repo, data := newHandlerFor(t, accounts, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	ts := httptest.NewServer(srv)
	// Connections still open (a test's raw conn) must not hold Close up.
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })
	return ts.URL, repo.ID, repo.RootFolderID, data
}

// newHandlerFor is newServerFor's server as a handler, without a network.
func newHandlerFor(t testing.TB, accounts []account, logger *zap.Logger) (h http.Handler, repo *cmis.RepositoryInfo, data string) {
	t.Helper()
	ctx := context.Background()
	data = t.TempDir()
	db := storetest.OpenIn(t, data)
	standIn := accounts == nil
	if standIn {
		accounts = []account{{"admin", "test"}, {"test", "test"}}
	}
	for _, a := range accounts {
		h, err := auth.HashPassword(a.password)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAccount(ctx, a.name, h); err != nil {
			t.Fatal(err)
		}
	}
	// Sessions recorded from cmisd serve see its repository description.
	description := "conformance"
	if !standIn {
		description = "cmisd CMIS 1.1 repository"
	}
	repo, err := db.EnsureRepository(ctx, "default", "cmisd", description, "admin")
	if err != nil {
		t.Fatal(err)
	}
	// The recordings run as the non-administrator "test", who may work
	// in the root folder as an administrator would let a user.
	if standIn {
		if _, err := db.ApplyACL(ctx, repo.ID, repo.RootFolderID, []cmis.ACE{{Principal: "test", Permission: cmis.PermWrite}}, nil, false, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	authenticator, err := auth.New(db, auth.DefaultLimits, logger)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{
		Ports:          services.New(services.Config{Types: db, Objects: db, ACLs: db, Queries: db, Changes: db, Tx: db, ProductVersion: "conformance"}),
		Auth:           authenticator,
		Snapshot:       db.Read,
		WriteSnapshot:  db.ReadBeforeWrite,
		SpoolDir:       filepath.Join(data, "tmp"),
		RepositoryName: "cmisd",
		Logger:         logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, repo, data
}

// ---------------------------------------------------------------------------
// Building requests

// soapEnvelope wraps a Body element in a SOAP 1.1 envelope with a
// WS-Security UsernameToken header.
func soapEnvelope(user, password, body string) string {
	return `<?xml version="1.0" encoding="utf-8"?>` +
		`<soap:Envelope xmlns:soap="` + nsSOAP11 + `"><soap:Header>` +
		`<wsse:Security xmlns:wsse="` + nsWSSE + `"><wsse:UsernameToken>` +
		`<wsse:Username>` + html.EscapeString(user) + `</wsse:Username>` +
		`<wsse:Password Type="` + pwTextType + `">` + html.EscapeString(password) + `</wsse:Password>` +
		`</wsse:UsernameToken></wsse:Security></soap:Header>` +
		`<soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

func xesc(s string) string { return html.EscapeString(s) }

// xopInclude is the <stream> content naming an MTOM attachment.
func xopIncludeOf(cid string) string {
	return `<xop:Include xmlns:xop="` + nsXOP + `" href="cid:` + cid + `"/>`
}

// contentStreamXML is a cmisContentStreamType whose <stream> holds stream
// (base64 text or an xop:Include).
func contentStreamXML(length int64, name, stream string) string {
	l := ""
	if length >= 0 {
		l = `<m:length>` + strconv.FormatInt(length, 10) + `</m:length>`
	}
	return `<m:contentStream>` + l + `<m:mimeType>application/octet-stream</m:mimeType>` +
		`<m:filename>` + xesc(name) + `</m:filename><m:stream>` + stream + `</m:stream></m:contentStream>`
}

func createDocumentXML(repo, folderID, name, contentStream string) string {
	return `<m:createDocument xmlns:m="` + nsMessaging + `" xmlns:c="` + nsCMISCore + `">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId><m:properties>` +
		`<c:propertyId propertyDefinitionId="cmis:objectTypeId"><c:value>cmis:document</c:value></c:propertyId>` +
		`<c:propertyString propertyDefinitionId="cmis:name"><c:value>` + xesc(name) + `</c:value></c:propertyString>` +
		`</m:properties><m:folderId>` + xesc(folderID) + `</m:folderId>` + contentStream + `</m:createDocument>`
}

func createFolderXML(repo, parentID, name string) string {
	return `<m:createFolder xmlns:m="` + nsMessaging + `" xmlns:c="` + nsCMISCore + `">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId><m:properties>` +
		`<c:propertyId propertyDefinitionId="cmis:objectTypeId"><c:value>cmis:folder</c:value></c:propertyId>` +
		`<c:propertyString propertyDefinitionId="cmis:name"><c:value>` + xesc(name) + `</c:value></c:propertyString>` +
		`</m:properties><m:folderId>` + xesc(parentID) + `</m:folderId></m:createFolder>`
}

func setContentStreamXML(repo, objectID, changeToken, contentStream string) string {
	tok := ""
	if changeToken != "" {
		tok = `<m:changeToken>` + xesc(changeToken) + `</m:changeToken>`
	}
	return `<m:setContentStream xmlns:m="` + nsMessaging + `">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId><m:objectId>` + xesc(objectID) + `</m:objectId>` +
		`<m:overwriteFlag>true</m:overwriteFlag>` + tok + contentStream + `</m:setContentStream>`
}

func updateDescriptionXML(repo, objectID, changeToken, description string) string {
	tok := ""
	if changeToken != "" {
		tok = `<m:changeToken>` + xesc(changeToken) + `</m:changeToken>`
	}
	return `<m:updateProperties xmlns:m="` + nsMessaging + `" xmlns:c="` + nsCMISCore + `">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId><m:objectId>` + xesc(objectID) + `</m:objectId>` + tok +
		`<m:properties><c:propertyString propertyDefinitionId="cmis:description"><c:value>` + xesc(description) +
		`</c:value></c:propertyString></m:properties></m:updateProperties>`
}

// mtomPackage lays out an MTOM/XOP package: the root part with env, then
// each attachment with its Content-ID. It returns the HTTP Content-Type,
// the bytes before the first attachment's content, and the complete body
// as a list of chunks (so that big payloads are not copied).
type mtomAttachment struct {
	cid  string
	data []byte
}

func mtomContentType(boundary string) string {
	return `multipart/related; type="application/xop+xml"; boundary="` + boundary +
		`"; start="<` + mtomRootCID + `>"; start-info="text/xml"`
}

func mtomBody(boundary, env string, atts ...mtomAttachment) [][]byte {
	var out [][]byte
	head := "--" + boundary + "\r\n" +
		"Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"Content-ID: <" + mtomRootCID + ">\r\n\r\n" + env + "\r\n"
	out = append(out, []byte(head))
	for _, a := range atts {
		out = append(out, []byte("--"+boundary+"\r\n"+
			"Content-Type: application/octet-stream\r\n"+
			"Content-Transfer-Encoding: binary\r\n"+
			"Content-ID: <"+a.cid+">\r\n\r\n"))
		out = append(out, a.data, []byte("\r\n"))
	}
	out = append(out, []byte("--"+boundary+"--\r\n"))
	return out
}

func joinChunks(chunks [][]byte) []byte { return bytes.Join(chunks, nil) }

func chunksReader(chunks [][]byte) (io.Reader, int64) {
	rs := make([]io.Reader, len(chunks))
	var n int64
	for i, c := range chunks {
		rs[i] = bytes.NewReader(c)
		n += int64(len(c))
	}
	return io.MultiReader(rs...), n
}

// ---------------------------------------------------------------------------
// Inspecting the data directory

// contentFiles lists the content files under data/content, tmp/ excluded
// (base names).
func contentFiles(t testing.TB, data string) []string {
	t.Helper()
	dir := filepath.Join(data, "content")
	tmp := filepath.Join(dir, "tmp")
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == tmp {
				return filepath.SkipDir
			}
			return nil
		}
		out = append(out, d.Name())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// dirFiles lists the files of a directory (not recursive; none if it does
// not exist).
func dirFiles(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// waitEmpty waits (bounded) until dir holds no files and returns what is
// left in it.
func waitEmpty(t testing.TB, dir string, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := dirFiles(t, dir)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildTags are the Makefile's BUILD_TAGS: the binary tested and measured
// is the one make build makes (static linking and stripping aside).
const buildTags = "netgo osusergo sqlite_omit_load_extension sqlite_fts5"

var (
	buildMu  sync.Mutex
	buildDir string                // one per test process, removed by TestMain
	built    = map[string]string{} // package → binary
)

func TestMain(m *testing.M) {
	// The replays and in-process servers' statements have their plans
	// checked too (storetest.CheckPlans).
	code := storetest.CheckPlans(m)
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// buildBinary builds a command of this module once per test process.
func buildBinary(tb testing.TB, pkg string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "cmisd-conformance-")
		if err != nil {
			tb.Fatal(err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, filepath.Base(pkg))
	if msg, err := exec.Command("go", "build", "-tags", buildTags, "-o", out, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	built[pkg] = out
	return out
}

// cmisdBinary is CMISD_BIN (make test sets it to bin/cmisd), else a build
// of ../cmd/cmisd.
func cmisdBinary(tb testing.TB) string {
	if bin := os.Getenv("CMISD_BIN"); bin != "" {
		return bin
	}
	return buildBinary(tb, "../cmd/cmisd")
}
