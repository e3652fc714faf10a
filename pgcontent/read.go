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
// from offset. The reader fetches one chunk at a time, starting with the
// chunk offset falls in, and only the part of a chunk the range covers;
// no connection is held between reads, so a slow client ties up none.
func (s *Store) Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error) {
	st, err := s.stat(ctx, id)
	if err != nil {
		return nil, err
	}
	offset = min(max(offset, 0), st.length)
	if rest := st.length - offset; length < 0 || length > rest {
		length = rest
	}
	return &reader{s: s, ctx: ctx, id: id, chunkSize: st.chunkSize, pos: offset, end: offset + length}, nil
}

type reader struct {
	s         *Store
	ctx       context.Context
	id        string
	chunkSize int64
	pos, end  int64                // the next byte to fetch, and the range's end
	buf       pgtype.PreallocBytes // fetched, not yet read
	next      int                  // the first unread byte of buf
}

func (r *reader) Read(p []byte) (int, error) {
	if r.next == len(r.buf) {
		if r.pos >= r.end {
			return 0, io.EOF
		}
		if err := r.fetch(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.next:])
	r.next += n
	return n, nil
}

// fetch reads the part of the next chunk that the range covers into buf.
func (r *reader) fetch() error {
	seq, within := r.pos/r.chunkSize, r.pos%r.chunkSize
	n := min(r.chunkSize-within, r.end-r.pos)
	if r.buf == nil {
		r.buf = make(pgtype.PreallocBytes, 0, min(r.chunkSize, r.end-r.pos))
	}
	buf := r.buf[:cap(r.buf)]
	err := r.s.pool.QueryRow(r.ctx, `SELECT substring(data FROM $3 FOR $4) FROM content_chunks
		WHERE stream_id = $1 AND seq = $2`, r.id, seq, within+1, n).Scan(&buf)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && int64(len(buf)) != n {
		// Removed (or replaced) while being read.
		return fmt.Errorf("content stream %s: chunk %d is gone: %w", r.id, seq, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return fmt.Errorf("content stream %s: %w", r.id, err)
	}
	r.buf, r.next = buf, 0
	r.pos += n
	return nil
}

func (r *reader) Close() error { r.buf = nil; return nil }
