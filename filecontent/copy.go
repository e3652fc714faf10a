package filecontent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/cmisd/cmisd/cmis"
)

// What backup, restore and check do with content files: copy a stream
// between stores under its id, and read one whole to learn its length and
// SHA-256. A stream that is not there is an error that wraps
// fs.ErrNotExist.

// CopyFrom copies the stream id of src into s under the same id, durably
// (as Put writes), and reports the length and SHA-256 of what it copied.
func (s *Store) CopyFrom(ctx context.Context, src *Store, id string) (cmis.StoredContent, error) {
	f, err := src.open(id)
	if err != nil {
		return cmis.StoredContent{}, err
	}
	defer f.Close()
	st, err := s.put(ctx, id, f)
	if err != nil {
		return st, fmt.Errorf("copy content %s: %w", id, err)
	}
	return st, nil
}

// Sum reads the stream id whole and reports its length and SHA-256.
func (s *Store) Sum(ctx context.Context, id string) (cmis.StoredContent, error) {
	f, err := s.open(id)
	if err != nil {
		return cmis.StoredContent{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, &ctxReader{ctx: ctx, r: f})
	if err != nil {
		return cmis.StoredContent{}, fmt.Errorf("read content %s: %w", id, err)
	}
	return cmis.StoredContent{ID: id, Length: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// open opens the file of a stream.
func (s *Store) open(id string) (*os.File, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	return openRead(p)
}

// ctxReader stops reading when ctx ends: a check of a large store can be
// interrupted.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
