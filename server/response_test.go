package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// The Body's content must stand alone: stacks that copy it out of the
// Envelope (WCF inspectors buffering a reply) lose the Envelope's
// namespace declarations, and xsi:type values name the cmis prefix.
func TestBodyContentDeclaresItsPrefixes(t *testing.T) {
	resp := &generated.GetTypeDefinitionResponse{Type_: &generated.CmisTypeDefinitionType{
		XsiType: generated.XsiCmisTypeDocumentDefinitionType, Id: "cmis:document", LocalName: "document", BaseId: "cmis:document"}}
	env := encodeText(t, resp)
	start := bytes.Index(env, []byte("<soap:Body>")) + len("<soap:Body>")
	end := bytes.LastIndex(env, []byte("</soap:Body>"))
	body := env[start:end]
	d := xml.NewDecoder(bytes.NewReader(body))
	var xsiType, prefixNS string
	scope := map[string]string{}
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "xmlns" {
					scope[a.Name.Local] = a.Value
				}
				if a.Name.Space == "xsi" && a.Name.Local == "type" {
					xsiType = a.Value
				}
			}
		}
	}
	if xsiType != "cmis:cmisTypeDocumentDefinitionType" {
		t.Fatalf("xsi:type %q in %s", xsiType, body)
	}
	prefixNS = scope["cmis"]
	if prefixNS != generated.CoreNS || scope["xsi"] != "http://www.w3.org/2001/XMLSchema-instance" {
		t.Fatalf("the body content does not declare cmis and xsi itself: %s", body[:min(len(body), 300)])
	}
	// And the whole envelope is still well-formed.
	if err := xml.Unmarshal(env, new(struct{})); err != nil {
		t.Fatalf("envelope: %v", err)
	}
}

// encodeText is the text/xml envelope the server writes for resp.
func encodeText(t *testing.T, resp any) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	e := newEncoder(rec, false, false)
	defer e.release()
	e.writeBody(resp, "")
	if err := e.xw.Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.finish(); err != nil {
		t.Fatal(err)
	}
	return rec.Body.Bytes()
}

// fileObject serves getContentStream from a file in the shape the object
// service hands the server (a section of the *os.File that closes it), and
// from memory: a section of a bytes.Reader (sized, no file), a plain
// reader (no size), and "short", a section claiming 1000 bytes more than
// the file has.
type fileObject struct {
	generated.ObjectServicePort
	path string
	data []byte

	mu     sync.Mutex
	opened []*os.File
}

type fileSectionCloser struct {
	*io.SectionReader
	io.Closer
}

func (f *fileObject) GetContentStreamContext(_ context.Context, req *generated.GetContentStream) (*generated.GetContentStreamResponse, error) {
	off, n := int64(0), int64(len(f.data))
	if req.Offset != nil {
		off = min(*req.Offset, n)
	}
	n -= off
	if req.Length != nil {
		n = min(n, *req.Length)
	}
	var r io.Reader
	switch req.ObjectId {
	case "file", "short":
		file, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		f.mu.Lock()
		f.opened = append(f.opened, file)
		f.mu.Unlock()
		if req.ObjectId == "short" {
			n += 1000
		}
		r = fileSectionCloser{io.NewSectionReader(file, off, n), file}
	case "memory":
		r = io.NewSectionReader(bytes.NewReader(f.data), off, n)
	case "unsized":
		r = struct{ io.Reader }{bytes.NewReader(f.data[off : off+n])}
	default:
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "no object %s", req.ObjectId)
	}
	return &generated.GetContentStreamResponse{ContentStream: &generated.CmisContentStreamType{
		Length: &n, Stream: &xsd.Stream{Reader: r},
	}}, nil
}

// allClosed reports whether every file served was closed.
func (f *fileObject) allClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, file := range f.opened {
		if _, err := file.Stat(); !errors.Is(err, os.ErrClosed) {
			return false
		}
	}
	return true
}

// newFileServer serves fileObject over size bytes of random content.
func newFileServer(t *testing.T, size int, mod func(*Config)) (*testEnv, *fileObject) {
	t.Helper()
	data, path := writeRandomFile(t, size, 7)
	obj := &fileObject{path: path, data: data}
	env := newTestServer(t, func(c *Config) {
		c.Ports.Object = obj
		if mod != nil {
			mod(c)
		}
	})
	return env, obj
}

