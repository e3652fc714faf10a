package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
)

// OpenSQLite opens (creating if needed) the store in the data directory
// dir, the SQLite database cmisd.db, with content in content. It brings
// the schema up to date and sweeps content left behind by a crash.
//
// WAL lets readers run beside the single writer; busy_timeout makes a
// second writer wait instead of failing; foreign keys are off by default
// in SQLite and must be asked for on every connection, hence the DSN.
func OpenSQLite(ctx context.Context, dir string, content cmis.ContentStore) (*DB, error) {
	return OpenSQLiteWith(ctx, dir, content, Options{SweepGrace: DefaultSweepGrace})
}

// Options tune a store.
type Options struct {
	// SweepGrace is how old an unreferenced content stream must be
	// before the start-up sweep removes it.
	SweepGrace time.Duration
}

// OpenSQLiteWith is OpenSQLite with options.
func OpenSQLiteWith(ctx context.Context, dir string, content cmis.ContentStore, opt Options) (*DB, error) {
	if content == nil {
		return nil, errors.New("open store: no content store")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "cmisd.db")
	// mattn/go-sqlite3 spells the pragmas as its own DSN keys.
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_foreign_keys=1&_busy_timeout=10000&_synchronous=FULL", url.PathEscape(path))
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
	rdb.SetMaxOpenConns(8)
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

// bulkSession gives the connection a page cache large enough for the
// random inserts into the id indexes (1 GiB; the default is 2 MiB).
func (sqliteDialect) bulkSession(ctx context.Context, conn *sqlx.Conn) (func(), error) {
	var cache int64
	if err := conn.GetContext(ctx, &cache, `PRAGMA cache_size`); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
		return nil, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	}, nil
}
