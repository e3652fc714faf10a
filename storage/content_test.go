package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// memContent is a cmis.ContentStore in memory, for tests that show the
// store depends on the interface only.
type memContent struct {
	mu      sync.Mutex
	streams map[string][]byte
	stored  map[string]time.Time
	n       int
}

func newMemContent() *memContent {
	return &memContent{streams: map[string][]byte{}, stored: map[string]time.Time{}}
}

func (m *memContent) Put(ctx context.Context, r io.Reader) (cmis.StoredContent, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return cmis.StoredContent{}, fmt.Errorf("reading the content stream: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	id := fmt.Sprintf("mem%06d", m.n)
	m.streams[id], m.stored[id] = b, time.Now()
	sum := sha256.Sum256(b)
	return cmis.StoredContent{ID: id, Length: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}, nil
}

func (m *memContent) Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.streams[id]
	if !ok {
		return nil, fmt.Errorf("no stream %s", id)
	}
	b = b[min(offset, int64(len(b))):]
	if length >= 0 && length < int64(len(b)) {
		b = b[:length]
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memContent) Remove(ctx context.Context, ids ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		delete(m.streams, id)
		delete(m.stored, id)
	}
	return nil
}

func (m *memContent) Candidates(ctx context.Context, before time.Time, fn func(id string) error) error {
	m.mu.Lock()
	var ids []string
	for id, at := range m.stored {
		if !at.After(before) {
			ids = append(ids, id)
		}
	}
	m.mu.Unlock()
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// Appending stores the old bytes then the new ones, whatever their sizes
// (a few bytes, several of the file store's 4 MiB chunks).
func TestAppendContent(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	for i, sizes := range [][2]int{{10, 20}, {10, 9<<20 + 3}, {9<<20 + 1, 10}} {
		a, b := bytes.Repeat([]byte{'a'}, sizes[0]), bytes.Repeat([]byte{'b'}, sizes[1])
		d := mustCreate(t, db, document(repo, fmt.Sprint("d", i)), repo.RootFolderID, &cmis.ContentStream{Reader: bytes.NewReader(a)})
		d, err := db.SetContent(ctx, repo.ID, d.ID, nil, &cmis.ContentStream{Reader: bytes.NewReader(b)}, false, true, "bob")
		if err != nil {
			t.Fatal(err)
		}
		want := append(a, b...)
		sum := sha256.Sum256(want)
		if d.Content.Length != int64(len(want)) || d.Content.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%v: length %d, sha256 %s; want %d, %x", sizes, d.Content.Length, d.Content.SHA256, len(want), sum)
		}
		if got := contentOf(t, db, repo, d.ID); got != string(want) {
			t.Errorf("%v: %d bytes read back, not the %d appended", sizes, len(got), len(want))
		}
	}
}

// An upload that breaks is the caller's error, kept as it came (not a
// storage error), and leaves no stream behind; a store that cannot write
// is a storage error.
func TestStageErrors(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	boom := errors.New("connection reset")
	broken := &cmis.ContentStream{Reader: io.MultiReader(strings.NewReader("half"), iotest.ErrReader(boom))}
	_, err := db.CreateObject(ctx, document(repo, "d"), repo.RootFolderID, broken, nil, nil)
	if !errors.Is(err, boom) || cmis.ErrorTypeOf(err) == cmis.ErrStorage {
		t.Errorf("broken upload: %v, want the stream's own error", err)
	}
	if n := contentFiles(t, db); n != 0 {
		t.Errorf("a broken upload left %d streams", n)
	}
	full, frepo := openIn(t, t.TempDir(), failingContent{newMemContent()})
	_, err = full.CreateObject(ctx, document(frepo, "d"), frepo.RootFolderID, stream("x"), nil, nil)
	if cmis.ErrorTypeOf(err) != cmis.ErrStorage {
		t.Errorf("store failing: %v, want a storage error", err)
	}
}

// failingContent is a content store whose disk is full.
type failingContent struct{ *memContent }

func (failingContent) Put(ctx context.Context, r io.Reader) (cmis.StoredContent, error) {
	io.Copy(io.Discard, r)
	return cmis.StoredContent{}, errors.New("no space left on device")
}
