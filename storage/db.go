// Package storage implements cmisd's store on SQL through sqlx: the
// repository's metadata (types, objects, properties, containment,
// principals) in one database, each operation in one transaction. The
// bytes of content streams live in a cmis.ContentStore given at open
// (package filecontent keeps them as files); storage holds SQL only.
//
// Two engines: SQLite (the embedded default) and PostgreSQL (several
// cmisd instances on one database). Storage writes one SQL text for both,
// with ? placeholders; what differs sits behind the dialect interface,
// one file per engine (sqlite.go, postgres.go, and their full-text
// indexes in sqlite_fulltext.go and postgres_fulltext.go), and in one
// migrations directory per engine (migrations/sqlite,
// migrations/postgres), numbered alike.
package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// DB is the store. It is safe for concurrent use.
type DB struct {
	db      *sqlx.DB // reads
	wdb     *sqlx.DB // writes: one transaction at a time
	dialect dialect
	now     func() time.Time
	content cmis.ContentStore // the bytes of the streams contents rows describe
	cache   cache             // types, accounts, repositories (cache.go)
	// maxCount bounds how far a listing counts (numItems); negative: no
	// bound. See paging.go.
	maxCount int64
	// queryTimeout bounds every query and listing; 0: none. See limited.
	queryTimeout time.Duration
	// cursors remembers where pages ended (keyset continuation).
	cursors *cursorCache
	// stats count what the pools send (statements.go).
	stats statementStats
	// group lets SQLite's queued writes share a commit; nil on
	// PostgreSQL, whose writers run side by side.
	group *committer
	// pre holds the snapshots of requests that go on to write
	// (ReadBeforeWrite); nil: db's. See sqlite.go.
	pre *sqlx.DB
}

// DefaultSweepGrace is how old an unreferenced content stream must be
// before a sweep removes it: younger ones may belong to a transaction
// still in flight in another process sharing the store.
const DefaultSweepGrace = 2 * time.Minute

// sweepBatch is how many content ids one lookup checks: a store of a
// million streams costs two thousand lookups, not a million.
const sweepBatch = 500

