package pgcontent

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Open reads length bytes (negative: to the end) of a completed stream
// from offset. The reader fetches the range one chunk at a time, starting
// with the chunk offset falls in and taking only the part of a chunk the
// range covers, and fetches the next chunk while the caller consumes one.
// No connection is held between fetches, so a slow client ties up none.
func (s *Store) Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error) {
	st, err := s.stat(ctx, id)
	if err != nil {
		return nil, err
	}
	offset = min(max(offset, 0), st.length)
	if rest := st.length - offset; length < 0 || length > rest {
		length = rest
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{s: s, ctx: ctx, cancel: cancel, id: id, chunkSize: st.chunkSize, pos: offset, end: offset + length}
	return r, nil
}

// fetched is a chunk (the part the range covers) or the error fetching it.
type fetched struct {
	buf pgtype.PreallocBytes
	err error
}

type reader struct {
	s         *Store
	ctx       context.Context
	cancel    context.CancelFunc
	id        string
	chunkSize int64
	pos, end  int64 // the next byte to fetch, and the range's end

	ready chan fetched              // chunks in order, from fetchAll
	free  chan pgtype.PreallocBytes // buffers back to fetchAll
	cur   pgtype.PreallocBytes      // being read
	next  int                       // its first unread byte
	err   error
	// complete is set by fetchAll, before it closes ready, when it has
	// fetched the whole range (it stops early only when cancelled).
	complete bool
}

func (r *reader) Read(p []byte) (int, error) {
	for r.next == len(r.cur) {
		if r.err != nil {
			return 0, r.err
		}
		if r.ready == nil {
			if r.pos >= r.end {
				return 0, io.EOF
			}
			r.start()
		} else if r.cur != nil {
			r.free <- r.cur
		}
		f, ok := <-r.ready
		switch {
		case !ok && !r.complete:
			r.err, r.cur, r.next = fmt.Errorf("content stream %s: %w", r.id, context.Cause(r.ctx)), nil, 0
		case !ok:
			r.err, r.cur, r.next = io.EOF, nil, 0
		case f.err != nil:
			r.err, r.cur, r.next = f.err, nil, 0
		default:
			r.cur, r.next = f.buf, 0
		}
	}
	n := copy(p, r.cur[r.next:])
	r.next += n
	return n, nil
}

// start starts fetching the range in the background, one chunk ahead of
// the reader: two buffers, one being read while the other fills.
func (r *reader) start() {
	r.ready = make(chan fetched, 1)
	r.free = make(chan pgtype.PreallocBytes, 2)
	size := min(r.chunkSize, r.end-r.pos)
	for range 2 {
		r.free <- make(pgtype.PreallocBytes, 0, size)
	}
	go r.fetchAll()
}

func (r *reader) fetchAll() {
	defer close(r.ready)
	defer func() { r.complete = r.pos >= r.end }()
	for r.pos < r.end {
		var buf pgtype.PreallocBytes
		select {
		case buf = <-r.free:
		case <-r.ctx.Done():
			return
		}
		buf, err := r.fetch(buf)
		select {
		case r.ready <- fetched{buf, err}:
		case <-r.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// fetch reads the part of the chunk at pos that the range covers.
func (r *reader) fetch(buf pgtype.PreallocBytes) (pgtype.PreallocBytes, error) {
	seq, within := r.pos/r.chunkSize, r.pos%r.chunkSize
	n := min(r.chunkSize-within, r.end-r.pos)
	buf = buf[:cap(buf)]
	err := r.s.pool.QueryRow(r.ctx, `SELECT substring(data FROM $3 FOR $4) FROM content_chunks
		WHERE stream_id = $1 AND seq = $2`, r.id, seq, within+1, n).Scan(&buf)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && int64(len(buf)) != n {
		// Removed (or replaced) while being read.
		return nil, fmt.Errorf("content stream %s: chunk %d is gone: %w", r.id, seq, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, fmt.Errorf("content stream %s: %w", r.id, err)
	}
	r.pos += n
	return buf, nil
}

// Close stops the fetching.
func (r *reader) Close() error {
	r.cancel()
	r.cur = nil
	return nil
}
