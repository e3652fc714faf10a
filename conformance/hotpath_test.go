package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// BenchmarkHotPath runs the nine operations of the issue #10 table through
// the whole server (envelope, UsernameToken, services, SQLite, response
// writing) in process, without a network: allocations per request and a
// CPU profile of the project's own code, next to make bench's end-to-end
// figures.
//
//	go test -tags "$TAGS" ./conformance -run '^$' -bench HotPath -benchmem -cpuprofile /tmp/cpu.out
func BenchmarkHotPath(b *testing.B) {
	h, data := hotPathServer(b)
	for _, op := range data.ops() {
		b.Run(op.name, func(b *testing.B) {
			// One request, its body renewed each time: what is counted is
			// the server's, not the harness's.
			req := httptest.NewRequest(http.MethodPost, "/services/"+op.service, nil)
			req.Header.Set("Content-Type", hotPathCT)
			req.ContentLength = int64(len(op.body))
			rec := &discardRecorder{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				req.Body = io.NopCloser(bytes.NewReader(op.body))
				clear(rec.header)
				rec.status = 0
				h.ServeHTTP(rec, req)
				if rec.status != 0 && rec.status != http.StatusOK {
					b.Fatalf("%s: status %d", op.name, rec.status)
				}
			}
		})
	}
}

// discardRecorder is a ResponseWriter that keeps nothing but the status.
type discardRecorder struct {
	header http.Header
	status int
}

func (r *discardRecorder) Header() http.Header         { return r.header }
func (r *discardRecorder) WriteHeader(code int)        { r.status = code }
func (r *discardRecorder) Write(p []byte) (int, error) { return len(p), nil }

const (
	hotPathBoundary = "hotpath-boundary"
	hotPathCT       = `multipart/related; type="application/xop+xml"; boundary="` + hotPathBoundary + `"; start="<root@hotpath>"; start-info="text/xml"`
	hotPathPassword = "hot-path-password-1"
)

// hotPathMTOM wraps an envelope into a one-part MTOM package, as JAX-WS
// and WCF send every request.
func hotPathMTOM(env string) []byte {
	return []byte("--" + hotPathBoundary + "\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n" +
		"Content-Transfer-Encoding: binary\r\nContent-ID: <root@hotpath>\r\n\r\n" + env + "\r\n--" + hotPathBoundary + "--\r\n")
}

type hotPathData struct {
	repo, folder, doc, bigDoc, parentPath string
}

type hotPathOp struct {
	name, service string
	body          []byte
}

func (d hotPathData) ops() []hotPathOp {
	env := func(body string) []byte { return hotPathMTOM(soapEnvelope("admin", hotPathPassword, body)) }
	m := func(op, inner string) string {
		return `<m:` + op + ` xmlns:m="` + nsMessaging + `"><m:repositoryId>` + d.repo + `</m:repositoryId>` + inner + `</m:` + op + `>`
	}
	gcs := func(id string) []byte { return env(m("getContentStream", `<m:objectId>`+id+`</m:objectId>`)) }
	return []hotPathOp{
		{"getRepositoryInfo", "RepositoryService", env(m("getRepositoryInfo", ""))},
		{"getObject", "ObjectService", env(m("getObject", `<m:objectId>`+d.doc+`</m:objectId><m:filter>*</m:filter>`))},
		{"getProperties", "ObjectService", env(m("getProperties", `<m:objectId>`+d.doc+`</m:objectId><m:filter>*</m:filter>`))},
		{"getChildren", "NavigationService", env(m("getChildren", `<m:folderId>`+d.folder+`</m:folderId><m:filter>*</m:filter><m:maxItems>100</m:maxItems>`))},
		{"getObjectByPath", "ObjectService", env(m("getObjectByPath", `<m:path>`+d.parentPath+`/doc-042.txt</m:path><m:filter>*</m:filter>`))},
		{"query", "DiscoveryService", env(m("query", `<m:statement>SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('`+d.folder+`') AND cmis:name = 'doc-042.txt'</m:statement>`))},
		{"getContentStream-1KiB", "ObjectService", gcs(d.doc)},
		{"getContentStream-1MiB", "ObjectService", gcs(d.bigDoc)},
	}
}

// hotPathServer builds a store with a folder of 100 documents of 1 KiB and
// one of 1 MiB, and returns the server's handler.
func hotPathServer(b *testing.B) (http.Handler, hotPathData) {
	b.Helper()
	srv, repo, _ := newHandlerFor(b, []account{{"admin", hotPathPassword}}, zap.NewNop())
	d := hotPathData{repo: repo.ID}
	call := func(service, body string, content []byte) string {
		env := soapEnvelope("admin", hotPathPassword, body)
		var req *http.Request
		if content == nil {
			req = httptest.NewRequest(http.MethodPost, "/services/"+service, bytes.NewReader(hotPathMTOM(env)))
			req.Header.Set("Content-Type", hotPathCT)
		} else {
			ct := mtomContentType(mtomBoundary)
			req = httptest.NewRequest(http.MethodPost, "/services/"+service,
				bytes.NewReader(joinChunks(mtomBody(mtomBoundary, env, mtomAttachment{cid: mtomContentCID, data: content}))))
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		out, _ := io.ReadAll(rec.Body)
		i := bytes.Index(out, []byte("objectId>"))
		if rec.Code != 200 || i < 0 {
			b.Fatalf("setup %s: %d %.400s", service, rec.Code, out)
		}
		id := out[i+len("objectId>"):]
		return string(id[:bytes.IndexByte(id, '<')])
	}
	d.folder = call("ObjectService", createFolderXML(repo.ID, repo.RootFolderID, "hotpath"), nil)
	d.parentPath = "/hotpath"
	kib := bytes.Repeat([]byte("x"), 1024)
	for i := range 100 {
		name := fmt.Sprintf("doc-%03d.txt", i)
		id := call("ObjectService", createDocumentXML(repo.ID, d.folder, name, contentStreamXML(1024, name, xopIncludeOf(mtomContentCID))), kib)
		if i == 42 {
			d.doc = id
		}
	}
	mib := bytes.Repeat([]byte("y"), 1<<20)
	d.bigDoc = call("ObjectService", createDocumentXML(repo.ID, repo.RootFolderID, "big.bin", contentStreamXML(1<<20, "big.bin", xopIncludeOf(mtomContentCID))), mib)
	if strings.Contains(d.doc, "<") || d.doc == "" {
		b.Fatalf("setup: doc id %q", d.doc)
	}
	return srv, d
}
