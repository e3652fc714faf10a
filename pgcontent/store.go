// Package pgcontent keeps content streams in PostgreSQL itself: the
// cmis.ContentStore of `cmisd serve --content postgres`, for instances
// that share one database and nothing else. A stream is a row of
// content_streams and its bytes are rows of content_chunks, 1 MiB each,
// written and read one chunk at a time, so memory stays flat whatever
// the size and a byte range starts at its own chunk.
//
// Crash safety: each chunk commits on its own (no transaction is held
// open for the length of an upload), and a stream becomes visible only
// when the statement that completes it (length, SHA-256, completed_at)
// commits, after its last chunk. An upload in flight holds a lease
// (lease_until) that its process renews; one whose process died lets the
// lease run out and is then a sweep candidate, with its chunks. A stream
// completed but never referenced (a crash before the referencing
// transaction committed) is a candidate once older than the sweep's grace.
package pgcontent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var _ cmis.ContentStore = (*Store)(nil)

const (
	// ChunkSize is the size of a stream's chunks, its last one excepted.
	ChunkSize = 1 << 20
	// DefaultLease is how long an upload in flight stays off the sweep's
	// list after its process last renewed it (every third of it).
	DefaultLease = 30 * time.Second
	// candidatesPage is how many candidate ids one query fetches.
	candidatesPage = 1000
	// defaultMaxConns bounds the store's connections unless the URL's
	// pool_max_conns says otherwise.
	defaultMaxConns = 16
)

// schema is created at Open, under a transaction-level advisory lock so
// that instances starting at once do not race. Chunks are stored
// uncompressed out of line (STORAGE EXTERNAL): content is mostly
// compressed already, and substring() on such a value reads only the
// pages it needs.
var schema = []string{
	`SELECT pg_advisory_xact_lock(hashtext('cmisd pgcontent schema'))`,
	`CREATE TABLE IF NOT EXISTS content_streams (
		id           text PRIMARY KEY,
		chunk_size   integer NOT NULL,
		length       bigint,
		sha256       text,
		lease_until  timestamptz,
		completed_at timestamptz
	)`,
	`CREATE TABLE IF NOT EXISTS content_chunks (
		stream_id text NOT NULL REFERENCES content_streams (id) ON DELETE CASCADE,
		seq       integer NOT NULL,
		data      bytea NOT NULL,
		PRIMARY KEY (stream_id, seq)
	)`,
	`ALTER TABLE content_chunks ALTER COLUMN data SET STORAGE EXTERNAL`,
}

// Store keeps content streams in a PostgreSQL database.
type Store struct {
	pool  *pgxpool.Pool
	lease time.Duration
}

// Options tune a store.
type Options struct {
	// Lease is how long an upload in flight stays safe from sweeps after
	// its last renewal; DefaultLease when zero.
	Lease time.Duration
}

// Open connects to the database at url (postgres://…) and creates the
// tables if needed.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// Not repeated: the URL may hold a password.
		return nil, errors.New("content store: the --db URL cannot be parsed")
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgxpool's default (the CPUs, at least 4) would queue uploads,
		// and their lease renewals, behind each other.
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("content store: %w", err)
	}
	s := &Store{pool: pool, lease: opt.Lease}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, stmt := range schema {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		pool.Close()
		return nil, fmt.Errorf("content store: schema: %w", err)
	}
	return s, nil
}

// Close closes the store's connections.
func (s *Store) Close() { s.pool.Close() }

// newID returns a random content id: 128 bits, hex.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// stream is what Open needs of a completed stream.
type stream struct {
	chunkSize int64
	length    int64
}

func (s *Store) stat(ctx context.Context, id string) (stream, error) {
	var st stream
	err := s.pool.QueryRow(ctx, `SELECT chunk_size, length FROM content_streams
		WHERE id = $1 AND completed_at IS NOT NULL`, id).Scan(&st.chunkSize, &st.length)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, fmt.Errorf("content stream %s: %w", id, fs.ErrNotExist)
	}
	if err != nil {
		return st, fmt.Errorf("content stream %s: %w", id, err)
	}
	return st, nil
}

// Remove deletes streams, finished or not, and their chunks.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM content_streams WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("content store: remove: %w", err)
	}
	return nil
}

// Candidates lists, by pages in id order, the streams completed before
// before and the uploads whose lease has run out (their process died or
// lost the database for longer than the lease). The database's clock
// decides both, so instances on hosts whose clocks differ agree: before
// is taken as an age, time.Since(before).
func (s *Store) Candidates(ctx context.Context, before time.Time, fn func(id string) error) error {
	grace := time.Since(before)
	after := ""
	for {
		rows, err := s.pool.Query(ctx, `SELECT id FROM content_streams
			WHERE id > $1 AND (completed_at < now() - $2::bigint * interval '1 microsecond'
				OR (completed_at IS NULL AND lease_until < now()))
			ORDER BY id LIMIT $3`, after, grace.Microseconds(), candidatesPage)
		if err != nil {
			return fmt.Errorf("content store: candidates: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("content store: candidates: %w", err)
		}
		for _, id := range ids {
			if err := fn(id); err != nil {
				return err
			}
		}
		if len(ids) < candidatesPage {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// CheckWritable tells whether the store can take content now: it writes
// a stream row in a transaction it rolls back.
func (s *Store) CheckWritable() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO content_streams (id, chunk_size, lease_until) VALUES ($1, $2, now())`, "probe-"+newID(), ChunkSize); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return fmt.Errorf("content store: %w", err)
}

var errRollback = errors.New("probe: roll back")
