// Package contenttest is the behaviour every cmis.ContentStore owes its
// callers, as one set of tests that each store's package runs on itself.
package contenttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// RandomBytes returns n bytes that do not compress, the same for a seed.
func RandomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// SHA256 is the hex SHA-256 of b.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ReadAll reads a byte range of a stream.
func ReadAll(tb testing.TB, c cmis.ContentStore, id string, offset, length int64) []byte {
	tb.Helper()
	r, err := c.Open(context.Background(), id, offset, length)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Upload is a Put under way, fed through a pipe: a test writes part of
// the stream, looks at the store while the upload is in flight, then
// writes the rest and closes.
type Upload struct {
	*io.PipeWriter
	done chan error
	st   cmis.StoredContent
}

// StartUpload starts c.Put on a stream the test writes into.
func StartUpload(c cmis.ContentStore) *Upload {
	pr, pw := io.Pipe()
	u := &Upload{PipeWriter: pw, done: make(chan error, 1)}
	go func() {
		var err error
		u.st, err = c.Put(context.Background(), pr)
		pr.CloseWithError(err) // a failed Put fails the writer too
		u.done <- err
	}()
	return u
}

// Finish closes the stream and returns what Put returned.
func (u *Upload) Finish() (cmis.StoredContent, error) {
	u.Close()
	err := <-u.done
	return u.st, err
}

// Run runs the tests on the store c. chunk is the store's own unit of
// work (its chunk or buffer size): the streams tried lie around its
// multiples.
func Run(t *testing.T, c cmis.ContentStore, chunk int) {
	t.Run("PutOpen", func(t *testing.T) { testPutOpen(t, c, chunk) })
	t.Run("Ranges", func(t *testing.T) { testRanges(t, c, chunk) })
	t.Run("SourceFails", func(t *testing.T) { testSourceFails(t, c, chunk) })
	t.Run("RemoveAndMissing", func(t *testing.T) { testRemove(t, c) })
	t.Run("Candidates", func(t *testing.T) { testCandidates(t, c) })
}

// Streams of every size around chunk boundaries, read in every shape,
// are stored byte for byte with the right length and hash.
func testPutOpen(t *testing.T, c cmis.ContentStore, chunk int) {
	ctx := context.Background()
	shapes := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"half":     iotest.HalfReader,
		"data+err": iotest.DataErrReader,
	}
	for i, size := range []int{0, 1, chunk - 1, chunk, chunk + 1, 3*chunk + 17} {
		data := RandomBytes(size, uint64(i))
		for name, shape := range shapes {
			st, err := c.Put(ctx, shape(bytes.NewReader(data)))
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", size, name, err)
			}
			got := ReadAll(t, c, st.ID, 0, -1)
			if st.Length != int64(size) || !bytes.Equal(got, data) || st.SHA256 != SHA256(data) {
				t.Fatalf("%d bytes, %s: read %d bytes back (length %d, sha256 %s), want sha256 %s",
					size, name, len(got), st.Length, st.SHA256, SHA256(data))
			}
			if err := c.Remove(ctx, st.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Any byte range reads exactly its bytes, within a chunk or across
// several; ranges past the end are clamped.
func testRanges(t *testing.T, c cmis.ContentStore, chunk int) {
	size := int64(2*chunk + 100)
	data := RandomBytes(int(size), 42)
	st, err := c.Put(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove(context.Background(), st.ID)
	ch := int64(chunk)
	for _, r := range []struct{ off, n int64 }{
		{0, -1}, {5, 7}, {ch - 3, 6}, {ch, ch}, {ch + 1, -1}, {1, 2*ch + 50}, {size - 2, -1}, {size, -1}, {size + 9, 4},
	} {
		from := min(r.off, size)
		to := size
		if r.n >= 0 {
			to = min(from+r.n, size)
		}
		if got := ReadAll(t, c, st.ID, r.off, r.n); !bytes.Equal(got, data[from:to]) {
			t.Errorf("range %d+%d: read %d bytes, want %d (or other bytes)", r.off, r.n, len(got), to-from)
		}
	}
}

// A stream that fails part way fails Put with its error, wrapped; a
// stream that stops short with io.ErrUnexpectedEOF is a failure too, not
// an end. Nothing of them can be read or is left for good.
func testSourceFails(t *testing.T, c cmis.ContentStore, chunk int) {
	boom := errors.New("connection reset")
	for _, cause := range []error{boom, io.ErrUnexpectedEOF} {
		for _, at := range []int{0, 100, 2*chunk + 3} {
			r := io.MultiReader(bytes.NewReader(RandomBytes(at, 3)), iotest.ErrReader(cause))
			if st, err := c.Put(context.Background(), r); !errors.Is(err, cause) {
				t.Fatalf("failure %v after %d bytes: stored %+v, error %v", cause, at, st, err)
			}
		}
	}
	var left []string
	c.Candidates(context.Background(), time.Now().Add(time.Hour), func(id string) error {
		left = append(left, id)
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("failed uploads left %v", left)
	}
}

// Remove takes ids that are gone without complaint; a missing stream
// cannot be opened.
func testRemove(t *testing.T, c cmis.ContentStore) {
	ctx := context.Background()
	st, err := c.Put(ctx, bytes.NewReader([]byte("short lived")))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, st.ID); err != nil {
		t.Fatalf("removing a removed stream: %v", err)
	}
	if r, err := c.Open(ctx, st.ID, 0, -1); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			r.Close()
		}
		t.Fatalf("opening a removed stream: %v, want fs.ErrNotExist", err)
	}
}

// A stream is a candidate once older than the time given, not before.
func testCandidates(t *testing.T, c cmis.ContentStore) {
	ctx := context.Background()
	st, err := c.Put(ctx, bytes.NewReader([]byte("candidate")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove(ctx, st.ID)
	list := func(before time.Time) []string {
		var ids []string
		if err := c.Candidates(ctx, before, func(id string) error { ids = append(ids, id); return nil }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if ids := list(time.Now().Add(-time.Minute)); slices.Contains(ids, st.ID) {
		t.Errorf("a stream a second old is a candidate for streams over a minute old")
	}
	if ids := list(time.Now().Add(time.Minute)); !slices.Contains(ids, st.ID) {
		t.Errorf("candidates %v lack %s", ids, st.ID)
	}
}
