// Package filecontent keeps content streams as files in a directory: the
// cmis.ContentStore of cmisd's embedded setup. Uploads are read, hashed
// and written as a pipeline, with direct I/O where the file system has it
// (see sink.go); reads hand out sections of the files, which the server
// sends with sendfile.
package filecontent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/durable"
)

var _ cmis.ContentStore = (*Store)(nil)

// Store keeps content streams as files named by content id under
// dir/<first two hex digits>/<id>.
//
// Crash safety: a stream is written to dir/tmp, fsynced, renamed to its
// final name and its directory fsynced, all before Put returns, so before
// the transaction that references it begins. A crash before that
// transaction commits leaves a file no row references; a crash after a
// commit that replaced content leaves the old file unreferenced; a crash
// during Put leaves a file in dir/tmp. Candidates lists all three, so the
// sweep removes them and no content is orphaned for good. An upload in
// flight holds a lease on its file in dir/tmp, which keeps it off the
// list in every process sharing the directory.
type Store struct {
	dir   string
	small smallFiles // small.go
}

// Open opens (creating if needed) the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("content store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// tmpPrefix starts the names of unfinished uploads in dir/tmp. Content
// ids are hex, so an id with this prefix names one of them.
const tmpPrefix = "upload-"

// path is the file of a content id (or of an unfinished upload). Ids come
// from rows and from Candidates; anything that could leave the directory
// is refused.
func (s *Store) path(id string) (string, error) {
	if len(id) < 3 || strings.ContainsAny(id, `/\.`) {
		return "", fmt.Errorf("content store: %q is not a content id", id)
	}
	if strings.HasPrefix(id, tmpPrefix) {
		return filepath.Join(s.dir, "tmp", id), nil
	}
	return filepath.Join(s.dir, id[:2], id), nil
}

// newID returns a random content id: 128 bits, hex.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Put streams r into a new content file.
func (s *Store) Put(ctx context.Context, r io.Reader) (cmis.StoredContent, error) {
	return s.put(ctx, newID(), r)
}

// put streams r into the content file of id: written under dir/tmp,
// fsynced, renamed to its name and its directory fsynced.
func (s *Store) put(ctx context.Context, id string, r io.Reader) (_ cmis.StoredContent, err error) {
	if err := ctx.Err(); err != nil {
		return cmis.StoredContent{}, err
	}
	final, err := s.path(id)
	if err != nil {
		return cmis.StoredContent{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), tmpPrefix+"*")
	if err != nil {
		return cmis.StoredContent{}, err
	}
	hold(tmp) // released by the Close below, once the file has its final name
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
			tmp.Close()
		}
	}()
	sk := newSink(tmp)
	rerr := sk.readFrom(r)
	sum, werr := sk.finish()
	switch {
	case werr != nil:
		return cmis.StoredContent{}, werr
	case rerr != nil:
		return cmis.StoredContent{}, fmt.Errorf("reading the content stream: %w", rerr)
	}
	if err := tmp.Sync(); err != nil {
		return cmis.StoredContent{}, err
	}
	st := cmis.StoredContent{ID: id, Length: sk.n, SHA256: hex.EncodeToString(sum)}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return cmis.StoredContent{}, err
	}
	// Renamed while still open, so the lease lasts until the file is
	// complete under its final name.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return cmis.StoredContent{}, err
	}
	if err := errors.Join(durable.Sync(filepath.Dir(final)), tmp.Close()); err != nil {
		os.Remove(final)
		return cmis.StoredContent{}, err
	}
	return st, nil
}

// section is a byte range of a content file. Through *io.SectionReader
// it tells its length (Size) and the file under it (Outer), which the
// server sends with sendfile; Close closes the file.
type section struct {
	*io.SectionReader
	io.Closer
}

// Open opens a byte range of a content file.
func (s *Store) Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error) {
	if b, ok := s.small.get(id); ok {
		return memSection(b, offset, length), nil
	}
	f, err := s.open(id)
	if err != nil {
		return nil, err
	}
	if end := offset + length; length >= 0 && end <= smallMax {
		b, whole, err := readSmall(f, end)
		if err != nil {
			f.Close()
			return nil, err
		}
		if whole {
			s.small.add(id, b)
			return memSection(b, offset, length), nil
		}
	}
	if length < 0 {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		length = max(fi.Size()-offset, 0)
	}
	return section{io.NewSectionReader(f, offset, length), f}, nil
}

// Remove deletes content files; a missing file is not an error.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	var errs []error
	for _, id := range ids {
		s.small.remove(id)
		p, err := s.path(id)
		if err == nil {
			err = os.Remove(p)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckWritable writes and removes a file where uploads begin: the store
// can take content. A file a crash left is swept like an unfinished
// upload.
func (s *Store) CheckWritable() error {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), tmpPrefix+"probe-*")
	if err != nil {
		return fmt.Errorf("content store: %w", err)
	}
	_, werr := f.Write([]byte("probe"))
	return errors.Join(werr, f.Close(), os.Remove(f.Name()))
}

// Candidates walks the directory for content files and unfinished
// uploads last modified before before. An unfinished upload whose lease
// some process holds (see lease_unix.go) is in flight, however old: a
// slow client may leave its file untouched for long, and a sweep in
// another process sharing the directory must not take it away.
func (s *Store) Candidates(ctx context.Context, before time.Time, fn func(id string) error) error {
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return ctx.Err()
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if p, err := s.path(d.Name()); err != nil || p != path || info.ModTime().After(before) {
			return nil // young, or not a file this store made
		}
		if strings.HasPrefix(d.Name(), tmpPrefix) && leased(path) {
			return nil // an upload in flight
		}
		return fn(d.Name())
	})
}
