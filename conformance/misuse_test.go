package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/server"
)

// TestMisuseLeavesStoreUnchanged sends requests a broken or hostile
// client might send and proves that each is refused with the right fault
// and leaves the store exactly as it was: the same objects (ids, names,
// change tokens, every property), the same content (SHA-256 of every
// stream), the same content files on disk, nothing left in content/tmp or
// the request spool, and a server that still answers.
func TestMisuseLeavesStoreUnchanged(t *testing.T) {
	for _, tc := range misuseCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newMisuseEnv(t)
			before := e.snapshot()
			r, err := tc.send(e)
			switch {
			case tc.noAnswer:
				// The client went away: there is nobody to answer.
			case err != nil:
				t.Fatalf("no answer: %v", err)
			default:
				e.checkFault(r, tc.wantCode, tc.wantType, tc.wantMessage)
			}
			// Spool files and staged uploads go when the request ends.
			if left := waitEmpty(t, filepath.Join(e.data, "content", "tmp"), 5*time.Second); len(left) > 0 {
				t.Errorf("content/tmp still holds %v after the request", left)
			}
			if left := waitEmpty(t, filepath.Join(e.data, "tmp"), 5*time.Second); len(left) > 0 {
				t.Errorf("the request spool still holds %v after the request", left)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("the store changed:\n%s", Diff(before, after, 2))
			}
			if _, _, err := e.c.repositoryInfo(context.Background()); err != nil {
				t.Errorf("the server no longer answers getRepositories: %v", err)
			}
		})
	}
}

type misuseCase struct {
	name string
	send func(e *misuseEnv) (*soapReply, error)
	// The fault: SOAP faultcode (Client: the request itself is broken;
	// Server: a CMIS service exception) and cmisFault type. The HTTP
	// status of a SOAP 1.1 fault is 500.
	wantCode, wantType string
	wantMessage        string // if set, a substring of the fault message
	noAnswer           bool   // the client closes the connection itself
}