// SweepContent removes content streams that no row references (left by
// a crash between writing content and committing, or between committing
// a replacement and removing the old stream) and are older than grace.
func (s *DB) SweepContent(ctx context.Context, grace time.Duration) (removed int, err error) {
	err = s.Orphans(ctx, grace, func(id string) error {
		if s.content.Remove(ctx, id) == nil { // else the next sweep tries again
			removed++
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("sweep content: %w", err)
	}
	return removed, nil
}

// Orphans calls fn with the id of every content stream (or unfinished
// upload) older than grace that no row references, right after finding
// it unreferenced; fn may remove it.
func (s *DB) Orphans(ctx context.Context, grace time.Duration, fn func(id string) error) error {
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		orphans, err := s.Unreferenced(ctx, batch)
		batch = batch[:0]
		if err != nil {
			return err
		}
		for _, id := range orphans {
			if err := fn(id); err != nil {
				return err
			}
		}
		return nil
	}
	err := s.content.Candidates(ctx, s.now().Add(-grace), func(id string) error {
		if batch = append(batch, id); len(batch) >= sweepBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return err
}

// Unreferenced returns the ids among ids that no contents row has.
func (s *DB) Unreferenced(ctx context.Context, ids []string) ([]string, error) {
	q, args, err := sqlx.In(`SELECT id FROM contents WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var known []string
	if err := s.db.SelectContext(ctx, &known, q, args...); err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(known))
	for _, id := range known {
		set[id] = true
	}
	var out []string
	for _, id := range ids {
		if !set[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// discard removes content streams that a committed transaction stopped
// referencing ("" stands for none). A failure leaves an orphan, which
// the sweep finds.
func (s *DB) discard(ctx context.Context, ids ...string) {
	var some []string
	for _, id := range ids {
		if id != "" {
			some = append(some, id)
		}
	}
	if len(some) > 0 {
		_ = s.content.Remove(context.WithoutCancel(ctx), some...)
	}
}

// dialect is what differs between SQL databases: one implementation per
// engine (sqliteDialect, postgresDialect).
type dialect interface {
	// name is the engine's: "sqlite" or "postgres".
	name() string
	// migrationsDir is the engine's directory of migrations in the
	// embedded file system.
	migrationsDir() string
	// lockMigrations keeps other processes from migrating the database
	// until unlock is called; conn is the connection that migrates.
	lockMigrations(ctx context.Context, conn *sqlx.Conn) (unlock func(), err error)
	// readTx are the options of a read transaction: one snapshot for all
	// its statements.
	readTx() *sql.TxOptions
	// isUniqueViolation reports whether err is a unique-constraint failure.
	isUniqueViolation(err error) bool
	// noIndexPrefix, put before a column, keeps the planner from driving
	// a query through that column's index (it stays a filter).
	noIndexPrefix() string
	// walksInLists reports whether the engine reads "key IN (subquery)
	// ORDER BY key, …" through the key's index in order, value by value,
	// and stops at a LIMIT without reading every row of the list (SQLite);
	// else a subtree's filings go through a windowed sort (windowedPage),
	// but for a first page in the order of the filings (inList).
	walksInLists() bool
	// propertyFilters reports whether a property's rows carry their
	// object's repository_id, acl_id and listed_type (PostgreSQL's
	// migration 14), in the value indexes.
	propertyFilters() bool
	// inList is the condition that key is one of the values of the
	// subquery sub, written so that the engine reads "… ORDER BY key, …"
	// through the key's index in order, value by value, and stops at a
	// LIMIT without reading every row of the list.
	inList(key, sub string) string
	// lockClause is the clause, after a SELECT's last, that locks the
	// rows it reads until the transaction ends ("" where a single writer
	// makes that needless; see locks.go).
	lockClause(mode lockMode) string
	// isTransient reports whether err aborted a transaction that may
	// succeed when run again (a deadlock broken by the database).
	isTransient(err error) bool
	// orderKey is an ORDER BY key: NULLs first ascending and last
	// descending on every engine (nullable: whether expr can be NULL).
	orderKey(expr string, desc, nullable bool) string
	// bulkSession readies a connection for a bulk load and returns what
	// undoes it.
	bulkSession(ctx context.Context, conn *sqlx.Conn) (restore func(), err error)
	// bulkWriter writes a bulk load's rows in tx.
	bulkWriter(tx *sqlx.Tx) bulkWriter
	// limit is the clause selecting a page of rows.
	limit(p cmis.Page) string
	// explain returns the planner's description of a statement.
	explain(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) ([]string, error)
	// snapshot writes a consistent copy of the database into a new file
	// (backup), or says why it cannot.
	snapshot(ctx context.Context, db *sqlx.DB, path string) error
	// checkIntegrity asks the database to check itself (check).
	checkIntegrity(ctx context.Context, db *sqlx.DB) ([]string, error)

	textIndex
}

// PoolStats reports the connection pools by name: "read" and "write"
// (the single writer), and on SQLite "pre-write" (ReadBeforeWrite's).
func (s *DB) PoolStats() map[string]sql.DBStats {
	m := map[string]sql.DBStats{"read": s.db.Stats(), "write": s.wdb.Stats()}
	if s.pre != nil {
		m["pre-write"] = s.pre.Stats()
	}
	return m
}

// Close closes the database.
func (s *DB) Close() error {
	var pre error
	if s.pre != nil {
		pre = s.pre.Close()
	}
	if s.wdb == s.db {
		return errors.Join(s.db.Close(), pre)
	}
	return errors.Join(s.db.Close(), s.wdb.Close(), pre)
}

// Kind names the database engine for code: "sqlite" or "postgres" (Engine
// names it for people).
func (s *DB) Kind() string { return s.dialect.name() }

// SetNow replaces the clock (tests).
func (s *DB) SetNow(now func() time.Time) { s.now = now }

// inTx runs fn in the request's write transaction (Write), or in one of
// its own, committed if fn returns nil.
func (s *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if sc := scopeOf(ctx); sc != nil && sc.write {
		return fn(sc.tx)
	}
	return s.inTxRetry(ctx, func() error {
		return s.writeTx(ctx, func(_ context.Context, tx *sqlx.Tx) error { return fn(tx) })
	})
}

// writeTx runs fn in a write transaction, committed if fn returns nil: on
// SQLite a savepoint of a transaction it may share with the writes queued
// beside it (groupcommit.go).
func (s *DB) writeTx(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	return runTx(ctx, s.wdb, nil, func(tx *sqlx.Tx) error { return fn(ctx, tx) })
}

// inReadTx runs fn in the request's transaction (Read or Write), or in a
// read-only transaction of its own: one consistent snapshot.
func (s *DB) inReadTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if sc := scopeOf(ctx); sc != nil && sc.tx != nil {
		return fn(sc.tx)
	}
	return runTx(ctx, s.db, s.dialect.readTx(), fn)
}

func runTx(ctx context.Context, db *sqlx.DB, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = fmt.Errorf("commit: %w", cerr)
		}
	}()
	return fn(tx)
}

// newID returns an object id: 128 bits, hex, of which the first 48 are
// the time in milliseconds and the other 80 random (as UUIDv7 is built).
// Ids key most of the indexes an object's rows go into; ids made at about
// the same time sort together, so the writes of a commit (a group of
// them: groupcommit.go) fill the same index pages instead of one random
// page per index each. 80 random bits still cannot be guessed; the time
// an id tells is its object's cmis:creationDate.
func newID() string { return newIDAt(time.Now()) }

func newIDAt(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// notFound maps sql.ErrNoRows to nil so callers can test for absence.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// msTime converts stored milliseconds to a UTC time.
func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
