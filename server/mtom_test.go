package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// decoded is a request taken through the whole reading path.
type decoded struct {
	op      string
	req     any
	streams []*xsd.Stream
	mtom    *mtomReader
}

// decodeHTTP runs the reading path of the server on a request: content
// type, MTOM, diverter, envelope, decoding, stream attachment.
func decodeHTTP(t *testing.T, s *Server, r *http.Request, sp *spooler) (*decoded, error) {
	t.Helper()
	x := &exchange{}
	data, m, err := s.readXML(r, x, sp)
	if err != nil {
		return nil, err
	}
	env, err := parseEnvelope(data, 64)
	if err != nil {
		return nil, err
	}
	op := generated.Operations[env.body.Name.Local]
	if op == nil {
		t.Fatalf("unknown operation %s", env.body.Name.Local)
	}
	req := op.NewRequest()
	if err := decodeRequest(env, req); err != nil {
		return nil, err
	}
	if err := attachStreams(req, sp, m); err != nil {
		return nil, err
	}
	return &decoded{op: op.Name, req: req, streams: findStreams(req), mtom: m}, nil
}

func recordedRequest(rec recorded) *http.Request {
	r := httptest.NewRequest(rec.method, rec.uri, bytes.NewReader(rec.body))
	r.Header = rec.header.Clone()
	return r
}