// contentRequest is a getContentStream request, MTOM or text.
func contentRequest(t *testing.T, url, id string, offset, length int64, mtom bool) *http.Request {
	t.Helper()
	var rng string
	if offset >= 0 {
		rng += "<m:offset>" + strconv.FormatInt(offset, 10) + "</m:offset>"
	}
	if length >= 0 {
		rng += "<m:length>" + strconv.FormatInt(length, 10) + "</m:length>"
	}
	gcs := soapWrap(`<m:getContentStream><m:repositoryId>A1</m:repositoryId><m:objectId>` + id + `</m:objectId>` + rng + `</m:getContentStream>`)
	ct, body := "text/xml; charset=utf-8", gcs
	if mtom {
		ct, body = `multipart/related; type="application/xop+xml"; boundary=q; start="<root@x>"`, mtomBody("q", [2]string{rootHeaders, gcs})
	}
	req, err := http.NewRequest("POST", url+"/services/ObjectService", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.SetBasicAuth("test", "test")
	return req
}

// An MTOM getContentStream announces the length of its body when the
// stream knows its size (net/http then sends a file with sendfile), and
// the attachment is the content, whole or a byte range; without a size it
// is chunked as before. The text encoding is unchanged.
func TestContentStreamDownload(t *testing.T) {
	const size = 3<<20 + 123 // several ReadFrom chunks and a ragged end
	env, obj := newFileServer(t, size, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	// One client: a body longer than its Content-Length would break the
	// next exchange on the kept-alive connection.
	client := ts.Client()
	for _, tt := range []struct {
		name           string
		id             string
		offset, length int64 // -1: not in the request
		mtom, sized    bool
	}{
		{"mtom file", "file", -1, -1, true, true},
		{"mtom file range", "file", 1<<20 - 7, 2<<20 + 11, true, true},
		{"mtom file offset", "file", 5, -1, true, true},
		{"mtom file empty range", "file", size, -1, true, true},
		{"mtom memory range", "memory", 1<<20 - 7, 2<<20 + 11, true, true},
		{"mtom unsized", "unsized", 10, 1 << 20, true, false},
		{"text file", "file", -1, -1, false, false},
		{"text file range", "file", 1<<20 - 7, 2<<20 + 11, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := fetch(t, client, contentRequest(t, ts.URL, tt.id, tt.offset, tt.length, tt.mtom))
			if tt.sized {
				if resp.ContentLength != int64(len(raw)) || len(resp.TransferEncoding) > 0 {
					t.Errorf("Content-Length %d, Transfer-Encoding %v, body %d bytes", resp.ContentLength, resp.TransferEncoding, len(raw))
				}
			} else if resp.ContentLength != -1 {
				t.Errorf("Content-Length %d, want none", resp.ContentLength)
			}
			resp.Body = io.NopCloser(bytes.NewReader(raw))
			sr := readResponse(t, resp)
			if sr.status != http.StatusOK || sr.mtom != tt.mtom {
				t.Fatalf("status %d mtom %v\n%s", sr.status, sr.mtom, sr.root)
			}
			off, n := int64(0), int64(size)
			if tt.offset >= 0 {
				off = tt.offset
			}
			n -= off
			if tt.length >= 0 {
				n = min(n, tt.length)
			}
			if got, want := contentOf(t, sr), obj.data[off:off+n]; !bytes.Equal(got, want) {
				t.Fatalf("content: %d bytes, want %d (equal prefix %v)", len(got), len(want), bytes.HasPrefix(want, got[:min(len(got), 64)]))
			}
		})
	}
	if !eventually(obj.allClosed) {
		t.Error("content files left open")
	}
}

// A stream shorter than the size it announced breaks the connection, in
// MTOM as inline: the client must not see a complete-looking message.
func TestShortContentStreamAborts(t *testing.T) {
	for _, mtom := range []bool{true, false} {
		env, obj := newFileServer(t, 2<<20, nil)
		ts := httptest.NewServer(env.srv)
		defer ts.Close()
		resp, err := ts.Client().Do(contentRequest(t, ts.URL, "short", -1, -1, mtom))
		if err == nil {
			if mtom && resp.ContentLength <= 2<<20 {
				t.Errorf("Content-Length %d", resp.ContentLength)
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("mtom %v: a short content stream was delivered as a complete response", mtom)
			}
		}
		if !eventually(func() bool { return env.logs.FilterMessage("response aborted").Len() == 1 }) {
			t.Errorf("mtom %v: aborted response not logged", mtom)
		}
		if !eventually(obj.allClosed) {
			t.Errorf("mtom %v: content file left open", mtom)
		}
	}
}

// slowReader lets through about 2 MiB/s: 64 KiB, then a 30 ms pause.
type slowReader struct {
	r io.Reader
	n int
}

func (s *slowReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p[:min(len(p), 64<<10-s.n)])
	if s.n += n; s.n == 64<<10 {
		s.n = 0
		time.Sleep(30 * time.Millisecond)
	}
	return n, err
}

// The write deadline keeps moving while a download sent with sendfile
// does: a slow client that keeps reading gets everything, however long it
// takes in all, and one that stops is cut off after the stall timeout.
func TestContentStreamDownloadStall(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits out stall timeouts; run without -short")
	}
	// 12 MiB read at 64 KiB per 30 ms takes about 6 s, longer than the
	// stall timeout; a 256 KiB chunk takes about 120 ms, well inside it
	// even on a loaded machine.
	const stall = 1500 * time.Millisecond
	env, obj := newFileServer(t, 12<<20, func(c *Config) { c.WriteStallTimeout = stall })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	dial := func(t *testing.T) net.Conn {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// A small window: the kernel buffers little of the answer.
		conn.(*net.TCPConn).SetReadBuffer(64 << 10)
		if err := contentRequest(t, ts.URL, "file", -1, -1, true).Write(conn); err != nil {
			t.Fatal(err)
		}
		return conn
	}

	t.Run("slow but moving", func(t *testing.T) {
		conn := dial(t)
		defer conn.Close()
		start := time.Now()
		resp, err := http.ReadResponse(bufio.NewReaderSize(&slowReader{r: conn}, 64<<10), nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("after %v and %d bytes: %v", time.Since(start), len(raw), err)
		}
		if elapsed := time.Since(start); elapsed < stall {
			t.Fatalf("the download took %v, less than the stall timeout: nothing tested", elapsed)
		}
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		if got := contentOf(t, readResponse(t, resp)); !bytes.Equal(got, obj.data) {
			t.Fatalf("content: %d bytes, want %d", len(got), len(obj.data))
		}
	})

	t.Run("stalled", func(t *testing.T) {
		aborted := env.logs.FilterMessage("response aborted").Len()
		conn := dial(t)
		defer conn.Close()
		start := time.Now()
		for env.logs.FilterMessage("response aborted").Len() == aborted {
			if time.Since(start) > 4*stall {
				t.Fatal("a stalled download was not aborted")
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("aborted after %v", time.Since(start).Round(time.Millisecond))
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
		}
		if err == nil {
			t.Error("a stalled download was delivered complete")
		}
	})
	if !eventually(obj.allClosed) {
		t.Error("content files left open")
	}
}

// With recording on, the answer goes through Write so the recording has
// every byte; the client still gets the content with its length.
func TestContentStreamDownloadRecorded(t *testing.T) {
	dir := t.TempDir()
	env, obj := newFileServer(t, 300<<10, func(c *Config) { c.RecordDir = dir })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	resp, raw := fetch(t, ts.Client(), contentRequest(t, ts.URL, "file", 1000, 200<<10, true))
	if resp.ContentLength != int64(len(raw)) {
		t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(raw))
	}
	want := obj.data[1000 : 1000+200<<10]
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if got := contentOf(t, readResponse(t, resp)); !bytes.Equal(got, want) {
		t.Fatalf("content: %d bytes, want %d", len(got), len(want))
	}
	var recorded []byte
	if !eventually(func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "*-getContentStream.response.http"))
		if len(m) != 1 {
			return false
		}
		recorded, _ = os.ReadFile(m[0])
		return bytes.Contains(recorded, want)
	}) {
		t.Fatalf("the recorded response (%d bytes) lacks the content", len(recorded))
	}
}

// readFromWriter is a ResponseWriter with ReadFrom, as net/http's is; it
// notes what ReadFrom is handed.
type readFromWriter struct {
	httptest.ResponseRecorder
	srcs   []io.Reader
	writes int
}

func (w *readFromWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.ResponseRecorder.Write(p)
}

func (w *readFromWriter) ReadFrom(src io.Reader) (int64, error) {
	w.srcs = append(w.srcs, src)
	return io.Copy(&w.ResponseRecorder, src)
}

// A section of a file reaches the connection's ReadFrom as the file under
// an *io.LimitedReader at the section's offset, the shape net/http sends
// with sendfile, in chunks between which the write deadline moves.
func TestCopyStreamHandsOverTheFile(t *testing.T) {
	data, f := openRandomFile(t, 5<<20, 9)
	const off, size = 12345, 3<<20 + 5
	inner := &readFromWriter{ResponseRecorder: *httptest.NewRecorder()}
	rw := &respWriter{w: inner, rc: http.NewResponseController(inner), stall: time.Minute}
	if _, err := copyStream(rw, io.NewSectionReader(f, off, size), size); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(inner.Body.Bytes(), data[off:off+size]) || rw.n != size {
		t.Fatalf("copied %d bytes (counted %d), want the %d of the section", inner.Body.Len(), rw.n, size)
	}
	if want := (size + readFromChunk - 1) / readFromChunk; len(inner.srcs) != want {
		t.Errorf("%d ReadFrom calls, want %d chunks", len(inner.srcs), want)
	}
	for i, src := range inner.srcs {
		if lr, ok := src.(*io.LimitedReader); !ok || lr.R != f || lr.N > readFromChunk {
			t.Errorf("ReadFrom %d got %T %+v, want an *io.LimitedReader of the file of at most %d bytes", i, src, src, readFromChunk)
		}
	}

	// Short content is an error, not a short body.
	inner = &readFromWriter{ResponseRecorder: *httptest.NewRecorder()}
	rw = &respWriter{w: inner, rc: http.NewResponseController(inner), stall: time.Minute}
	if _, err := copyStream(rw, io.NewSectionReader(f, int64(len(data))-10, 100), 100); err == nil {
		t.Error("a stream 90 bytes short of its size was copied without error")
	}
}

// Attachments of up to smallPart bytes go out with the envelope in one
// write; a larger one is handed to ReadFrom (sendfile), and the parts
// after it follow it. Either way the answer has its exact length. A small
// stream shorter than its size is an error before anything is written,
// so the client can still get a fault.
func TestSmallAttachmentsInOneWrite(t *testing.T) {
	data, f := openRandomFile(t, smallPart+8, 3)
	env := []byte(`<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Body/></soap:Envelope>`)
	for _, tt := range []struct {
		name      string
		sizes     []int64 // of the attachments, each a section of data from 7
		writes    int     // of whole []byte (part headers go through WriteString)
		readFroms int
	}{
		{"none", nil, 1, 0},
		{"small ones", []int64{1024, 0, smallPart}, 1, 0},
		{"a large one between", []int64{1024, smallPart + 1, 5}, 1, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var streams []outStream
			var want [][]byte
			for i, n := range tt.sizes {
				id := "part" + strconv.Itoa(i)
				streams = append(streams, outStream{id: id, r: io.NewSectionReader(f, 7, n)})
				want = append(want, data[7:7+n])
			}
			w := &readFromWriter{ResponseRecorder: *httptest.NewRecorder()}
			var sent int64
			if err := writeMTOM(w, http.StatusOK, env, streams, &sent); err != nil {
				t.Fatal(err)
			}
			if w.writes != tt.writes || len(w.srcs) != tt.readFroms {
				t.Errorf("%d writes and %d ReadFrom calls, want %d and %d", w.writes, len(w.srcs), tt.writes, tt.readFroms)
			}
			resp := w.Result()
			if resp.ContentLength != int64(w.Body.Len()) {
				t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, w.Body.Len())
			}
			sr := readResponse(t, resp)
			if !bytes.Equal(sr.root, env) || len(sr.parts) != len(streams) {
				t.Fatalf("root %q and %d attachments, want %d", sr.root, len(sr.parts), len(streams))
			}
			total := int64(0)
			for i, s := range streams {
				if !bytes.Equal(sr.parts[s.id], want[i]) {
					t.Errorf("attachment %d: %d bytes, want %d", i, len(sr.parts[s.id]), len(want[i]))
				}
				total += int64(len(want[i]))
			}
			if sent != total {
				t.Errorf("counted %d bytes of content, sent %d", sent, total)
			}
		})
	}

	w := &readFromWriter{ResponseRecorder: *httptest.NewRecorder()}
	short := []outStream{{id: "short", r: io.NewSectionReader(f, int64(len(data))-10, 100)}}
	if err := writeMTOM(w, http.StatusOK, env, short, new(int64)); err == nil {
		t.Error("a small stream 90 bytes short of its size was written without error")
	}
	if w.writes != 0 || w.Header().Get("Content-Type") != "" {
		t.Errorf("%d writes and Content-Type %q before the short stream was noticed", w.writes, w.Header().Get("Content-Type"))
	}
}

// writeRandomFile writes n random bytes (from seed) to a file and returns
// them and its path.
func writeRandomFile(t *testing.T, n int, seed byte) ([]byte, string) {
	t.Helper()
	data := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(data)
	path := filepath.Join(t.TempDir(), "content.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return data, path
}

// openRandomFile is writeRandomFile's file, open until the test ends.
func openRandomFile(t *testing.T, n int, seed byte) ([]byte, *os.File) {
	t.Helper()
	data, path := writeRandomFile(t, n, seed)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return data, f
}

// fetch sends req and reads the whole answer.
func fetch(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, raw
}
