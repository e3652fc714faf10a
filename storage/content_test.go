package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/cmisd/cmisd/internal/testenv"
)

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Streams of every size around the pipeline's chunk boundaries, read in
// every shape, are stored byte for byte with the right length and hash.
func TestContentPut(t *testing.T) {
	c, err := openContentStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17, chunksInFlight*chunkSize + 5, writebackEvery + chunkSize/2}
	shapes := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"half":     iotest.HalfReader,
		"data+err": iotest.DataErrReader,
	}
	for i, size := range sizes {
		data := randomBytes(size, uint64(i))
		for name, shape := range shapes {
			st, err := c.put(shape(bytes.NewReader(data)), "")
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", size, name, err)
			}
			got, err := os.ReadFile(c.path(st.id))
			if err != nil {
				t.Fatal(err)
			}
			if st.length != int64(size) || !bytes.Equal(got, data) || st.sha256 != sum(data) {
				t.Fatalf("%d bytes, %s: stored %d bytes (length %d, sha256 %s), want sha256 %s",
					size, name, len(got), st.length, st.sha256, sum(data))
			}
			c.remove(st.id)
		}
	}
}

// Appending copies the old stream first, whatever the sizes of both.
func TestContentPutAfterPrefix(t *testing.T) {
	c, err := openContentStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, sizes := range [][2]int{{10, 20}, {10, 3 * chunkSize}, {3 * chunkSize, 10}, {2*chunkSize + 1, 2*chunkSize + 3}} {
		a, b := randomBytes(sizes[0], 1), randomBytes(sizes[1], 2)
		first, err := c.put(bytes.NewReader(a), "")
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.put(bytes.NewReader(b), first.id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(c.path(st.id))
		want := append(a, b...)
		if !bytes.Equal(got, want) || st.length != int64(len(want)) || st.sha256 != sum(want) {
			t.Fatalf("%v: stored %d bytes, length %d", sizes, len(got), st.length)
		}
	}
}

// A stream that fails part way, in the first chunk or deep in the
// pipeline, is a source error and leaves no file behind.
func TestContentPutSourceFails(t *testing.T) {
	dir := t.TempDir()
	c, err := openContentStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("connection reset")
	for _, at := range []int{0, 100, 5*chunkSize + 3} {
		r := io.MultiReader(bytes.NewReader(randomBytes(at, 3)), iotest.ErrReader(boom))
		_, err := c.put(r, "")
		var se *sourceError
		if !errors.As(err, &se) || !errors.Is(err, boom) {
			t.Fatalf("failure after %d bytes: %v, want a sourceError wrapping %v", at, err, boom)
		}
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != 0 {
		t.Fatalf("failed uploads left %d files", n)
	}
}

// A write that fails (the file is read-only here) is the store's error,
// not the stream's, and the reader is not drained to its end.
func TestSinkWriteFails(t *testing.T) {
	f, err := os.Open(filepath.Join(t.TempDir(), "."))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := &countingReader{r: io.LimitReader(zeroReader{}, 64*chunkSize)}
	sk := newSink(f)
	rerr := sk.readFrom(src)
	_, werr := sk.finish()
	if rerr != nil || werr == nil {
		t.Fatalf("read error %v, write error %v; want only a write error", rerr, werr)
	}
	if src.n > (chunksInFlight+2)*chunkSize {
		t.Fatalf("read %d bytes after the write failed", src.n)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// Aligned chunks go out with direct I/O; the unaligned tail turns it off
// and goes through the page cache. Either way the file is exact.
func TestSinkDirectIO(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "sink-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	testenv.Require(t, testenv.DirectIO, setDirectIO(f, true) && setDirectIO(f, false), "O_DIRECT refused for "+f.Name())
	data := randomBytes(3*chunkSize+directAlign/2, 6)
	sk := newSink(f)
	var states []int
	sk.onWrite = func() { states = append(states, sk.direct) }
	rerr := sk.readFrom(bytes.NewReader(data))
	got, werr := sk.finish()
	if rerr != nil || werr != nil {
		t.Fatal(rerr, werr)
	}
	if want := []int{1, 1, 1, -1}; fmt.Sprint(states) != fmt.Sprint(want) {
		t.Errorf("direct I/O after each write %v, want %v", states, want)
	}
	stored, _ := os.ReadFile(f.Name())
	if !bytes.Equal(stored, data) || hex.EncodeToString(got) != sum(data) {
		t.Fatalf("stored %d bytes, want %d; hash %x", len(stored), len(data), got)
	}
}

// The pipeline's own cost, without the network: compare with the raw
// speed of the disk (dd) and of SHA-256 on this machine.
func BenchmarkContentPut(b *testing.B) {
	c, err := openContentStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := randomBytes(256<<20, 5)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		st, err := c.put(onlyRead{bytes.NewReader(data)}, "")
		if err != nil {
			b.Fatal(err)
		}
		c.remove(st.id)
	}
}

type onlyRead struct{ io.Reader }