// expectedContent extracts the content of a recorded createDocument
// independently of the server code: the MIME part named by the href, or
// the inline base64 text.
func expectedContent(t *testing.T, body []byte) []byte {
	t.Helper()
	if m := regexp.MustCompile(`href="cid:([^"]+)"`).FindSubmatch(body); m != nil {
		id := string(m[1])
		i := bytes.Index(body, []byte("<"+id+">"))
		if i < 0 {
			t.Fatalf("no part with Content-ID %s", id)
		}
		start := i + bytes.Index(body[i:], []byte("\r\n\r\n")) + 4
		end := start + bytes.Index(body[start:], []byte("\r\n--"))
		return body[start:end]
	}
	m := regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?stream>([^<]+)</`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no stream in the recording")
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(m[1])), ""))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Every recorded request decodes, MTOM or not, and createDocument content
// comes out byte for byte: a live MIME part for MTOM attachments, a spool
// file for inline base64 (also inline inside MTOM, java-handler).
func TestRecordedRequestsDecode(t *testing.T) {
	env := newTestServer(t, nil)
	for _, path := range recordedFiles(t, "getRepositories", "getRepositoryInfo", "getTypeChildren", "createDocument", "checkIn") {
		rec := loadRecorded(t, path)
		t.Run(rec.name, func(t *testing.T) {
			sp := newSpooler(t.TempDir())
			defer sp.cleanup()
			d, err := decodeHTTP(t, env.srv, recordedRequest(rec), sp)
			if err != nil {
				t.Fatal(err)
			}
			if d.op != rec.op {
				t.Fatalf("operation %s, want %s", d.op, rec.op)
			}
			isMTOM := strings.HasPrefix(rec.header.Get("Content-Type"), "multipart/")
			if isMTOM != (d.mtom != nil) {
				t.Errorf("MTOM = %v, want %v", d.mtom != nil, isMTOM)
			}
			if got := repositoryID(d.req); got != "A1" && rec.op != "getRepositories" {
				t.Errorf("repositoryId = %q", got)
			}
			if rec.op != "createDocument" {
				return
			}
			cd := d.req.(*generated.CreateDocument)
			if cd.ContentStream == nil || cd.ContentStream.Stream == nil || cd.ContentStream.Stream.Reader == nil {
				t.Fatal("no content stream reader")
			}
			r := cd.ContentStream.Stream.Reader
			inline := !bytes.Contains(rec.body, []byte("xop:Include"))
			if _, live := r.(*partReader); live == inline {
				t.Errorf("reader is %T; want a live MIME part for attachments, a spool file for inline content", r)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			want := expectedContent(t, rec.body)
			if !bytes.Equal(got, want) {
				t.Fatalf("content: got %d bytes, want %d (equal prefix %v)", len(got), len(want), bytes.HasPrefix(want, got[:min(len(got), 16)]))
			}
			if l := cd.ContentStream.Length; l != nil && *l != int64(len(got)) {
				t.Errorf("length element %d, content %d bytes", *l, len(got))
			}
		})
	}
}

// mtomBody builds a multipart body from parts (each: headers, content).
func mtomBody(boundary string, parts ...[2]string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p[0] + "\r\n\r\n" + p[1] + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

func createDocXML(href string) string {
	return `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Header><wsse:Security xmlns:wsse="` + wsseNS + `"><wsse:UsernameToken><wsse:Username>test</wsse:Username><wsse:Password>test</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header>` +
		`<soap:Body><createDocument xmlns="` + cmis.MessagingNS + `"><repositoryId>A1</repositoryId><contentStream><stream><xop:Include xmlns:xop="` + xopNS + `" href="` + href + `"/></stream></contentStream></createDocument></soap:Body></soap:Envelope>`
}

const rootHeaders = "Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-ID: <root@x>"

func TestMTOMVariants(t *testing.T) {
	content := "binary \x00\xff\r\n-- not a boundary\r\ncontent"
	att := func(cid string, extra string) [2]string {
		return [2]string{"Content-Type: application/octet-stream\r\nContent-ID: " + cid + extra, content}
	}
	other := [2]string{"Content-Type: application/octet-stream\r\nContent-ID: <other@x>", strings.Repeat("unreferenced ", 1000)}
	tests := []struct {
		name     string
		ct       string // HTTP Content-Type
		body     string
		wantLive bool   // the stream is the live part (not spooled)
		wantErr  string // substring of an expected fault
	}{
		{
			name:     "quoted params, start with <>",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b1"; start="<root@x>"; start-info="text/xml"`,
			body:     mtomBody("b1", [2]string{rootHeaders, createDocXML("cid:a@x")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "start without <>, unquoted boundary last, params upper case",
			ct:       `Multipart/Related;Type="application/xop+xml";START="root@x";Boundary=b-2+id=1`,
			body:     mtomBody("b-2+id=1", [2]string{rootHeaders, createDocXML("cid:a@x")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "no start: first part is root; href URL-escaped",
			ct:       `multipart/related; type="application/xop+xml"; boundary=b3`,
			body:     mtomBody("b3", [2]string{"Content-Type: application/xop+xml", createDocXML("cid:a%40x")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "WCF: boundary in the body, URL Content-IDs, type empty, 8bit",
			ct:       `multipart/related; type=application/xop+xml`,
			body:     "MIME-Version: 1.0\r\nContent-Type: multipart/related;type=\"application/xop+xml\";boundary=\"wcf+id=1\";start=\"<http://tempuri.org/0/1>\"\r\n\r\n" + mtomBody("wcf+id=1", [2]string{"Content-ID: <http://tempuri.org/0/1>\r\nContent-Transfer-Encoding: 8bit\r\nContent-Type: application/xop+xml;charset=utf-8;type=\"\"", createDocXML("cid:http://tempuri.org/1/2")}, att("<http://tempuri.org/1/2>", "\r\nContent-Transfer-Encoding: binary")),
			wantLive: true,
		},
		{
			name:     "no boundary anywhere but the body starts with it",
			ct:       `multipart/related; type="application/xop+xml"`,
			body:     mtomBody("b4", [2]string{rootHeaders, createDocXML("cid:a@x")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "no boundary parameter, blank lines, then the boundary",
			ct:       `multipart/related; type="application/xop+xml"; start="<root@x>"`,
			body:     "\r\n\r\n" + mtomBody("b4b", [2]string{rootHeaders, createDocXML("cid:a@x")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "attachment before the root part is spooled",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b5"; start="<root@x>"`,
			body:     mtomBody("b5", att("<a@x>", ""), [2]string{rootHeaders, createDocXML("cid:a@x")}),
			wantLive: false,
		},
		{
			name:     "unreferenced part in between is skipped",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b6"; start="<root@x>"`,
			body:     mtomBody("b6", [2]string{rootHeaders, createDocXML("cid:a@x")}, other, att("<a@x>", "\r\nContent-Disposition: attachment; filename=\"x.bin\"")),
			wantLive: true,
		},
		{
			name:     "base64 transfer encoding",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b7"`,
			body:     mtomBody("b7", [2]string{rootHeaders, createDocXML("cid:a@x")}, [2]string{"Content-ID: <a@x>\r\nContent-Transfer-Encoding: base64", base64.StdEncoding.EncodeToString([]byte(content))}),
			wantLive: true,
		},
		{
			name:     "preamble and inline base64 in the root part",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b8"`,
			body:     "\r\npreamble\r\n" + mtomBody("b8", [2]string{rootHeaders, strings.Replace(createDocXML("x"), `<xop:Include xmlns:xop="`+xopNS+`" href="x"/>`, base64.StdEncoding.EncodeToString([]byte(content)), 1)}),
			wantLive: false,
		},
		{
			name:    "href names a missing part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b9"`,
			body:    mtomBody("b9", [2]string{rootHeaders, createDocXML("cid:missing@x")}, att("<a@x>", "")),
			wantErr: "no such part",
		},
		{
			name:    "wrong boundary",
			ct:      `multipart/related; type="application/xop+xml"; boundary="nope"`,
			body:    mtomBody("b10", [2]string{rootHeaders, createDocXML("cid:a@x")}, att("<a@x>", "")),
			wantErr: "boundary",
		},
		{
			name:    "truncated root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b11"`,
			body:    mtomBody("b11", [2]string{rootHeaders, createDocXML("cid:a@x")})[:200],
			wantErr: "truncated",
		},
		{
			name:    "start names no part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b12"; start="<nothere>"`,
			body:    mtomBody("b12", [2]string{rootHeaders, createDocXML("cid:a@x")}),
			wantErr: "named by start",
		},
		{
			name:    "no boundary at all",
			ct:      `multipart/related; type="application/xop+xml"`,
			body:    "<soap:Envelope/>",
			wantErr: "without a boundary",
		},
		{
			name:    "SOAP 1.2 root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b13"`,
			body:    mtomBody("b13", [2]string{"Content-Type: application/xop+xml; type=\"application/soap+xml\"", createDocXML("cid:a@x")}),
			wantErr: "SOAP 1.2",
		},
		{
			name:    "unsupported charset of the root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b14"`,
			body:    mtomBody("b14", [2]string{"Content-Type: application/xop+xml; charset=utf-16", createDocXML("cid:a@x")}),
			wantErr: "charset",
		},
	}
	env := newTestServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/services/ObjectService", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			sp := newSpooler(t.TempDir())
			defer sp.cleanup()
			d, err := decodeHTTP(t, env.srv, r, sp)
			if tt.wantErr != "" {
				var re *requestError
				if !errors.As(err, &re) || !strings.Contains(re.msg, tt.wantErr) {
					t.Fatalf("err = %v, want a fault containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.streams) != 1 || d.streams[0].Reader == nil {
				t.Fatalf("streams: %+v", d.streams)
			}
			r0 := d.streams[0].Reader
			if _, live := r0.(*partReader); live != tt.wantLive {
				t.Errorf("reader %T, want live=%v", r0, tt.wantLive)
			}
			got, err := io.ReadAll(r0)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != content {
				t.Errorf("content %q, want %q", got, content)
			}
		})
	}
}

// A truncated attachment reaches the handler as an invalidArgument error
// from the stream reader.
func TestMTOMTruncatedAttachment(t *testing.T) {
	env := newTestServer(t, nil)
	body := mtomBody("bt", [2]string{rootHeaders, createDocXML("cid:a@x")}, [2]string{"Content-ID: <a@x>", strings.Repeat("x", 10000)})
	body = body[:len(body)-len("\r\n--bt--\r\n")-100]
	r := httptest.NewRequest("POST", "/services/ObjectService", strings.NewReader(body))
	r.Header.Set("Content-Type", `multipart/related; type="application/xop+xml"; boundary="bt"`)
	sp := newSpooler(t.TempDir())
	defer sp.cleanup()
	d, err := decodeHTTP(t, env.srv, r, sp)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(d.streams[0].Reader)
	if cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("read error %v, want invalidArgument", err)
	}
}

func TestCIDMatch(t *testing.T) {
	tests := []struct {
		ref, cid string
		want     bool
	}{
		{"cid:a@b", "<a@b>", true},
		{"CID:a@b", "a@b", true},
		{"cid:a%40b", "<a@b>", true},
		{"cid:http://tempuri.org/1/2", "<http://tempuri.org/1/2>", true},
		{"cid:a%2Fb", "<a%2Fb>", true},
		{"<root>", "<root>", true},
		{"root", "<root>", true},
		{"cid:a@b", "<a@c>", false},
		{"", "<a>", false},
	}
	for _, tt := range tests {
		if got := cidMatch(tt.ref, tt.cid); got != tt.want {
			t.Errorf("cidMatch(%q, %q) = %v, want %v", tt.ref, tt.cid, got, tt.want)
		}
	}
}

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in     string
		mt     string
		params map[string]string
	}{
		{`multipart/related;start="<rootpart*f2@example.jaxws.sun.com>";type="application/xop+xml";boundary="uuid:f2";start-info="text/xml"`,
			"multipart/related", map[string]string{"start": "<rootpart*f2@example.jaxws.sun.com>", "boundary": "uuid:f2", "type": "application/xop+xml"}},
		{`multipart/related; type=application/xop+xml`, "multipart/related", map[string]string{"type": "application/xop+xml"}},
		{`Text/XML; Charset="UTF-8"`, "text/xml", map[string]string{"charset": "UTF-8"}},
		// Duplicate parameter and stray ';': mime.ParseMediaType refuses.
		{`multipart/related; boundary=a; boundary=b;; type="x"`, "multipart/related", map[string]string{"boundary": "a", "type": "x"}},
	}
	for _, tt := range tests {
		mt, params := parseMediaType(tt.in)
		if mt != tt.mt {
			t.Errorf("%s: media type %q", tt.in, mt)
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.in, k, params[k], v)
			}
		}
	}
}
