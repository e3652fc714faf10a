package storage

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// contentStore keeps content streams as files named by content id under
// dir/<first two hex digits>/<id>.
//
// Crash safety: a stream is written to dir/tmp, fsynced, renamed to its
// final name and its directory fsynced, all before the transaction that
// references it begins. A crash before that transaction commits leaves a
// file no row references; a crash after a commit that replaced content
// leaves the old file unreferenced. Both are removed by sweep at start-up,
// so no content is lost and none is orphaned for good.
type contentStore struct {
	dir string
}

func openContentStore(dir string) (*contentStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("content store: %w", err)
	}
	return &contentStore{dir: dir}, nil
}

func (c *contentStore) path(id string) string {
	return filepath.Join(c.dir, id[:2], id)
}

// staged is a stream written durably under its final name, not yet
// referenced by any row.
type staged struct {
	id     string
	length int64
	sha256 string
}

// put streams r into a new content file. prefix, if set, is an existing
// content id whose bytes come first (appendContentStream).
func (c *contentStore) put(r io.Reader, prefix string) (_ *staged, err error) {
	tmp, err := os.CreateTemp(filepath.Join(c.dir, "tmp"), "upload-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	sk := newSink(tmp)
	if prefix != "" {
		old, err := os.Open(c.path(prefix))
		if err != nil {
			return nil, fmt.Errorf("content %s: %w", prefix, err)
		}
		err = sk.readFrom(old)
		old.Close()
		if err != nil {
			sk.finish()
			return nil, fmt.Errorf("content %s: %w", prefix, err)
		}
	}
	rerr := sk.readFrom(r)
	sum, werr := sk.finish()
	switch {
	case werr != nil:
		return nil, werr
	case rerr != nil:
		return nil, &sourceError{rerr}
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	s := &staged{id: newID(), length: sk.n, sha256: hex.EncodeToString(sum)}
	final := c.path(s.id)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return nil, err
	}
	return s, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (c *contentStore) open(id string) (*os.File, error) {
	return os.Open(c.path(id))
}

// remove deletes content files; a missing file is not an error.
func (c *contentStore) remove(ids ...string) {
	for _, id := range ids {
		if id != "" {
			if err := os.Remove(c.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				continue // the start-up sweep will find it
			}
		}
	}
}

// sweepBatch is how many content ids one lookup checks.
const sweepBatch = 500

// sweep removes temporary files and content files that no row
// references and that are older than grace (younger ones may belong to a
// transaction in flight in another process sharing the store).
// referenced answers for a batch of ids at a time: a store of a million
// files costs two thousand lookups, not a million.
func (c *contentStore) sweep(referenced func(ids []string) (map[string]bool, error), grace time.Duration, now time.Time) (removed int, err error) {
	tmp := filepath.Join(c.dir, "tmp") + string(filepath.Separator)
	var batch []string // candidate content ids
	paths := map[string]string{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		known, err := referenced(batch)
		if err != nil {
			return err
		}
		for _, id := range batch {
			if !known[id] && os.Remove(paths[id]) == nil {
				removed++
			}
		}
		batch, paths = batch[:0], map[string]string{}
		return nil
	}
	err = filepath.WalkDir(c.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if now.Sub(info.ModTime()) < grace {
			return nil
		}
		if strings.HasPrefix(path, tmp) {
			if os.Remove(path) == nil {
				removed++
			}
			return nil
		}
		batch = append(batch, d.Name())
		paths[d.Name()] = path
		if len(batch) >= sweepBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return removed, err
	}
	return removed, flush()
}

// sourceError is a failure reading incoming content (a broken upload, the
// client's fault), not writing it.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return "reading the content stream: " + e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }
