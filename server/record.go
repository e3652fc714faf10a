package server

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
)

// Recording: with RecordDir set, every exchange is written as
// NNNN-<operation>.request.http (request line, headers, body as received)
// and NNNN-<operation>.response.http (status line, headers, body), the
// format of the conformance recordings. Bodies are teed to disk while they
// stream; nothing is buffered in memory.
//
// The header block is rebuilt from net/http's parsed request: header order
// and spelling are canonical, not as sent. A chunked request body is
// written de-chunked with the Content-Length it turned out to have, so
// that http.ReadRequest reads the file back.

var recordNameRE = regexp.MustCompile(`^(\d+)-`)

type recorder struct {
	dir string
	seq atomic.Int64
}

func newRecorder(dir string) (*recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("server: record directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("server: record directory: %w", err)
	}
	rec := &recorder{dir: dir}
	var max int64
	for _, e := range entries {
		if m := recordNameRE.FindStringSubmatch(e.Name()); m != nil {
			if n, err := strconv.ParseInt(m[1], 10, 64); err == nil && n > max {
				max = n
			}
		}
	}
	rec.seq.Store(max)
	return rec, nil
}

type recording struct {
	rec *recorder
	n   int64

	mu      sync.Mutex
	req     *os.File      // request file (head, then body unless chunked)
	reqBuf  *bufio.Writer // over req
	body    *os.File      // body of a chunked request, joined at finish
	bodyBuf *bufio.Writer
	head    []byte // head of a chunked request, written at finish
	bodyN   int64
	resp    *os.File
	respBuf *bufio.Writer
	err     error
}

func (rc *recorder) start(r *http.Request) *recording {
	g := &recording{rec: rc, n: rc.seq.Add(1)}
	g.req, g.err = os.CreateTemp(rc.dir, ".rec-*.tmp")
	if g.err != nil {
		return g
	}
	g.reqBuf = bufio.NewWriterSize(g.req, 32<<10)
	g.resp, g.err = os.CreateTemp(rc.dir, ".rec-*.tmp")
	if g.err != nil {
		return g
	}
	g.respBuf = bufio.NewWriterSize(g.resp, 32<<10)

	head := requestHead(r)
	if r.ContentLength < 0 {
		// Length unknown until the end: spool the body separately.
		g.head = head
		g.body, g.err = os.CreateTemp(rc.dir, ".rec-*.tmp")
		if g.err == nil {
			g.bodyBuf = bufio.NewWriterSize(g.body, 32<<10)
		}
		return g
	}
	g.reqBuf.Write(head)
	if r.ContentLength > 0 || r.Header.Get("Content-Length") != "" {
		fmt.Fprintf(g.reqBuf, "Content-Length: %d\r\n", r.ContentLength)
	}
	g.reqBuf.WriteString("\r\n")
	return g
}

// requestHead is the request line and headers, without Content-Length and
// Transfer-Encoding and without the empty line.
func requestHead(r *http.Request) []byte {
	var b []byte
	b = fmt.Appendf(b, "%s %s %s\r\n", r.Method, r.RequestURI, r.Proto)
	b = fmt.Appendf(b, "Host: %s\r\n", r.Host)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			b = fmt.Appendf(b, "%s: %s\r\n", k, v)
		}
	}
	return b
}

type recWriter func([]byte)

func (f recWriter) Write(p []byte) (int, error) { f(p); return len(p), nil }

// requestBody is where the request body is copied to.
func (g *recording) requestBody() io.Writer {
	return recWriter(func(p []byte) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.err != nil {
			return
		}
		if g.bodyBuf != nil {
			_, g.err = g.bodyBuf.Write(p)
			g.bodyN += int64(len(p))
			return
		}
		_, g.err = g.reqBuf.Write(p)
	})
}

func (g *recording) responseHead(status int, h http.Header) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return
	}
	fmt.Fprintf(g.respBuf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(g.respBuf, "%s: %s\r\n", k, v)
		}
	}
	g.respBuf.WriteString("\r\n")
}

func (g *recording) responseBody(p []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		_, g.err = g.respBuf.Write(p)
	}
}

var unsafeNameRE = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// finish completes the files and gives them their final names.
func (g *recording) finish(op string, log *zap.Logger) {
	g.mu.Lock()
	defer g.mu.Unlock()
	defer func() {
		for _, f := range []*os.File{g.req, g.body, g.resp} {
			if f != nil {
				f.Close()
				os.Remove(f.Name()) // no-op once renamed
			}
		}
	}()
	if g.err != nil {
		log.Warn("recording failed", zap.Int64("exchange", g.n), zap.Error(g.err))
		return
	}
	if g.body != nil {
		// Chunked request: head with the real length, then the body.
		g.reqBuf.Write(g.head)
		fmt.Fprintf(g.reqBuf, "Content-Length: %d\r\n\r\n", g.bodyN)
		if g.err = g.bodyBuf.Flush(); g.err == nil {
			if _, g.err = g.body.Seek(0, io.SeekStart); g.err == nil {
				_, g.err = io.Copy(g.reqBuf, g.body)
			}
		}
	}
	for _, w := range []*bufio.Writer{g.reqBuf, g.respBuf} {
		if err := w.Flush(); err != nil && g.err == nil {
			g.err = err
		}
	}
	if g.err != nil {
		log.Warn("recording failed", zap.Int64("exchange", g.n), zap.Error(g.err))
		return
	}
	name := unsafeNameRE.ReplaceAllString(op, "_")
	if name == "" {
		name = "unknown"
	}
	base := filepath.Join(g.rec.dir, fmt.Sprintf("%04d-%s", g.n, name))
	if err := os.Rename(g.req.Name(), base+".request.http"); err != nil {
		log.Warn("recording failed", zap.Int64("exchange", g.n), zap.Error(err))
		return
	}
	if err := os.Rename(g.resp.Name(), base+".response.http"); err != nil {
		log.Warn("recording failed", zap.Int64("exchange", g.n), zap.Error(err))
	}
}
