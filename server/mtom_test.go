package server

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xop"
	"github.com/cmisd/cmisd/internal/xsd"
)

// decoded is a request taken through the whole reading path.
type decoded struct {
	op      string
	req     any
	streams []*xsd.Stream
	mtom    bool
}

// decodeHTTP runs the reading path of the server on a request: content
// type, MTOM, diverter, envelope, decoding, stream attachment. Its spool
// files go when the test ends.
func decodeHTTP(t *testing.T, s *Server, r *http.Request) (*decoded, error) {
	t.Helper()
	x := &exchange{}
	rd := xop.NewReader(s.bodyOptions(nil))
	t.Cleanup(rd.Close)
	data, err := s.readXML(r, x, rd)
	if err != nil {
		return nil, err
	}
	env, err := parseEnvelope(data, 64)
	if err != nil {
		return nil, err
	}
	defer env.release()
	op := generated.Operations[env.body.Local]
	if op == nil {
		t.Fatalf("unknown operation %s", env.body.Local)
	}
	req := op.NewRequest()
	if err := decodeRequest(env, req); err != nil {
		return nil, err
	}
	if err := attachStreams(req, rd, new(int64)); err != nil {
		return nil, err
	}
	return &decoded{op: op.Name, req: req, streams: findStreams(req), mtom: x.mtom}, nil
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
			d, err := decodeHTTP(t, env.srv, recordedRequest(rec))
			if err != nil {
				t.Fatal(err)
			}
			if d.op != rec.op {
				t.Fatalf("operation %s, want %s", d.op, rec.op)
			}
			isMTOM := strings.HasPrefix(rec.header.Get("Content-Type"), "multipart/")
			if isMTOM != d.mtom {
				t.Errorf("MTOM = %v, want %v", d.mtom, isMTOM)
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
			counted, ok := cd.ContentStream.Stream.Reader.(*countingReader)
			if !ok {
				t.Fatalf("content reader %T does not count", cd.ContentStream.Stream.Reader)
			}
			r := counted.r
			inline := !bytes.Contains(rec.body, []byte("xop:Include"))
			// Inline content is spooled: to a file, or in memory when small.
			if spooled := xop.Spooled(r); spooled != inline {
				t.Errorf("reader is %T; want a live MIME part for attachments, a spooled stream for inline content", r)
			}
			got, err := io.ReadAll(counted)
			if err != nil {
				t.Fatal(err)
			}
			if *counted.n != int64(len(got)) {
				t.Errorf("counted %d content bytes of %d", *counted.n, len(got))
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
		`<soap:Body><createDocument xmlns="` + cmis.MessagingNS + `"><repositoryId>A1</repositoryId><contentStream><stream><xop:Include xmlns:xop="` + xsd.XOPNS + `" href="` + href + `"/></stream></contentStream></createDocument></soap:Body></soap:Envelope>`
}

const rootHeaders = "Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-ID: <root@x>"

// The server's own checks of an MTOM request (the package itself is
// internal/xop's): SOAP 1.2 and charsets, and xop's errors become Client
// faults.
func TestMTOMRootChecks(t *testing.T) {
	tests := []struct {
		name    string
		ct      string // HTTP Content-Type
		body    string
		wantErr string // substring of the fault message
	}{
		{
			name:    "SOAP 1.2 root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b13"`,
			body:    mtomBody("b13", [2]string{"Content-Type: application/xop+xml; type=\"application/soap+xml\"", createDocXML("cid:a@x")}),
			wantErr: "SOAP 1.2",
		},
		{
			name:    "SOAP 1.2 declared at the top of the body",
			ct:      `multipart/related; type=application/xop+xml`,
			body:    "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=w; type=\"application/soap+xml\"\r\n\r\n" + mtomBody("w", [2]string{rootHeaders, createDocXML("cid:a@x")}),
			wantErr: "SOAP 1.2",
		},
		{
			name:    "unsupported charset of the root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b14"`,
			body:    mtomBody("b14", [2]string{"Content-Type: application/xop+xml; charset=utf-16", createDocXML("cid:a@x")}),
			wantErr: "charset",
		},
		{
			name:    "no boundary declared",
			ct:      `multipart/related; type="application/xop+xml"`,
			body:    mtomBody("b15", [2]string{rootHeaders, createDocXML("cid:a@x")}),
			wantErr: "without a boundary",
		},
	}
	env := newTestServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/services/ObjectService", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			_, err := decodeHTTP(t, env.srv, r)
			f := faultFor(err)
			if err == nil || f.code == codeServer || f.typ != cmis.ErrInvalidArgument || !strings.Contains(f.message, tt.wantErr) {
				t.Fatalf("err = %v (fault %s/%s %q), want a Client invalidArgument fault containing %q", err, f.code, f.typ, f.message, tt.wantErr)
			}
		})
	}
}
