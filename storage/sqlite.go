package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
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

// DatabaseFile is the name of the SQLite database in the data directory.
const DatabaseFile = "cmisd.db"

// OpenSQLiteWith is OpenSQLite with options.
func OpenSQLiteWith(ctx context.Context, dir string, content cmis.ContentStore, opt Options) (*DB, error) {
	if content == nil {
		return nil, errors.New("open store: no content store")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, DatabaseFile)
	// mattn/go-sqlite3 spells the pragmas as its own DSN keys.
	// _stmt_cache_size keeps each connection's prepared statements:
	// preparing cost more than running most of them. _cslike makes LIKE
	// case-sensitive, as SQL's and PostgreSQL's is (README, "Query").
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_foreign_keys=1&_busy_timeout=10000&_synchronous=FULL&_stmt_cache_size=128&_cslike=1", url.PathEscape(path))
	// SQLite has one writer. Writes go through a pool of one connection
	// whose transactions take the write lock at BEGIN (no deadlocking
	// upgrade from a read lock); reads use their own pool and run beside it.
	s := &DB{dialect: sqliteDialect{}, now: time.Now, content: content, cursors: newCursorCache()}
	wdb := sqlx.NewDb(openSQLite(&sqlite3.SQLiteDriver{}, dsn+"&_txlock=immediate", &s.stats), "sqlite3")
	wdb.SetMaxOpenConns(1)
	rdb := sqlx.NewDb(openSQLite(sqliteReader, dsn, &s.stats), "sqlite3")
	// Idle connections stay open: database/sql keeps two by default, so
	// under load it would open and close connections (and re-run the
	// DSN's pragmas) all the time.
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	rdb.SetConnMaxIdleTime(5 * time.Minute)
	// The snapshots of requests that write read a few pages of the
	// caches' generation and the account: on connections without the
	// mapping (ReadBeforeWrite).
	pre := sqlx.NewDb(openSQLite(&sqlite3.SQLiteDriver{}, dsn, &s.stats), "sqlite3")
	pre.SetMaxOpenConns(8)
	pre.SetMaxIdleConns(8)
	pre.SetConnMaxIdleTime(5 * time.Minute)
	s.db, s.wdb, s.pre = rdb, wdb, pre
	s.group = newCommitter(wdb)
	s.SetLimits(opt.MaxCount, opt.QueryTimeout)
	if err := wdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.dialect.ensureFullText(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	if !opt.NoSweep {
		if _, err := s.SweepContent(ctx, opt.SweepGrace); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// sqliteReader is go-sqlite3 for the read pool: each connection maps
// the database file into memory (mmap_size, up to the 2 GiB SQLite
// allows), so that a read of a page the OS has cached is a memory access
// instead of a read system call and a copy into the connection's own
// 2 MiB cache. The index paths of broad queries probe rows all over a
// large file; at a million documents this halves their time. But a
// connection drops its mapping at the first read after any commit
// (SQLite unmaps when the WAL changed): unmapping, with its TLB
// shootdown, and faulting the pages back in cost a write request about
// a fifth of its CPU, so the snapshots of writes use connections
// without it (pre, ReadBeforeWrite).
var sqliteReader = &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec(`PRAGMA mmap_size = 2147483648`, nil)
	return err
}}

type sqliteDialect struct{}

func (sqliteDialect) name() string          { return "sqlite" }
func (sqliteDialect) migrationsDir() string { return "migrations/sqlite" }

// lockMigrations: the migrating connection is the single writer, and
// each migration's transaction takes the database's write lock at BEGIN
// (BEGIN IMMEDIATE), which serializes processes too.
func (sqliteDialect) lockMigrations(context.Context, *sqlx.Conn) (func(), error) {
	return func() {}, nil
}

// readTx: a read transaction reads one snapshot of the WAL.
func (sqliteDialect) readTx() *sql.TxOptions { return &sql.TxOptions{ReadOnly: true} }

// lockClause: writes are serialized by the single writer connection,
// whose transactions hold the database's write lock from BEGIN.
func (sqliteDialect) lockClause(lockMode) string { return "" }

// isTransient: a busy database waits (busy_timeout) rather than fail.
func (sqliteDialect) isTransient(error) bool { return false }

// orderKey: SQLite sorts NULLs first ascending and last descending already.
func (sqliteDialect) orderKey(expr string, desc, _ bool) string {
	if desc {
		return expr + " DESC"
	}
	return expr + " ASC"
}

// engine names SQLite and the version linked in.
func (sqliteDialect) engine() string {
	v, _, _ := sqlite3.Version()
	return "SQLite " + v
}

func (sqliteDialect) isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}

// SQLite's unary + disqualifies a term from driving an index lookup.
func (sqliteDialect) noIndexPrefix() string { return "+" }

// walksInLists: SQLite sorts an IN list and looks each value up in turn.
func (sqliteDialect) walksInLists() bool { return true }

// propertyFilters: SQLite probes each object's row, in a page and a
// count alike (about a microsecond each).
func (sqliteDialect) propertyFilters() bool { return false }

func (sqliteDialect) inList(key, sub string) string { return key + " IN (" + sub + ")" }

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

// bulkWriter prepares each statement once per transaction.
func (sqliteDialect) bulkWriter(tx *sqlx.Tx) bulkWriter { return newPreparedTx(tx) }

// limit: SQLite spells "no limit" -1.
func (sqliteDialect) limit(p cmis.Page) string {
	return " LIMIT " + strconv.FormatInt(max(p.MaxItems, -1), 10) + " OFFSET " + strconv.FormatInt(p.SkipCount, 10)
}

// explain collects the detail column of EXPLAIN QUERY PLAN's rows.
func (sqliteDialect) explain(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) ([]string, error) {
	return SQLitePlan(ctx, tx, stmt, args)
}

// SQLitePlan is the detail column of the rows of EXPLAIN QUERY PLAN of
// stmt with args, on q: a SQLite connection or transaction.
func SQLitePlan(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, stmt string, args []any) ([]string, error) {
	rows, err := q.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}

// snapshot: VACUUM INTO, one read transaction; writers go on meanwhile.
func (sqliteDialect) snapshot(ctx context.Context, db *sqlx.DB, path string) error {
	_, err := db.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// checkIntegrity runs integrity_check and foreign_key_check.
func (sqliteDialect) checkIntegrity(ctx context.Context, db *sqlx.DB) ([]string, error) {
	var lines []string
	if err := db.SelectContext(ctx, &lines, `PRAGMA integrity_check`); err != nil {
		return nil, fmt.Errorf("integrity_check: %w", err)
	}
	var out []string
	for _, l := range lines {
		if l != "ok" {
			out = append(out, "integrity_check: "+l)
		}
	}
	rows, err := db.QueryxContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return out, fmt.Errorf("foreign_key_check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid, fk any
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return out, fmt.Errorf("foreign_key_check: %w", err)
		}
		out = append(out, fmt.Sprintf("foreign_key_check: a row of %s (rowid %v) references a missing row of %s", table, rowid, parent))
	}
	return out, rows.Err()
}
