package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// deadlineRecorder is a response writer that counts the write deadlines
// set on it and takes ReadFrom as net/http's does.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

func (d *deadlineRecorder) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(d.ResponseRecorder, r)
}

// Each chunk of a download gets the whole stall timeout: the deadline
// moves before every chunk however quickly the previous one went (a slow
// client once got three quarters of it for the chunk after a quick one).
func TestEveryChunkGetsTheStallTimeout(t *testing.T) {
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	w := &respWriter{w: rec, rc: http.NewResponseController(rec), stall: time.Hour}
	const chunks = 4
	body := bytes.Repeat([]byte{'x'}, chunks*readFromChunk)
	n, err := w.ReadFrom(&io.LimitedReader{R: bytes.NewReader(body), N: int64(len(body))})
	if err != nil || n != int64(len(body)) {
		t.Fatalf("ReadFrom: %d bytes, %v", n, err)
	}
	// One for the header, one per chunk.
	if got := len(rec.deadlines); got != chunks+1 {
		t.Fatalf("%d write deadlines set for %d chunks, want %d", got, chunks, chunks+1)
	}
	if rec.Body.Len() != len(body) {
		t.Fatalf("%d bytes written, want %d", rec.Body.Len(), len(body))
	}
}
