package services

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/generated"
)

// getContentStream hands the server a section of the stored stream,
// whole or a byte range: its Size is the length announced. From a file
// larger than the content store keeps in memory (64 KiB) its Outer is the
// *os.File and offset the server sends with sendfile, closed with it; a
// small file read whole comes from memory.
func TestContentStreamIsFileSection(t *testing.T) {
	f := newFixture(t)
	small := "0123456789abcdefghijklmnopqrstuvwxyz"
	large := strings.Repeat(small, 3000)
	docs := map[string]string{small: f.doc(t, f.root, "small", small), large: f.doc(t, f.root, "large", large)}
	cases := []struct {
		body           string
		offset, length *int64
		off, n         int64
		file           bool
	}{
		{large, nil, nil, 0, int64(len(large)), true},
		{large, ptr(int64(5)), ptr(int64(17)), 5, 17, true},
		{large, ptr(int64(9)), nil, 9, int64(len(large)) - 9, true},
		{large, ptr(int64(200000)), nil, int64(len(large)), 0, true},
		{small, nil, nil, 0, int64(len(small)), false},
		{small, ptr(int64(5)), ptr(int64(17)), 5, 17, false},
		{small, ptr(int64(100)), nil, int64(len(small)), 0, false},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%d bytes, range %v/%v", len(c.body), deref(c.offset), deref(c.length))
		r, err := f.ports.Object.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: docs[c.body], Offset: c.offset, Length: c.length})
		if err != nil {
			t.Fatal(err)
		}
		s, ok := r.ContentStream.Stream.Reader.(interface {
			Size() int64
			Outer() (io.ReaderAt, int64, int64)
			io.Closer
		})
		if !ok {
			t.Fatalf("%s: reader %T has no Size, Outer and Close", name, r.ContentStream.Stream.Reader)
		}
		ra, off, n := s.Outer()
		if _, file := ra.(*os.File); file != c.file || off != c.off || n != c.n || s.Size() != c.n {
			t.Errorf("%s: Outer %T %d %d, Size %d; want a file %v, %d %d", name, ra, off, n, s.Size(), c.file, c.off, c.n)
		}
		if got := read(t, r.ContentStream); got != c.body[c.off:c.off+c.n] {
			t.Errorf("%s: read %d bytes, not the stored ones", name, len(got))
		}
		if _, err := ra.ReadAt(make([]byte, 1), 0); c.file && err == nil {
			t.Errorf("%s: the file is still open after Close", name)
		}
	}
}
