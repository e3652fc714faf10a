package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// soapResponse is a response as a client sees it.
type soapResponse struct {
	status   int
	header   http.Header
	mtom     bool
	root     []byte            // the envelope
	parts    map[string][]byte // attachments by Content-ID (without <>)
	partList []string          // Content-IDs in order, root included
}

func readResponse(t *testing.T, resp *http.Response) soapResponse {
	t.Helper()
	defer resp.Body.Close()
	out := soapResponse{status: resp.StatusCode, header: resp.Header, parts: map[string][]byte{}}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("response Content-Type %q: %v", resp.Header.Get("Content-Type"), err)
	}
	if mt != "multipart/related" {
		if mt != "text/xml" {
			t.Fatalf("response Content-Type %s", mt)
		}
		out.root, err = io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out.mtom = true
	if params["type"] != "application/xop+xml" || params["start-info"] != "text/xml" || params["start"] == "" {
		t.Errorf("MTOM response parameters %v", params)
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("response part %d: %v", i, err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("response part %d: %v", i, err)
		}
		cid := p.Header.Get("Content-Id")
		out.partList = append(out.partList, cid)
		if i == 0 {
			if cid != params["start"] {
				t.Errorf("first part is %s, start names %s: the root part must come first", cid, params["start"])
			}
			if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xop+xml") || !strings.Contains(ct, `type="text/xml"`) {
				t.Errorf("root part Content-Type %q", ct)
			}
			out.root = data
			continue
		}
		out.parts[strings.Trim(cid, "<>")] = data
	}
	return out
}

type faultXML struct {
	XMLName xml.Name
	Body    struct {
		Fault *struct {
			Code   string `xml:"faultcode"`
			String string `xml:"faultstring"`
			Detail *struct {
				CmisFault struct {
					Type    string `xml:"type"`
					Code    string `xml:"code"`
					Message string `xml:"message"`
				} `xml:"cmisFault"`
			} `xml:"detail"`
		} `xml:"Fault"`
	} `xml:"Body"`
}

func parseFault(t *testing.T, env []byte) *faultXML {
	t.Helper()
	var f faultXML
	if err := xml.Unmarshal(env, &f); err != nil {
		t.Fatalf("response is not XML: %v\n%s", err, env)
	}
	if f.XMLName.Space != soap11NS || f.XMLName.Local != "Envelope" {
		t.Fatalf("response root %v", f.XMLName)
	}
	return &f
}

// checkFault asserts a fault response: HTTP status, faultcode and type.
func checkFault(t *testing.T, sr soapResponse, status int, code string, typ cmis.ErrorType) *faultXML {
	t.Helper()
	if sr.status != status {
		t.Errorf("HTTP status %d, want %d", sr.status, status)
	}
	f := parseFault(t, sr.root)
	if f.Body.Fault == nil {
		t.Fatalf("no fault in\n%s", sr.root)
	}
	if f.Body.Fault.Code != "soap:"+code {
		t.Errorf("faultcode %q, want soap:%s", f.Body.Fault.Code, code)
	}
	if typ != "" {
		if f.Body.Fault.Detail == nil {
			t.Fatalf("fault without cmisFault detail:\n%s", sr.root)
		}
		cf := f.Body.Fault.Detail.CmisFault
		if cf.Type != string(typ) || cf.Code != "0" || cf.Message == "" {
			t.Errorf("cmisFault %+v, want type %s", cf, typ)
		}
	}
	return f
}

