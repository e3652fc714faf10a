package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
)

// OpenSQLite opens (creating if needed) the store in the data directory
// dir: the SQLite database cmisd.db and the content files under content/.
// It brings the schema up to date and sweeps content left behind by a
// crash.
//
// WAL lets readers run beside the single writer; busy_timeout makes a
// second writer wait instead of failing; foreign keys are off by default
// in SQLite and must be asked for on every connection, hence the DSN.
func OpenSQLite(ctx context.Context, dir string) (*DB, error) {
	return OpenSQLiteWith(ctx, dir, Options{SweepGrace: DefaultSweepGrace})
}

// Options tune a store.
type Options struct {
	// SweepGrace is how old an unreferenced content file must be before
	// the start-up sweep removes it.
	SweepGrace time.Duration
}

// OpenSQLiteWith is OpenSQLite with options.
func OpenSQLiteWith(ctx context.Context, dir string, opt Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "cmisd.db")
	content, err := openContentStore(filepath.Join(dir, "content"))
	if err != nil {
		return nil, err
	}
	// mattn/go-sqlite3 spells the pragmas as its own DSN keys.
	// _stmt_cache_size keeps each connection's prepared statements:
	// preparing cost more than running most of them.
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_foreign_keys=1&_busy_timeout=10000&_synchronous=FULL&_stmt_cache_size=128", url.PathEscape(path))
	// SQLite has one writer. Writes go through a pool of one connection
	// whose transactions take the write lock at BEGIN (no deadlocking
	// upgrade from a read lock); reads use their own pool and run beside it.
	wdb, err := sqlx.Open("sqlite3", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	rdb, err := sqlx.Open("sqlite3", dsn)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Idle connections stay open: database/sql keeps two by default, so
	// under load it would open and close connections (and re-run the
	// DSN's pragmas) all the time.
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	rdb.SetConnMaxIdleTime(5 * time.Minute)
	s := &DB{db: rdb, wdb: wdb, dialect: sqliteDialect{}, now: time.Now, content: content}
	if err := wdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.ensureFullText(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if _, err := s.SweepContent(ctx, opt.SweepGrace); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

type sqliteDialect struct{}

func (sqliteDialect) isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}

// SQLite's unary + disqualifies a term from driving an index lookup.
func (sqliteDialect) noIndexPrefix() string { return "+" }