// misuseCases: where the CMIS spec names the exception, the case expects
// it: updateConflict for a stale change token, nameConstraintViolation
// for a name taken in the folder (cmisd throws rather than renames),
// constraint for deleteObject of a folder with children; moving a folder
// into its own subtree is a constraint violation too. Requests the server
// cannot read at all (framing, XML, limits) are invalidArgument with
// faultcode soap:Client.
func misuseCases() []misuseCase {
	const (
		client = "Client" // the request itself is broken
		svc    = "Server" // a CMIS service exception
	)
	return append([]misuseCase{
		{
			name: "truncated MTOM createDocument",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, att := e.mtomCreate("new.bin", 512<<10)
				return e.postRaw(mtomContentType(mtomBoundary), body[:att+(512<<10)/2])
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "truncated MTOM setContentStream",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, att := e.mtomSetContent("", 512<<10)
				return e.postRaw(mtomContentType(mtomBoundary), body[:att+(512<<10)/2])
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "truncated inline createDocument",
			send: func(e *misuseEnv) (*soapReply, error) {
				b64 := base64.StdEncoding.EncodeToString(randomBytes(512 << 10))
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin", contentStreamXML(-1, "new.bin", b64)))
				return e.postRaw("text/xml; charset=utf-8", []byte(env[:strings.Index(env, b64)+len(b64)/2]))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "truncated MTOM with the attachment before the root part",
			send: func(e *misuseEnv) (*soapReply, error) {
				// The early part is spooled while the root part is looked for.
				data := randomBytes(512 << 10)
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(int64(len(data)), "new.bin", xopIncludeOf(mtomContentCID))))
				chunks := mtomBody(mtomBoundary, env, mtomAttachment{mtomContentCID, data})
				// Attachment (header, data, CRLF) first, then the root part.
				body := joinChunks([][]byte{chunks[1], chunks[2], chunks[3], chunks[0], chunks[4]})
				return e.postRaw(mtomContentType(mtomBoundary), body[:len(chunks[1])+len(data)/2])
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "xop:Include names a missing part",
			send: func(e *misuseEnv) (*soapReply, error) {
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(1000, "new.bin", xopIncludeOf("missing@cmisd.test"))))
				return e.postRaw(mtomContentType(mtomBoundary), joinChunks(mtomBody(mtomBoundary, env,
					mtomAttachment{mtomContentCID, randomBytes(1000)})))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "wrong MTOM boundary",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, _ := e.mtomCreate("new.bin", 64<<10)
				return e.postRaw(mtomContentType("not-the-boundary-used"), body)
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "MTOM body ends after the attachment without any delimiter",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, att := e.mtomCreate("new.bin", 64<<10)
				return e.postRaw(mtomContentType(mtomBoundary), body[:att+64<<10])
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "MTOM body ends with a delimiter but no close-delimiter",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, att := e.mtomCreate("new.bin", 64<<10)
				cut := body[:att+64<<10]
				return e.postRaw(mtomContentType(mtomBoundary), append(cut, "\r\n--"+mtomBoundary+"\r\n"...))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "invalid base64 inline content",
			send: func(e *misuseEnv) (*soapReply, error) {
				return e.c.call(context.Background(), "ObjectService", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(-1, "new.bin", "this is *not* base64!")))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "invalid base64 after 300 KiB of valid inline content",
			send: func(e *misuseEnv) (*soapReply, error) {
				b64 := base64.StdEncoding.EncodeToString(randomBytes(300 << 10))
				return e.c.call(context.Background(), "ObjectService", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(-1, "new.bin", b64[:len(b64)/2]+"%%%%"+b64[len(b64)/2:])))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "inline base64 with data after the padding",
			send: func(e *misuseEnv) (*soapReply, error) {
				return e.c.call(context.Background(), "ObjectService", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(-1, "new.bin", "QUJD"+"QQ=="+"QUJD")))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "stale changeToken on updateProperties",
			send: func(e *misuseEnv) (*soapReply, error) {
				return e.c.call(context.Background(), "ObjectService", updateDescriptionXML(e.repo, e.doc1, e.staleToken, "lost update"))
			},
			wantCode: svc, wantType: "updateConflict",
		},
		{
			name: "stale changeToken on setContentStream (MTOM)",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, _ := e.mtomSetContent(e.staleToken, 300<<10)
				return e.postRaw(mtomContentType(mtomBoundary), body)
			},
			wantCode: svc, wantType: "updateConflict",
		},
		{
			name: "stale changeToken on setContentStream (inline)",
			send: func(e *misuseEnv) (*soapReply, error) {
				data := randomBytes(300 << 10)
				return e.c.call(context.Background(), "ObjectService", setContentStreamXML(e.repo, e.doc1, e.staleToken,
					contentStreamXML(int64(len(data)), "one.bin", base64.StdEncoding.EncodeToString(data))))
			},
			wantCode: svc, wantType: "updateConflict",
		},
		{
			name: "duplicate name on createDocument with MTOM content",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, _ := e.mtomCreate("one.bin", 300<<10)
				return e.postRaw(mtomContentType(mtomBoundary), body)
			},
			wantCode: svc, wantType: "nameConstraintViolation",
		},
		{
			name: "duplicate name on createDocument with inline content",
			send: func(e *misuseEnv) (*soapReply, error) {
				data := randomBytes(300 << 10)
				return e.c.call(context.Background(), "ObjectService", createDocumentXML(e.repo, e.folderA, "one.bin",
					contentStreamXML(int64(len(data)), "one.bin", base64.StdEncoding.EncodeToString(data))))
			},
			wantCode: svc, wantType: "nameConstraintViolation",
		},
		{
			name: "deleteObject of a non-empty folder",
			send: func(e *misuseEnv) (*soapReply, error) {
				return e.c.call(context.Background(), "ObjectService", `<m:deleteObject xmlns:m="`+nsMessaging+`">`+
					`<m:repositoryId>`+e.repo+`</m:repositoryId><m:objectId>`+e.folderA+`</m:objectId>`+
					`<m:allVersions>true</m:allVersions></m:deleteObject>`)
			},
			wantCode: svc, wantType: "constraint",
		},
		{
			name: "moveObject of a folder into its own subfolder",
			send: func(e *misuseEnv) (*soapReply, error) {
				return e.c.call(context.Background(), "ObjectService", moveObjectXML(e.repo, e.folderA, e.folderB, e.root))
			},
			wantCode: svc, wantType: "constraint",
		},
		{
			name: "moveObject of a folder into itself",
			send: func(e *misuseEnv) (*soapReply, error) {
				return e.c.call(context.Background(), "ObjectService", moveObjectXML(e.repo, e.folderA, e.folderA, e.root))
			},
			wantCode: svc, wantType: "constraint",
		},
		{
			name: "XML over the size limit (text/xml)",
			send: func(e *misuseEnv) (*soapReply, error) {
				// Just over the limit, so that what the server does not read
				// is small enough for it to drain and answer.
				return e.c.call(context.Background(), "ObjectService", createFolderWithDescription(e.repo, e.folderA, "big",
					strings.Repeat("x", int(server.DefaultMaxXMLBytes))))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "XML over the size limit (MTOM root part)",
			send: func(e *misuseEnv) (*soapReply, error) {
				data := randomBytes(64 << 10)
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(int64(len(data)), strings.Repeat("n", int(server.DefaultMaxXMLBytes)), xopIncludeOf(mtomContentCID))))
				return e.postRaw(mtomContentType(mtomBoundary), joinChunks(mtomBody(mtomBoundary, env, mtomAttachment{mtomContentCID, data})))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "DOCTYPE with an internal entity",
			send: func(e *misuseEnv) (*soapReply, error) {
				env := soapEnvelope("test", "test", createFolderXML(e.repo, e.folderA, "PLACEHOLDER"))
				env = strings.Replace(env, "PLACEHOLDER", "&boom;", 1)
				env = strings.Replace(env, "?>", `?><!DOCTYPE soap:Envelope [<!ENTITY boom "entity-expanded">]>`, 1)
				return e.postRaw("text/xml; charset=utf-8", []byte(env))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "DOCTYPE with an external entity in the MTOM root part",
			send: func(e *misuseEnv) (*soapReply, error) {
				data := randomBytes(1000)
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "PLACEHOLDER",
					contentStreamXML(int64(len(data)), "x.bin", xopIncludeOf(mtomContentCID))))
				env = strings.Replace(env, "PLACEHOLDER", "&xxe;", 1)
				env = strings.Replace(env, "?>", `?><!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>`, 1)
				return e.postRaw(mtomContentType(mtomBoundary), joinChunks(mtomBody(mtomBoundary, env, mtomAttachment{mtomContentCID, data})))
			},
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name: "client sends half an MTOM upload and closes the connection",
			send: func(e *misuseEnv) (*soapReply, error) {
				body, att := e.mtomCreate("new.bin", 4<<20)
				e.halfUpload(mtomContentType(mtomBoundary), body, att+(4<<20)/2, filepath.Join(e.data, "content", "tmp"))
				return nil, nil
			},
			noAnswer: true,
		},
		{
			name: "client sends half an inline upload and closes the connection",
			send: func(e *misuseEnv) (*soapReply, error) {
				b64 := base64.StdEncoding.EncodeToString(randomBytes(4 << 20))
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(-1, "new.bin", b64)))
				e.halfUpload("text/xml; charset=utf-8", []byte(env), len(env)/2, filepath.Join(e.data, "tmp"))
				return nil, nil
			},
			noAnswer: true,
		},
	}, bodyMisuseCases()...)
}

