package pgcontent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/fill"
)

// chunksInFlight is how many chunk buffers an upload holds: one being
// read from the client while the others wait for or go to the database.
const chunksInFlight = 3

var bufPool = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// Put reads r in chunks, hashing each as it comes and inserting it (each
// insert its own transaction) while the next is read, then completes the
// stream, which makes it visible. A failed upload deletes what it wrote;
// if that fails too, its lease runs out and the sweep does it.
func (s *Store) Put(ctx context.Context, r io.Reader) (_ cmis.StoredContent, err error) {
	id := newID()
	if _, err := s.pool.Exec(ctx, `INSERT INTO content_streams (id, chunk_size, lease_until)
		VALUES ($1, $2, now() + $3::bigint * interval '1 microsecond')`, id, ChunkSize, s.lease.Microseconds()); err != nil {
		return cmis.StoredContent{}, fmt.Errorf("content store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = s.Remove(context.WithoutCancel(ctx), id)
		}
	}()
	stop := s.renewLease(ctx, id)
	n, sum, err := s.writeChunks(ctx, id, r)
	stop()
	if err != nil {
		return cmis.StoredContent{}, err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE content_streams
		SET length = $2, sha256 = $3, completed_at = now(), lease_until = NULL
		WHERE id = $1 AND completed_at IS NULL`, id, n, sum)
	if err != nil {
		return cmis.StoredContent{}, fmt.Errorf("content store: complete %s: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		// The lease ran out (the database was out of reach for longer
		// than the lease) and a sweep took the upload.
		return cmis.StoredContent{}, fmt.Errorf("content store: upload %s was swept: its lease ran out", id)
	}
	return cmis.StoredContent{ID: id, Length: n, SHA256: sum}, nil
}

// renewLease keeps an upload's lease from running out until the returned
// function is called: it pushes lease_until forward every third of the
// lease. A renewal that fails is retried at the next tick; if the lease
// runs out meanwhile, completing the upload finds out.
func (s *Store) renewLease(ctx context.Context, id string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(s.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = s.pool.Exec(ctx, `UPDATE content_streams
					SET lease_until = now() + $2::bigint * interval '1 microsecond'
					WHERE id = $1 AND completed_at IS NULL`, id, s.lease.Microseconds())
			}
		}
	}()
	return func() { close(done); <-finished }
}

// chunk is one chunk on its way to the database.
type chunk struct {
	seq int32
	buf *[]byte
	n   int
}

// writeChunks reads r to its end in chunks, hashing in this goroutine
// while another inserts the chunks before, and returns the length and
// SHA-256 (hex). An error of r comes back wrapped, as Put promises.
func (s *Store) writeChunks(ctx context.Context, id string, r io.Reader) (int64, string, error) {
	h := sha256.New()
	var n int64
	queue := make(chan chunk, chunksInFlight-1)
	free := make(chan *[]byte, chunksInFlight)
	for range chunksInFlight {
		free <- bufPool.Get().(*[]byte)
	}
	werr := make(chan error, 1)
	var failed atomic.Bool
	go func() {
		var err error
		for c := range queue {
			if err == nil {
				_, err = s.pool.Exec(ctx, `INSERT INTO content_chunks (stream_id, seq, data) VALUES ($1, $2, $3)`,
					id, c.seq, (*c.buf)[:c.n])
				failed.Store(err != nil)
			}
			free <- c.buf
		}
		werr <- err
	}()
	var rerr error
	for seq := int32(0); !failed.Load() && ctx.Err() == nil; seq++ {
		buf := <-free
		m, err := fill.Read(r, *buf)
		if m > 0 {
			h.Write((*buf)[:m])
			n += int64(m)
			queue <- chunk{seq: seq, buf: buf, n: m}
		} else {
			free <- buf
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	close(queue)
	err := <-werr
	for range chunksInFlight {
		bufPool.Put(<-free)
	}
	switch {
	case rerr != nil:
		return 0, "", fmt.Errorf("reading the content stream: %w", rerr)
	case err != nil:
		return 0, "", fmt.Errorf("content store: write %s: %w", id, err)
	case ctx.Err() != nil:
		return 0, "", ctx.Err()
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
