package filecontent

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cmisd/cmisd/internal/contenttest"
	"github.com/cmisd/cmisd/internal/testenv"
)

// Streams of every size around the pipeline's chunk boundaries, read in
// every shape, are stored byte for byte with the right length and hash.
func TestContentPut(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sizes := []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17, chunksInFlight*chunkSize + 5, writebackEvery + chunkSize/2}
	shapes := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"half":     iotest.HalfReader,
		"data+err": iotest.DataErrReader,
	}
	for i, size := range sizes {
		data := contenttest.RandomBytes(size, uint64(i))
		for name, shape := range shapes {
			st, err := c.Put(ctx, shape(bytes.NewReader(data)))
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", size, name, err)
			}
			got := contenttest.ReadAll(t, c, st.ID, 0, -1)
			if st.Length != int64(size) || !bytes.Equal(got, data) || st.SHA256 != contenttest.SHA256(data) {
				t.Fatalf("%d bytes, %s: stored %d bytes (length %d, sha256 %s), want sha256 %s",
					size, name, len(got), st.Length, st.SHA256, contenttest.SHA256(data))
			}
			if err := c.Remove(ctx, st.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// What every content store owes its callers.
func TestContentStore(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	contenttest.Run(t, c, chunkSize)
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
	data := contenttest.RandomBytes(3*chunkSize+directAlign/2, 6)
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
	if !bytes.Equal(stored, data) || hex.EncodeToString(got) != contenttest.SHA256(data) {
		t.Fatalf("stored %d bytes, want %d; hash %x", len(stored), len(data), got)
	}
}

// The pipeline's own cost, without the network: compare with the raw
// speed of the disk (dd) and of SHA-256 on this machine.
func BenchmarkContentPut(b *testing.B) {
	c, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	data := contenttest.RandomBytes(256<<20, 5)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		st, err := c.Put(ctx, onlyRead{bytes.NewReader(data)})
		if err != nil {
			b.Fatal(err)
		}
		c.Remove(ctx, st.ID)
	}
}

type onlyRead struct{ io.Reader }

// Open reads any byte range of a stream as a section of its file, which
// is what lets the server send it with sendfile.
func TestOpenRange(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("0123456789abcdefghij")
	st, err := c.Put(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ off, n, wantN int64 }{{0, -1, 20}, {5, 7, 7}, {18, -1, 2}, {20, -1, 0}, {25, -1, 0}} {
		if got := contenttest.ReadAll(t, c, st.ID, r.off, r.n); int64(len(got)) != r.wantN || string(got) != string(data[min(r.off, 20):min(r.off, 20)+r.wantN]) {
			t.Errorf("range %d+%d: read %q", r.off, r.n, got)
		}
	}
	rc, err := c.Open(context.Background(), st.ID, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if sec, ok := rc.(interface {
		Outer() (io.ReaderAt, int64, int64)
	}); !ok {
		t.Errorf("Open returned %T, not a section of the file", rc)
	} else if ra, off, n := sec.Outer(); off != 3 || n != 4 {
		t.Errorf("section %T %d+%d, want 3+4", ra, off, n)
	} else if _, file := ra.(*os.File); !file {
		t.Errorf("section of %T, not of the file", ra)
	}
}

// Candidates lists the streams and the unfinished uploads older than the
// given time, by ids that Remove takes; files the store did not make, and
// ids that would leave its directory, are none of its business.
func TestCandidatesAndRemove(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old, err := c.Put(ctx, bytes.NewReader([]byte("old")))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.path(old.ID)
	past := time.Now().Add(-time.Hour)
	os.Chtimes(p, past, past)
	half := filepath.Join(dir, "tmp", tmpPrefix+"123")
	os.WriteFile(half, []byte("half"), 0o600)
	os.Chtimes(half, past, past)
	stray := filepath.Join(dir, "README")
	os.WriteFile(stray, []byte("not content"), 0o600)
	os.Chtimes(stray, past, past)
	young, err := c.Put(ctx, bytes.NewReader([]byte("young")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = c.Candidates(ctx, time.Now().Add(-time.Minute), func(id string) error {
		got = append(got, id)
		return c.Remove(ctx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{old.ID, tmpPrefix + "123"}; !slices.Equal(got, want) {
		t.Fatalf("candidates %v, want %v", got, want)
	}
	for _, f := range []string{p, half} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s survived Remove: %v", f, err)
		}
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("a file the store did not make went: %v", err)
	}
	if got := contenttest.ReadAll(t, c, young.ID, 0, -1); string(got) != "young" {
		t.Errorf("young stream: %q", got)
	}
	for _, bad := range []string{"", "ab", "../cmisd.db", "ab/cd", ".."} {
		if err := c.Remove(ctx, bad); err == nil {
			t.Errorf("Remove(%q) accepted", bad)
		}
		if _, err := c.Open(ctx, bad, 0, -1); err == nil {
			t.Errorf("Open(%q) accepted", bad)
		}
	}
}

// An upload in flight is no candidate, however long its file has been
// left untouched (a slow client), for any store sharing the directory:
// another process's sweep must not take it away. The lock it holds is
// per open file, so a second Store in this process sees it as another
// process would.
func TestCandidatesSkipUploadInFlight(t *testing.T) {
	dir := t.TempDir()
	uploader, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sweeper, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := contenttest.RandomBytes(chunkSize+100, 9)
	up := contenttest.StartUpload(uploader)
	up.Write(data[:chunkSize/2])
	tmps, _ := filepath.Glob(filepath.Join(dir, "tmp", tmpPrefix+"*"))
	if len(tmps) != 1 {
		t.Fatalf("upload files %v, want one", tmps)
	}
	past := time.Now().Add(-time.Hour)
	os.Chtimes(tmps[0], past, past)
	dead := filepath.Join(dir, "tmp", tmpPrefix+"dead")
	os.WriteFile(dead, []byte("left by a crash"), 0o600)
	os.Chtimes(dead, past, past)
	var got []string
	err = sweeper.Candidates(ctx, time.Now().Add(-time.Minute), func(id string) error {
		got = append(got, id)
		return sweeper.Remove(ctx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{tmpPrefix + "dead"}; !slices.Equal(got, want) {
		t.Fatalf("candidates %v, want only the dead upload %v", got, want)
	}
	up.Write(data[chunkSize/2:])
	st, err := up.Finish()
	if err != nil {
		t.Fatalf("the upload the sweep ran beside failed: %v", err)
	}
	if b := contenttest.ReadAll(t, uploader, st.ID, 0, -1); !bytes.Equal(b, data) {
		t.Fatalf("stored %d bytes, want %d", len(b), len(data))
	}
}

// CheckWritable writes where uploads begin and leaves nothing; where no
// upload could begin, it fails.
func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckWritable(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
	// (Root writes into read-only directories: a file in place of the
	// directory stops everyone.)
	if err := os.RemoveAll(filepath.Join(dir, "tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckWritable(); err == nil {
		t.Fatal("writable without its upload directory")
	}
}

// CopyFrom copies a stream under its id and reports what it copied; Sum
// reads one whole. A stream that is not there wraps fs.ErrNotExist.
func TestCopyFromAndSum(t *testing.T) {
	ctx := context.Background()
	src, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dst, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := contenttest.RandomBytes(300<<10+7, 3)
	st, err := src.Put(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := dst.CopyFrom(ctx, src, st.ID)
	if err != nil || cp != st {
		t.Fatalf("copied %+v (%v), stored %+v", cp, err, st)
	}
	if got, err := dst.Sum(ctx, st.ID); err != nil || got != st || got.SHA256 != contenttest.SHA256(data) {
		t.Fatalf("sum of the copy %+v (%v), want %+v", got, err, st)
	}
	if _, err := dst.Sum(ctx, "0123456789abcdef"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("sum of a missing stream: %v", err)
	}
	if _, err := dst.CopyFrom(ctx, src, "0123456789abcdef"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("copy of a missing stream: %v", err)
	}
	if _, err := dst.Sum(ctx, "../x"); err == nil {
		t.Fatal("a path outside the store was read")
	}
}
