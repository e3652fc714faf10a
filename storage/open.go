package storage

import (
	"context"
	"errors"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// Options tune a store.
type Options struct {
	// SweepGrace is how old an unreferenced content stream must be
	// before the start-up sweep removes it.
	SweepGrace time.Duration
	// MaxCount is how many items a listing or query counts at most for
	// its total (numItems): 0 means DefaultMaxCount, a negative bound
	// counts everything.
	MaxCount int64
	// QueryTimeout is how long a query or listing may run: 0 means
	// DefaultQueryTimeout, a negative one sets no limit.
	QueryTimeout time.Duration
	// NoSweep leaves unreferenced content alone at open: for the tools
	// that read a store (check, backup) and must change nothing of it.
	NoSweep bool
	// MaxConns bounds a PostgreSQL store's connections (0: 16).
	MaxConns int
}

// Open opens the store the --db value names: a postgres:// URL selects
// PostgreSQL; empty is SQLite in the data directory dir (cmisd.db).
func Open(ctx context.Context, db, dir string, content cmis.ContentStore, opt Options) (*DB, error) {
	if db == "" {
		return OpenSQLiteWith(ctx, dir, content, opt)
	}
	if !IsPostgresURL(db) {
		// Not repeated: it may hold a password.
		return nil, errors.New("--db is neither empty (SQLite under --data) nor a postgres:// URL")
	}
	return OpenPostgres(ctx, db, content, opt)
}