func moveObjectXML(repo, id, target, source string) string {
	return `<m:moveObject xmlns:m="` + nsMessaging + `"><m:repositoryId>` + repo + `</m:repositoryId>` +
		`<m:objectId>` + id + `</m:objectId><m:targetFolderId>` + target + `</m:targetFolderId>` +
		`<m:sourceFolderId>` + source + `</m:sourceFolderId></m:moveObject>`
}

func createFolderWithDescription(repo, parentID, name, description string) string {
	x := createFolderXML(repo, parentID, name)
	return strings.Replace(x, `</m:properties>`, `<c:propertyString propertyDefinitionId="cmis:description"><c:value>`+
		xesc(description)+`</c:value></c:propertyString></m:properties>`, 1)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// ---------------------------------------------------------------------------
// The repository every case starts from

type misuseEnv struct {
	t                     *testing.T
	c                     *cmisClient
	repo, root, data      string
	folderA, folderB      string // /A and /A/B
	doc1, doc2, doc3      string // /A/one.bin, /A/B/two.bin, /three.txt
	staleToken, doc1Token string
}

func newMisuseEnv(t *testing.T) *misuseEnv {
	t.Helper()
	base, repo, root, data := newServerWithData(t)
	e := &misuseEnv{t: t, repo: repo, root: root, data: data,
		c: &cmisClient{base: base, user: "test", password: "test", repo: repo, hc: &http.Client{Timeout: 30 * time.Second}}}
	t.Cleanup(e.c.hc.CloseIdleConnections)
	ctx := context.Background()
	must := func(r *soapReply, err error) *soapReply {
		t.Helper()
		if err == nil {
			err = r.ok()
		}
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		return r
	}
	e.folderA = objectIDOf(must(e.c.call(ctx, "ObjectService", createFolderXML(repo, root, "A"))))
	e.folderB = objectIDOf(must(e.c.call(ctx, "ObjectService", createFolderXML(repo, e.folderA, "B"))))
	e.doc1 = objectIDOf(must(e.c.callMTOM(ctx, "ObjectService", createDocumentXML(repo, e.folderA, "one.bin",
		contentStreamXML(200<<10, "one.bin", xopIncludeOf(mtomContentCID))), randomBytes(200<<10))))
	e.doc2 = objectIDOf(must(e.c.call(ctx, "ObjectService", createDocumentXML(repo, e.folderB, "two.bin",
		contentStreamXML(100<<10, "two.bin", base64.StdEncoding.EncodeToString(randomBytes(100<<10)))))))
	e.doc3 = objectIDOf(must(e.c.call(ctx, "ObjectService", createDocumentXML(repo, root, "three.txt",
		contentStreamXML(5, "three.txt", base64.StdEncoding.EncodeToString([]byte("three")))))))
	// doc1 at change token 2: token 1 is stale.
	r := must(e.c.call(ctx, "ObjectService", updateDescriptionXML(repo, e.doc1, "1", "second version")))
	e.doc1Token = childText(r.body, "changeToken")
	e.staleToken = "1"
	if e.doc1Token == "" || e.doc1Token == e.staleToken {
		t.Fatalf("setup: updateProperties answered change token %q", e.doc1Token)
	}
	// doc2's content replaced once (its first file removed after commit).
	must(e.c.callMTOM(ctx, "ObjectService", setContentStreamXML(repo, e.doc2, "",
		contentStreamXML(50<<10, "two.bin", xopIncludeOf(mtomContentCID))), randomBytes(50<<10)))
	if files := contentFiles(t, data); len(files) != 3 {
		t.Fatalf("setup: %d content files, want 3: %v", len(files), files)
	}
	return e
}

// snapshot is the state a misuse must not change: every object reachable
// from the root with all its properties, the SHA-256 of every content
// stream, and the content files on disk.
func (e *misuseEnv) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	var lines []string
	var walk func(folderID, path string, depth int)
	walk = func(folderID, path string, depth int) {
		if depth > 16 {
			e.t.Fatalf("snapshot: folders nested deeper than 16 at %s", path)
		}
		kids, err := e.c.children(ctx, folderID)
		if err != nil {
			e.t.Fatalf("snapshot: %v", err)
		}
		sort.Slice(kids, func(i, j int) bool { return kids[i].get("cmis:name") < kids[j].get("cmis:name") })
		for _, k := range kids {
			p := path + "/" + k.get("cmis:name")
			var props []string
			for id, vs := range k {
				props = append(props, id+"="+strings.Join(vs, "|"))
			}
			sort.Strings(props)
			line := p + "  " + strings.Join(props, "  ")
			if k.get("cmis:contentStreamLength") != "" {
				data, _, err := e.c.content(ctx, k.get("cmis:objectId"))
				if err != nil {
					e.t.Fatalf("snapshot: %s: %v", p, err)
				}
				line += fmt.Sprintf("  content=%d:%s", len(data), sha256Hex(data))
			}
			lines = append(lines, line)
			if k.get("cmis:baseTypeId") == "cmis:folder" {
				walk(k.get("cmis:objectId"), p, depth+1)
			}
		}
	}
	walk(e.root, "", 0)
	files := contentFiles(e.t, e.data)
	lines = append(lines, fmt.Sprintf("content files (%d): %s", len(files), strings.Join(files, " ")))
	return strings.Join(lines, "\n")
}

