package conformance

// Shared helpers of the black-box tests that speak raw SOAP over HTTP
// (crash_test.go, misuse_test.go): envelopes, an MTOM package builder, a
// small client that parses answers (text or MTOM) into Node trees, and a
// store-inspection kit (content files, spool files).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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
// The client

type cmisClient struct {
	base, user, password, repo string
	hc                         *http.Client
}

// soapReply is a parsed answer.
type soapReply struct {
	status      int
	contentType string
	raw         []byte            // the whole HTTP body
	body        *Node             // the first element inside soap:Body
	parts       map[string][]byte // MTOM attachments by Content-ID (no <>)
}

type soapFault struct{ code, message, cmisType string }

func (r *soapReply) fault() *soapFault {
	if r == nil || r.body == nil || localName(r.body.Name) != "Fault" {
		return nil
	}
	f := &soapFault{code: childText(r.body, "faultcode"), message: childText(r.body, "faultstring")}
	if d := firstDesc(r.body, "cmisFault"); d != nil {
		f.cmisType = childText(d, "type")
	}
	return f
}

func (r *soapReply) String() string {
	if r == nil {
		return "<no reply>"
	}
	if f := r.fault(); f != nil {
		return fmt.Sprintf("HTTP %d fault %s/%s: %s", r.status, f.code, f.cmisType, f.message)
	}
	raw := r.raw
	if len(raw) > 600 {
		raw = append(append([]byte{}, raw[:600]...), "…"...)
	}
	return fmt.Sprintf("HTTP %d %s", r.status, raw)
}

// ok returns an error unless the reply is a 200 answer (no fault).
func (r *soapReply) ok() error {
	if r.status != http.StatusOK || r.fault() != nil || r.body == nil {
		return fmt.Errorf("unexpected answer: %s", r)
	}
	return nil
}

// post sends a body with the given Content-Type to /services/<service>.
func (c *cmisClient) post(ctx context.Context, service, contentType string, body io.Reader, length int64) (*soapReply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/services/"+service, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("SOAPAction", `""`)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return parseReply(resp.StatusCode, resp.Header.Get("Content-Type"), raw)
}

// call sends a Body element as a text/xml SOAP request.
func (c *cmisClient) call(ctx context.Context, service, body string) (*soapReply, error) {
	env := soapEnvelope(c.user, c.password, body)
	return c.post(ctx, service, "text/xml; charset=utf-8", strings.NewReader(env), int64(len(env)))
}

// callMTOM sends a Body element as an MTOM package with one attachment
// (mtomContentCID); the body names it with xopIncludeOf(mtomContentCID).
func (c *cmisClient) callMTOM(ctx context.Context, service, body string, content []byte) (*soapReply, error) {
	return c.callMTOMParts(ctx, service, body, mtomAttachment{mtomContentCID, content})
}

// callMTOMParts sends a Body element as an MTOM package with the given
// attachments (none: the server answers in MTOM too).
func (c *cmisClient) callMTOMParts(ctx context.Context, service, body string, atts ...mtomAttachment) (*soapReply, error) {
	env := soapEnvelope(c.user, c.password, body)
	r, n := chunksReader(mtomBody(mtomBoundary, env, atts...))
	return c.post(ctx, service, mtomContentType(mtomBoundary), r, n)
}

func parseReply(status int, contentType string, raw []byte) (*soapReply, error) {
	r := &soapReply{status: status, contentType: contentType, raw: raw, parts: map[string][]byte{}}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return r, fmt.Errorf("HTTP %d: content type %q: %w", status, contentType, err)
	}
	env := raw
	if strings.HasPrefix(mt, "multipart/") {
		env = nil
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		start := strings.Trim(params["start"], "<>")
		for first := true; ; first = false {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return r, fmt.Errorf("HTTP %d: MTOM answer: %w", status, err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return r, fmt.Errorf("HTTP %d: MTOM answer: %w", status, err)
			}
			cid := strings.Trim(p.Header.Get("Content-Id"), "<>")
			if (start == "" && first) || (start != "" && cid == start) {
				env = data
				continue
			}
			r.parts[cid] = data
		}
		if env == nil {
			return r, fmt.Errorf("HTTP %d: MTOM answer without a root part", status)
		}
	} else if mt != "text/xml" {
		return r, fmt.Errorf("HTTP %d: content type %q: %.300s", status, contentType, raw)
	}
	doc, err := Parse(env)
	if err != nil {
		return r, fmt.Errorf("HTTP %d: answer is not XML: %w: %.300s", status, err, env)
	}
	envNode := firstChild(doc, "Envelope")
	if envNode == nil || envNode.Name != "{"+nsSOAP11+"}Envelope" {
		return r, fmt.Errorf("HTTP %d: answer is not a SOAP 1.1 envelope: %.300s", status, env)
	}
	if b := firstChild(envNode, "Body"); b != nil && len(b.Children) > 0 {
		r.body = b.Children[0]
	}
	if r.body == nil {
		return r, fmt.Errorf("HTTP %d: empty SOAP Body", status)
	}
	return r, nil
}

// Node helpers.

func firstChild(n *Node, local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if localName(c.Name) == local {
			return c
		}
	}
	return nil
}

