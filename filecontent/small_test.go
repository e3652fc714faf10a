package filecontent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"testing"

	"github.com/cmisd/cmisd/internal/contenttest"
)

// A small file read whole is served from memory afterwards (its file
// gone behind the store's back does not matter), in any range, until
// Remove; a larger file, or one read in part, is read from its file each
// time.
func TestSmallFilesKept(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(n int) ([]byte, string) {
		data := contenttest.RandomBytes(n, uint64(n))
		st, err := c.Put(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return data, st.ID
	}
	unlink := func(id string) {
		p, err := c.path(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(id string) bool {
		_, err := c.Open(ctx, id, 0, 1)
		return errors.Is(err, fs.ErrNotExist)
	}

	small, id := put(1000)
	if got := contenttest.ReadAll(t, c, id, 0, int64(len(small))); !bytes.Equal(got, small) {
		t.Fatalf("read %d bytes, want the %d stored", len(got), len(small))
	}
	unlink(id)
	ranges := []struct{ offset, length int64 }{{0, -1}, {0, 1000}, {10, 20}, {990, 50}, {1000, 5}, {2000, -1}}
	for _, r := range ranges {
		want, size := small[min(r.offset, 1000):], r.length
		if r.length >= 0 {
			want = want[:min(r.length, int64(len(want)))]
		} else {
			size = int64(len(want))
		}
		rc, err := c.Open(ctx, id, r.offset, r.length)
		if err != nil {
			t.Fatalf("range %v of a kept file: %v", r, err)
		}
		got, _ := io.ReadAll(rc)
		// Size is the length asked for, as a file's section says.
		gotSize := rc.(interface{ Size() int64 }).Size()
		if !bytes.Equal(got, want) || gotSize != size {
			t.Errorf("range %v: %d bytes (size %d), want %d (size %d)", r, len(got), gotSize, len(want), size)
		}
		rc.Close()
	}
	if err := c.Remove(ctx, id); err != nil || !gone(id) {
		t.Fatalf("after Remove: %v; the kept bytes still served", err)
	}

	_, part := put(1000)
	contenttest.ReadAll(t, c, part, 0, 999) // not to its end: not known whole
	unlink(part)
	if !gone(part) {
		t.Error("a file read in part was kept")
	}
	big, bigID := put(smallMax + 1)
	contenttest.ReadAll(t, c, bigID, 0, int64(len(big)))
	unlink(bigID)
	if !gone(bigID) {
		t.Error("a file larger than smallMax was kept")
	}
}

// What is kept never passes smallBudget: the oldest goes first.
func TestSmallFilesBudget(t *testing.T) {
	var c smallFiles
	chunk := make([]byte, smallMax)
	name := func(i int) string { return fmt.Sprint("f", i) }
	n := 2 * smallBudget / smallMax
	for i := range n {
		c.add(name(i), chunk)
		if i%3 == 0 { // removed meanwhile
			c.remove(name(i))
		}
	}
	if c.size > smallBudget || c.size != len(c.bytes)*smallMax {
		t.Fatalf("%d bytes kept in %d files, budget %d", c.size, len(c.bytes), smallBudget)
	}
	if _, ok := c.get(name(1)); ok {
		t.Error("the oldest file is still kept")
	}
	last := n - 1
	for last%3 == 0 {
		last--
	}
	if _, ok := c.get(name(last)); !ok {
		t.Error("the newest file was dropped")
	}
	if len(c.order) > 2*len(c.bytes)+65 {
		t.Errorf("%d ids in order for %d files", len(c.order), len(c.bytes))
	}
}
