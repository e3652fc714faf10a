package services

import (
	"io"
	"os"
	"testing"

	"github.com/cmisd/cmisd/generated"
)

// getContentStream hands the server a section of the stored file, whole or
// a byte range: its Size is the length announced, its Outer the *os.File
// and offset the server sends with sendfile.
func TestContentStreamIsFileSection(t *testing.T) {
	f := newFixture(t)
	body := "0123456789abcdefghijklmnopqrstuvwxyz"
	d := f.doc(t, f.root, "d", body)
	cases := []struct {
		offset, length *int64
		off, n         int64
	}{
		{nil, nil, 0, int64(len(body))},
		{ptr(int64(5)), ptr(int64(17)), 5, 17},
		{ptr(int64(9)), nil, 9, int64(len(body)) - 9},
		{ptr(int64(100)), nil, int64(len(body)), 0},
	}
	for _, c := range cases {
		r, err := f.ports.Object.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: d, Offset: c.offset, Length: c.length})
		if err != nil {
			t.Fatal(err)
		}
		s, ok := r.ContentStream.Stream.Reader.(interface {
			Size() int64
			Outer() (io.ReaderAt, int64, int64)
			io.Closer
		})
		if !ok {
			t.Fatalf("range %v/%v: reader %T has no Size, Outer and Close", c.offset, c.length, r.ContentStream.Stream.Reader)
		}
		ra, off, n := s.Outer()
		if _, file := ra.(*os.File); !file || off != c.off || n != c.n || s.Size() != c.n {
			t.Errorf("range %v/%v: Outer %T %d %d, Size %d; want *os.File %d %d", c.offset, c.length, ra, off, n, s.Size(), c.off, c.n)
		}
		if got := read(t, r.ContentStream); got != body[c.off:c.off+c.n] {
			t.Errorf("range %v/%v: read %q", c.offset, c.length, got)
		}
		if _, err := ra.ReadAt(make([]byte, 1), 0); err == nil {
			t.Errorf("range %v/%v: the file is still open after Close", c.offset, c.length)
		}
	}
}