func childText(n *Node, local string) string {
	if c := firstChild(n, local); c != nil {
		return c.Text
	}
	return ""
}

func firstDesc(n *Node, local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if localName(c.Name) == local {
			return c
		}
		if d := firstDesc(c, local); d != nil {
			return d
		}
	}
	return nil
}

func attrValue(n *Node, local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// cmisObject is an object of a listing: property id -> values.
type cmisObject map[string][]string

func (o cmisObject) get(id string) string {
	if vs := o[id]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func readObject(n *Node) cmisObject {
	o := cmisObject{}
	props := firstChild(n, "properties")
	if props == nil {
		return o
	}
	for _, p := range props.Children {
		id := attrValue(p, "propertyDefinitionId")
		vals := []string{}
		for _, v := range p.Children {
			if localName(v.Name) == "value" {
				vals = append(vals, v.Text)
			}
		}
		o[id] = vals
	}
	return o
}

// repositoryInfo returns the id of the (first) repository and its root
// folder.
func (c *cmisClient) repositoryInfo(ctx context.Context) (repo, root string, err error) {
	r, err := c.call(ctx, "RepositoryService", `<m:getRepositories xmlns:m="`+nsMessaging+`"/>`)
	if err != nil {
		return "", "", err
	}
	if err := r.ok(); err != nil {
		return "", "", fmt.Errorf("getRepositories: %w", err)
	}
	repo = childText(firstChild(r.body, "repositories"), "repositoryId")
	r, err = c.call(ctx, "RepositoryService", `<m:getRepositoryInfo xmlns:m="`+nsMessaging+`"><m:repositoryId>`+xesc(repo)+`</m:repositoryId></m:getRepositoryInfo>`)
	if err != nil {
		return "", "", err
	}
	if err := r.ok(); err != nil {
		return "", "", fmt.Errorf("getRepositoryInfo: %w", err)
	}
	root = childText(firstChild(r.body, "repositoryInfo"), "rootFolderId")
	if repo == "" || root == "" {
		return "", "", fmt.Errorf("no repository id or root folder in %s", r)
	}
	return repo, root, nil
}

// children lists a folder (every page) with all properties.
func (c *cmisClient) children(ctx context.Context, folderID string) ([]cmisObject, error) {
	var out []cmisObject
	for page := 0; page < 1000; page++ {
		r, err := c.call(ctx, "NavigationService", `<m:getChildren xmlns:m="`+nsMessaging+`">`+
			`<m:repositoryId>`+xesc(c.repo)+`</m:repositoryId><m:folderId>`+xesc(folderID)+`</m:folderId>`+
			`<m:filter>*</m:filter><m:maxItems>200</m:maxItems><m:skipCount>`+strconv.Itoa(len(out))+`</m:skipCount></m:getChildren>`)
		if err != nil {
			return nil, err
		}
		if err := r.ok(); err != nil {
			return nil, fmt.Errorf("getChildren %s: %w", folderID, err)
		}
		list := firstChild(r.body, "objects")
		n := 0
		for _, in := range list.Children {
			if localName(in.Name) != "objects" {
				continue
			}
			if obj := firstChild(in, "object"); obj != nil {
				out = append(out, readObject(obj))
				n++
			}
		}
		if childText(list, "hasMoreItems") != "true" || n == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("getChildren %s: more than 1000 pages", folderID)
}

// content fetches a document's content stream; it also returns the
// length the answer declares (-1 if none). The request is an MTOM package,
// so the content comes back as a binary attachment.
func (c *cmisClient) content(ctx context.Context, id string) ([]byte, int64, error) {
	r, err := c.callMTOMParts(ctx, "ObjectService", `<m:getContentStream xmlns:m="`+nsMessaging+`">`+
		`<m:repositoryId>`+xesc(c.repo)+`</m:repositoryId><m:objectId>`+xesc(id)+`</m:objectId></m:getContentStream>`)
	if err != nil {
		return nil, 0, err
	}
	if err := r.ok(); err != nil {
		return nil, 0, fmt.Errorf("getContentStream %s: %w", id, err)
	}
	cs := firstChild(r.body, "contentStream")
	declared := int64(-1)
	if l := childText(cs, "length"); l != "" {
		if declared, err = strconv.ParseInt(l, 10, 64); err != nil {
			return nil, 0, fmt.Errorf("getContentStream %s: length %q", id, l)
		}
	}
	st := firstChild(cs, "stream")
	if st == nil {
		return nil, 0, fmt.Errorf("getContentStream %s: no stream in %s", id, r)
	}
	if inc := firstChild(st, "Include"); inc != nil {
		cid := strings.TrimPrefix(attrValue(inc, "href"), "cid:")
		data, ok := r.parts[cid]
		if !ok {
			return nil, 0, fmt.Errorf("getContentStream %s: no part %q", id, cid)
		}
		return data, declared, nil
	}
	data, err := base64.StdEncoding.DecodeString(st.Text)
	if err != nil {
		return nil, 0, fmt.Errorf("getContentStream %s: base64: %w", id, err)
	}
	return data, declared, nil
}

func objectIDOf(r *soapReply) string { return childText(r.body, "objectId") }

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
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
	code := m.Run()
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