func send(t *testing.T, url string, method, path, ct string, body []byte, mod func(*http.Request)) soapResponse {
	t.Helper()
	req, err := http.NewRequest(method, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readResponse(t, resp)
}

func replay(t *testing.T, url string, rec recorded) soapResponse {
	t.Helper()
	return send(t, url, rec.method, rec.uri, "", rec.body, func(r *http.Request) {
		for k, v := range rec.header {
			r.Header[k] = v
		}
		r.Header.Del("Content-Length")
	})
}

// recordedPassword is the UsernameToken password of a recorded request.
var recordedPassword = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Password[^>]*>([^<]*)<`)

// Replays the recorded getRepositories, getRepositoryInfo and
// getTypeChildren of every client: each is answered 200 in the encoding of
// its request, with the response element the client expects; the last
// getRepositories of each scenario, sent with a wrong password, is
// answered with a permissionDenied fault instead.
func TestReplayRecorded(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	wrong := 0
	for _, path := range recordedFiles(t, "getRepositories", "getRepositoryInfo", "getTypeChildren") {
		rec := loadRecorded(t, path)
		t.Run(rec.name, func(t *testing.T) {
			sr := replay(t, ts.URL, rec)
			wantMTOM := strings.HasPrefix(rec.header.Get("Content-Type"), "multipart/")
			if sr.mtom != wantMTOM {
				t.Errorf("response MTOM = %v, want %v (answer in the encoding of the request)", sr.mtom, wantMTOM)
			}
			if m := recordedPassword.FindSubmatch(rec.body); m == nil || string(m[1]) != "test" {
				wrong++
				if sr.status != http.StatusInternalServerError || !bytes.Contains(sr.root, []byte("<cmism:type>permissionDenied</cmism:type>")) {
					t.Fatalf("wrong password: status %d, want 500 with a permissionDenied fault\n%s", sr.status, sr.root)
				}
				return
			}
			if sr.status != http.StatusOK {
				t.Fatalf("status %d\n%s", sr.status, sr.root)
			}
			var resp struct {
				XMLName xml.Name
				Body    struct {
					Inner []byte `xml:",innerxml"`
					Child struct {
						XMLName xml.Name
					} `xml:",any"`
				} `xml:"Body"`
			}
			if err := xml.Unmarshal(sr.root, &resp); err != nil {
				t.Fatalf("%v\n%s", err, sr.root)
			}
			if got := resp.Body.Child.XMLName; got.Space != cmis.MessagingNS || got.Local != rec.op+"Response" {
				t.Fatalf("body element %v, want %sResponse", got, rec.op)
			}
			// The response decodes into the generated type.
			op := generated.Operations[rec.op]
			_ = op
			switch rec.op {
			case "getRepositories":
				var r generated.GetRepositoriesResponse
				if err := xml.Unmarshal(resp.Body.Inner, &r); err != nil {
					t.Fatal(err)
				}
				if len(r.Repositories) != 1 || r.Repositories[0].RepositoryName != "Test <repo> & more" {
					t.Errorf("%+v", r)
				}
			case "getRepositoryInfo":
				var r generated.GetRepositoryInfoResponse
				if err := xml.Unmarshal(resp.Body.Inner, &r); err != nil {
					t.Fatal(err)
				}
				if r.RepositoryInfo == nil || r.RepositoryInfo.RootFolderId != "root" {
					t.Errorf("%+v", r)
				}
			case "getTypeChildren":
				req := env.repo.last().(*generated.GetTypeChildren)
				if req.RepositoryId != "A1" || req.TypeId != nil {
					t.Errorf("request seen by the port: %+v", req)
				}
			}
			if env.repo.user != "test" {
				t.Errorf("user in context %q", env.repo.user)
			}
		})
	}
	// Every scenario ends with one.
	if clients, _ := filepath.Glob(filepath.Join(recordedDir, "*")); wrong != countDirs(clients) {
		t.Errorf("%d requests with a wrong password, want one per client (%d)", wrong, countDirs(clients))
	}
}

func countDirs(paths []string) int {
	n := 0
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			n++
		}
	}
	return n
}

// Recorded createDocument requests of every client reach the port with
// their content intact; getContentStream answers the content in the
// encoding of the request.
func TestReplayContentRoundTrip(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	for _, path := range recordedFiles(t, "createDocument") {
		rec := loadRecorded(t, path)
		t.Run(rec.name, func(t *testing.T) {
			sr := replay(t, ts.URL, rec)
			if sr.status != http.StatusOK {
				t.Fatalf("status %d\n%s", sr.status, sr.root)
			}
			var r struct {
				ID string `xml:"Body>createDocumentResponse>objectId"`
			}
			if err := xml.Unmarshal(sr.root, &r); err != nil || r.ID == "" {
				t.Fatalf("%v\n%s", err, sr.root)
			}
			want := expectedContent(t, rec.body)
			if got := env.obj.content[r.ID]; !bytes.Equal(got, want) {
				t.Fatalf("stored %d bytes, want %d", len(got), len(want))
			}

			mtom := strings.HasPrefix(rec.header.Get("Content-Type"), "multipart/")
			gcs := soapWrap(`<m:getContentStream><m:repositoryId>A1</m:repositoryId><m:objectId>` + r.ID + `</m:objectId></m:getContentStream>`)
			var resp soapResponse
			if mtom {
				body := mtomBody("q", [2]string{rootHeaders, gcs})
				resp = send(t, ts.URL, "POST", "/services/ObjectService", `multipart/related; type="application/xop+xml"; boundary=q; start="<root@x>"`, []byte(body), basic("test", "test"))
			} else {
				resp = send(t, ts.URL, "POST", "/services/ObjectService", "text/xml; charset=utf-8", []byte(gcs), basic("test", "test"))
			}
			if resp.status != http.StatusOK || resp.mtom != mtom {
				t.Fatalf("status %d mtom %v\n%s", resp.status, resp.mtom, resp.root)
			}
			got := contentOf(t, resp)
			if !bytes.Equal(got, want) {
				t.Fatalf("getContentStream returned %d bytes, want %d", len(got), len(want))
			}
			env.obj.mu.Lock()
			served := env.obj.served[len(env.obj.served)-1]
			env.obj.mu.Unlock()
			if !eventually(served.closed.Load) {
				t.Error("the content stream of the response was not closed")
			}
			if !eventually(func() bool { left, _ := os.ReadDir(env.srv.cfg.SpoolDir); return len(left) == 0 }) {
				t.Error("spool files left after the request")
			}
		})
	}
}

// A large MTOM upload reaches the port as the live MIME part, with memory
// bounded, through the whole server.
func TestLargeMTOMUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 48 MiB upload; run without -short")
	}
	const size = 48 << 20
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	root := soapWrap(`<m:createDocument><m:repositoryId>A1</m:repositoryId><m:properties/><m:contentStream><m:filename>hash-only</m:filename>` +
		`<m:stream><xop:Include xmlns:xop="` + xsd.XOPNS + `" href="cid:big%40client"/></m:stream></m:contentStream></m:createDocument>`)
	head := "--B\r\n" + rootHeaders + "\r\n\r\n" + root + "\r\n--B\r\nContent-ID: <big@client>\r\nContent-Type: application/octet-stream\r\n\r\n"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(rand.NewChaCha8([32]byte{3}), size), strings.NewReader("\r\n--B--\r\n"))

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sr := send(t, ts.URL, "POST", "/services/ObjectService", `multipart/related; type="application/xop+xml"; boundary=B; start="<root@x>"`, nil, func(r *http.Request) {
		r.Body = io.NopCloser(body)
		r.ContentLength = -1
		r.SetBasicAuth("test", "test")
	})
	runtime.ReadMemStats(&after)
	if sr.status != 200 {
		t.Fatalf("status %d\n%s", sr.status, sr.root)
	}
	if _, spooled := env.obj.stream.(*os.File); spooled {
		t.Errorf("the port got %T, want the live MIME part", env.obj.stream)
	}
	want := sha256.New()
	io.Copy(want, io.LimitReader(rand.NewChaCha8([32]byte{3}), size))
	if n := env.obj.hashed[hex.EncodeToString(want.Sum(nil))]; n != size {
		t.Fatalf("content digest/length mismatch (got length %d)", n)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MiB upload (client and server) allocated %d KiB", size>>20, alloc>>10)
	if !raceEnabled && alloc > 24<<20 {
		t.Errorf("allocated %d bytes for a %d byte upload", alloc, size)
	}
}

// contentOf extracts the content stream of a getContentStream response:
// the attachment its xop:Include names, or the inline base64.
func contentOf(t *testing.T, sr soapResponse) []byte {
	t.Helper()
	var r struct {
		Stream struct {
			Text    string `xml:",chardata"`
			Include *struct {
				Href string `xml:"href,attr"`
			} `xml:"http://www.w3.org/2004/08/xop/include Include"`
		} `xml:"Body>getContentStreamResponse>contentStream>stream"`
		Length int64 `xml:"Body>getContentStreamResponse>contentStream>length"`
	}
	if err := xml.Unmarshal(sr.root, &r); err != nil {
		t.Fatalf("%v\n%s", err, sr.root)
	}
	if sr.mtom {
		if r.Stream.Include == nil {
			t.Fatalf("MTOM response without xop:Include:\n%s", sr.root)
		}
		id := strings.TrimPrefix(r.Stream.Include.Href, "cid:")
		data, ok := sr.parts[id]
		if !ok {
			t.Fatalf("no attachment %s (parts %v)", id, sr.partList)
		}
		return data
	}
	if r.Stream.Include != nil {
		t.Fatalf("text response with xop:Include:\n%s", sr.root)
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.Stream.Text))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

// Dispatch is on the Body element alone: any SOAPAction (or none), any of
// the nine service paths.
func TestDispatchIgnoresSOAPActionAndPath(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	body := []byte(soapWrap(`<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`))
	for _, tt := range []struct{ path, header, action string }{
		{"/services/RepositoryService", "SOAPAction", `"deleteTree"`},
		{"/services/ACLService", "SOAPAction", `""`},
		{"/services/ObjectService", "Soapaction", `getRepositoryInfo`},
		{"/services/DiscoveryService", "", ""},
	} {
		sr := send(t, ts.URL, "POST", tt.path, "text/xml; charset=UTF-8", body, func(r *http.Request) {
			r.SetBasicAuth("test", "test")
			if tt.header != "" {
				r.Header[tt.header] = []string{tt.action}
			}
		})
		if sr.status != 200 {
			t.Errorf("%s %s=%s: status %d\n%s", tt.path, tt.header, tt.action, sr.status, sr.root)
		}
	}
}