// checkFault asserts a SOAP 1.1 fault: HTTP 500, the faultcode, the
// cmisFault type and, if msg is set, words of the message.
func (e *misuseEnv) checkFault(r *soapReply, code, typ, msg string) {
	e.t.Helper()
	f := r.fault()
	if f == nil {
		e.t.Errorf("want a %s fault, got %s", typ, r)
		return
	}
	if r.status != http.StatusInternalServerError {
		e.t.Errorf("fault with HTTP status %d, want 500 (SOAP 1.1 over HTTP)", r.status)
	}
	if _, local, _ := strings.Cut(f.code, ":"); local != code {
		e.t.Errorf("faultcode %q, want soap:%s (%s)", f.code, code, f.message)
	}
	if f.cmisType != typ {
		e.t.Errorf("cmisFault type %q, want %q (%s)", f.cmisType, typ, f.message)
	}
	if !strings.Contains(f.message, msg) {
		e.t.Errorf("fault message %q does not say %q", f.message, msg)
	}
	e.t.Logf("fault %s/%s: %s", f.code, f.cmisType, f.message)
}

// postRaw sends exactly body (Content-Length is its length).
func (e *misuseEnv) postRaw(contentType string, body []byte) (*soapReply, error) {
	return e.c.post(context.Background(), "ObjectService", contentType, bytes.NewReader(body), int64(len(body)))
}

