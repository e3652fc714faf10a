package server

// The connection wrappers: the request body and the response writer count
// bytes and move the connection's deadlines forward while data flows (the
// stall timeouts), and hand files to net/http's sendfile.

import (
	"io"
	"math"
	"net/http"
	"time"
)

// bodyReader counts and (when recording) copies the request body, and
// keeps the read deadline ahead of a body that is still moving.
type bodyReader struct {
	r      io.ReadCloser
	n      int64
	tee    io.Writer
	rc     *http.ResponseController
	stall  time.Duration
	last   time.Time
	teeErr bool
	done   bool
}

func (b *bodyReader) extend(force bool) {
	now := time.Now()
	if force || now.Sub(b.last) > b.stall/4 {
		b.last = now
		_ = b.rc.SetReadDeadline(now.Add(b.stall))
	}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	b.extend(false)
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		// The whole body is in. net/http now watches the connection for
		// the client going away (and cleared the deadline for that): a
		// deadline set from here on would cancel the request's context
		// while a slow operation is still running.
		b.done = true
	}
	if n > 0 && b.tee != nil && !b.teeErr {
		if _, werr := b.tee.Write(p[:n]); werr != nil {
			b.teeErr = true
		}
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.r.Close() }

// respWriter counts and (when recording) copies the response, and keeps
// the write deadline ahead of a response that is still moving.
type respWriter struct {
	w           http.ResponseWriter
	rc          *http.ResponseController
	stall       time.Duration
	last        time.Time
	status      int
	n           int64
	wroteHeader bool
	rec         *recording
	x           *exchange // the request's (exchangeFrom)
	conn        *heldConn // the connection, if it can hold an answer (held.go)
}

func (w *respWriter) Header() http.Header { return w.w.Header() }

func (w *respWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	w.status = code
	if w.rec != nil {
		w.rec.responseHead(code, w.w.Header())
	}
	w.extend(false)
	w.w.WriteHeader(code)
}

// extend moves the write deadline a stall timeout ahead: at most every
// quarter of it for Write (small pieces), always when forced (before each
// of ReadFrom's chunks, which get the whole timeout).
func (w *respWriter) extend(force bool) {
	now := time.Now()
	if force || now.Sub(w.last) > w.stall/4 {
		w.last = now
		_ = w.rc.SetWriteDeadline(now.Add(w.stall))
	}
}

func (w *respWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.extend(false)
	n, err := w.w.Write(p)
	w.n += int64(n)
	if n > 0 && w.rec != nil {
		w.rec.responseBody(p[:n])
	}
	return n, err
}

// readFromChunk is how much ReadFrom hands the connection at a time. The
// write deadline moves ahead between chunks only, so a client must take
// a chunk within the write stall timeout (256 KiB in 2 minutes by default).
const readFromChunk = 256 << 10

// ReadFrom lets io.Copy reach net/http's ReadFrom, which sends an *os.File,
// or an *io.LimitedReader of one, with sendfile when the response is not
// chunked. Written in chunks so the write deadline keeps moving.
func (w *respWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	rf, ok := w.w.(io.ReaderFrom)
	if !ok || w.rec != nil {
		// The recording sees the bytes that go through Write.
		return io.Copy(struct{ io.Writer }{w}, src)
	}
	// Chunks keep the *io.LimitedReader{R: *os.File} shape sendfile needs.
	r, left := src, int64(math.MaxInt64)
	lr, limited := src.(*io.LimitedReader)
	if limited {
		r, left = lr.R, lr.N
	}
	var n int64
	for left > 0 {
		want := min(left, readFromChunk)
		w.extend(true)
		m, err := rf.ReadFrom(&io.LimitedReader{R: r, N: want})
		n += m
		w.n += m
		left -= m
		if limited {
			lr.N = left
		}
		if err != nil || m < want {
			return n, err // m < want: src is at EOF
		}
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *respWriter) Unwrap() http.ResponseWriter { return w.w }

// Flush sends buffered data.
func (w *respWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_ = w.rc.Flush()
}
