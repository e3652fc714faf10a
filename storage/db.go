// Package storage implements cmisd's store on SQL through sqlx: the
// repository's metadata (types, objects, properties, containment,
// principals) in one database, each operation in one transaction. The
// bytes of content streams live in a cmis.ContentStore given at open
// (package filecontent keeps them as files); storage holds SQL only.
// What is specific to SQLite lives in sqlite.go, behind the dialect
// interface, so that a PostgreSQL dialect can sit beside it; the
// exceptions are the full-text index (fulltext.go: FTS5 tables, rowids)
// and the migrations' DDL.
package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/jmoiron/sqlx"
)

//go:embed migrations/*.sql
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

// dialect is what differs between SQL databases.
type dialect interface {
	// isUniqueViolation reports whether err is a unique-constraint failure.
	isUniqueViolation(err error) bool
	// noIndexPrefix, put before a column, keeps the planner from driving
	// a query through that column's index (it stays a filter).
	noIndexPrefix() string
	// bulkSession readies a connection for a bulk load and returns what
	// undoes it.
	bulkSession(ctx context.Context, conn *sqlx.Conn) (restore func(), err error)
	// limit is the clause selecting a page of rows.
	limit(p cmis.Page) string
	// explain returns the planner's description of a statement.
	explain(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) ([]string, error)

	// Full-text search in queries (CONTAINS, SCORE()); search is the
	// placeholder of textQuery's result.
	//
	// textQuery writes a CMIS text search in the database's language.
	textQuery(ts *query.TextSearch) (string, error)
	// textMatches is a subquery of the ids of the objects that match.
	textMatches(search string) string
	// textRanks is a subquery of (fts_id, fts_rank): the objects that
	// match and how well, which textScore maps onto [0, 1).
	textRanks(search string) string
	textScore(rank string) string
	// textSource is the text index driving a query's rows (the text
	// path): its join with the objects aliased table, the match on the
	// placeholder search, the rank of a row, and the index's own order.
	// Ordered by rank or in its own order, the engine must yield rows
	// without ranking or sorting every match in the query.
	textSource(table, search string) textSource
}

// textSource is a dialect's text index as the driver of a query.
type textSource struct {
	from       string // " FROM … JOIN objects <table> ON …"
	candidates string // " FROM … WHERE …": the matches, from the index alone
	match      string // the condition that rows match the search
	rank       string // lower ranks first
	order      string // the index's own order
}

// PoolStats reports the connection pools by name: "read" and "write"
// (the single writer).
func (s *DB) PoolStats() map[string]sql.DBStats {
	return map[string]sql.DBStats{"read": s.db.Stats(), "write": s.wdb.Stats()}
}

// Close closes the database.
func (s *DB) Close() error { return errors.Join(s.db.Close(), s.wdb.Close()) }

// SetNow replaces the clock (tests).
func (s *DB) SetNow(now func() time.Time) { s.now = now }

// inTx runs fn in the request's write transaction (Write), or in one of
// its own, committed if fn returns nil.
func (s *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if sc := scopeOf(ctx); sc != nil && sc.write {
		return fn(sc.tx)
	}
	return runTx(ctx, s.wdb, nil, fn)
}

// inReadTx runs fn in the request's transaction (Read or Write), or in a
// read-only transaction of its own: one consistent snapshot.
func (s *DB) inReadTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if sc := scopeOf(ctx); sc != nil && sc.tx != nil {
		return fn(sc.tx)
	}
	return runTx(ctx, s.db, readOnly, fn)
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

// migration is one embedded migration file.
type migration struct {
	version int
	name    string
}

// migrationList is the embedded migrations in version order.
func migrationList() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var all []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", n)
		}
		all = append(all, migration{v, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	return all, nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction, in version order.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.wdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	all, err := migrationList()
	if err != nil {
		return err
	}
	for _, m := range all {
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrations.ReadFile(m.name)
			if err != nil {
				return err
			}
			for _, stmt := range splitSQL(string(body)) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", m.name, err)
				}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, s.now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// Ready reports whether the database answers reads and has every
// migration of this build applied. It reads through the read pool only:
// a long write does not make the store look unready.
func (s *DB) Ready(ctx context.Context) error {
	all, err := migrationList()
	if err != nil {
		return err
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM schema_migrations`); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if n != len(all) {
		return fmt.Errorf("database: %d of %d migrations applied", n, len(all))
	}
	return nil
}

// splitSQL splits a migration into statements at semicolons that end a
// line; the migrations keep to that form. Comment lines are dropped.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// newID returns a random object id: 128 bits, hex.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
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