// mtomCreate is a complete MTOM createDocument in folder A with size
// random bytes as attachment, and the offset where they start.
func (e *misuseEnv) mtomCreate(name string, size int) ([]byte, int) {
	env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, name,
		contentStreamXML(int64(size), name, xopIncludeOf(mtomContentCID))))
	return e.mtomWith(env, size)
}

// mtomSetContent is a complete MTOM setContentStream of doc1.
func (e *misuseEnv) mtomSetContent(changeToken string, size int) ([]byte, int) {
	env := soapEnvelope("test", "test", setContentStreamXML(e.repo, e.doc1, changeToken,
		contentStreamXML(int64(size), "one.bin", xopIncludeOf(mtomContentCID))))
	return e.mtomWith(env, size)
}

func (e *misuseEnv) mtomWith(env string, size int) ([]byte, int) {
	chunks := mtomBody(mtomBoundary, env, mtomAttachment{mtomContentCID, randomBytes(size)})
	return joinChunks(chunks), len(chunks[0]) + len(chunks[1])
}

// halfUpload announces body in full, sends its first cut bytes over a raw
// connection, waits (bounded) until the server has started storing them
// in busy, and closes the connection.
func (e *misuseEnv) halfUpload(contentType string, body []byte, cut int, busy string) {
	e.t.Helper()
	conn, head := e.rawConn(contentType, fmt.Sprintf("Content-Length: %d", len(body)))
	defer conn.Close()
	if _, err := conn.Write(append([]byte(head), body[:cut]...)); err != nil {
		e.t.Fatalf("sending half the request: %v", err)
	}
	staged := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(dirFiles(e.t, busy)) > 0 {
			staged = true
			break
		}
	}
	if staged {
		e.t.Logf("closing the connection after %d of %d bytes, with the upload under way in %s", cut, len(body), filepath.Base(busy))
	} else {
		e.t.Logf("closing the connection after %d of %d bytes; saw no file in %s meanwhile", cut, len(body), busy)
	}
}
