package storage

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// IsPostgresURL reports whether a --db value names a PostgreSQL database
// (a postgres:// or postgresql:// URL).
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenPostgres opens the store in the PostgreSQL database url names (a
// postgres:// URL as libpq takes it), with content in content. It brings
// the schema up to date, once however many processes start at the same
// time, and sweeps content left behind by a crash.
//
// Every process has a pool of connections that read and write alike:
// writes run at READ COMMITTED, and take the row locks that make each
// read-then-write sequence safe (lockRows); reads run in REPEATABLE READ
// READ ONLY transactions, one snapshot each.
func OpenPostgres(ctx context.Context, url string, content cmis.ContentStore, opt Options) (*DB, error) {
	if content == nil {
		return nil, errors.New("open store: no content store")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: the error does not repeat it.
		return nil, errors.New("open postgres: the --db URL cannot be parsed")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	// No JIT compilation unless the URL asks for it: a plan whose estimate
	// passes jit_above_cost (a broad query's, with the probes of every
	// row counted) spent tens to hundreds of milliseconds compiling a
	// statement that reads a page.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	s := &DB{dialect: &postgresDialect{}, now: time.Now, content: content, cursors: newCursorCache()}
	pool := sql.OpenDB(rebindConnector{Connector: stdlib.GetConnector(*cfg), binds: newRebinder(), n: &s.stats.sent})
	conns := opt.MaxConns
	if conns <= 0 {
		conns = 16
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := sqlx.NewDb(pool, postgresDriverName)
	s.db, s.wdb = db, db
	s.SetLimits(opt.MaxCount, opt.QueryTimeout)
	where := fmt.Sprintf("postgres database %q on %s", cfg.Database, cfg.Host)
	if err := db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	if err := db.GetContext(ctx, &s.dialect.(*postgresDialect).version, `SHOW server_version`); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	if !opt.NoSweep {
		if _, err := s.SweepContent(ctx, opt.SweepGrace); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// postgresDriverName names the store's PostgreSQL pools to sqlx, which
// knows no such driver and so leaves ? alone (rebindConnector binds it),
// and to idsIn.
const postgresDriverName = "cmisd-postgres"

// rebindConnector makes connections that take storage's SQL as it is
// written, with ? placeholders, and hand PostgreSQL $1, $2, …: the one
// place where placeholders differ between the engines.
type rebindConnector struct {
	sqldriver.Connector
	binds *rebinder
	n     *atomic.Int64 // statements sent (statements.go)
}

func (c rebindConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return rebindConn{Conn: conn.(*stdlib.Conn), binds: c.binds, n: c.n}, nil
}

// rebindConn is pgx's database/sql connection with each statement's text
// rebound; everything else (transactions, argument checks, session
// resets) is pgx's own.
type rebindConn struct {
	*stdlib.Conn
	binds *rebinder
	n     *atomic.Int64
}

func (c rebindConn) Prepare(query string) (sqldriver.Stmt, error) {
	return c.Conn.Prepare(c.binds.rebind(query))
}

func (c rebindConn) PrepareContext(ctx context.Context, query string) (sqldriver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, c.binds.rebind(query))
}

func (c rebindConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	c.n.Add(1)
	return c.Conn.ExecContext(ctx, c.binds.rebind(query), args)
}

func (c rebindConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	c.n.Add(1)
	return c.Conn.QueryContext(ctx, c.binds.rebind(query), args)
}

// rebinder rebinds statement texts, each once: it keeps the last few
// thousand (the query compiler's texts vary without bound).
type rebinder struct {
	mu    sync.RWMutex
	texts map[string]string
}

const rebindCacheSize = 4096

func newRebinder() *rebinder { return &rebinder{texts: map[string]string{}} }

func (r *rebinder) rebind(q string) string {
	r.mu.RLock()
	out, ok := r.texts[q]
	r.mu.RUnlock()
	if ok {
		return out
	}
	out = rebind(q)
	r.mu.Lock()
	if len(r.texts) >= rebindCacheSize {
		clear(r.texts)
	}
	r.texts[q] = out
	r.mu.Unlock()
	return out
}

// rebind numbers the ? placeholders of q outside quoted strings and
// identifiers: $1, $2, ….
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote { // a doubled quote closes and reopens: the same
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

type postgresDialect struct {
	version string // the server's, read at open
}

func (postgresDialect) name() string { return "postgres" }

// engine names PostgreSQL and the server's version.
func (d *postgresDialect) engine() string     { return "PostgreSQL " + d.version }
func (postgresDialect) migrationsDir() string { return "migrations/postgres" }

// migrationLockKey is the advisory lock cmisd holds while it migrates a
// database (any 64-bit number no other application uses: "cmisdmig").
const migrationLockKey int64 = 0x636d6973646d6967

// lockMigrations takes a session-level advisory lock on the migrating
// connection: a second process waits on it, then finds every migration
// applied.
func (postgresDialect) lockMigrations(ctx context.Context, conn *sqlx.Conn) (func(), error) {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, migrationLockKey); err != nil {
		return nil, err
	}
	return func() {
		// If this fails the connection is broken, which frees the lock too.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, migrationLockKey)
	}, nil
}

// readTx: PostgreSQL's default, READ COMMITTED, takes a snapshot per
// statement; REPEATABLE READ keeps one for the transaction.
func (postgresDialect) readTx() *sql.TxOptions {
	return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
}

func (postgresDialect) isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// noIndexPrefix: PostgreSQL's planner weighs indexes by statistics; it
// needs no hints (and text has no unary +).
func (postgresDialect) noIndexPrefix() string { return "" }

// walksInLists: PostgreSQL reads an IN list's rows as they come and sorts
// them, every one of them probed first.
func (postgresDialect) walksInLists() bool { return false }

// propertyFilters: an equality's page and count read the value's index
// alone; probing each object's row cost 4 µs a row.
func (postgresDialect) propertyFilters() bool { return true }

// inList: "key IN (subquery)" is a join to PostgreSQL, which reads every
// row of the list (the planner cannot tell a subtree of a thousand folders
// from one of five) and sorts them; "key = ANY (array)" is an index scan
// that walks the array's values in order (a btree index, key its first
// column), so that a LIMIT stops it.
func (postgresDialect) inList(key, sub string) string { return key + " = ANY (ARRAY(" + sub + "))" }

func (postgresDialect) lockClause(m lockMode) string {
	switch m {
	case lockKeep:
		return " FOR KEY SHARE"
	case lockChange:
		return " FOR NO KEY UPDATE"
	}
	return " FOR UPDATE"
}

// isTransient: deadlock_detected, serialization_failure.
func (postgresDialect) isTransient(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// orderKey: PostgreSQL sorts NULLs last ascending, SQLite first; both
// follow SQLite's order (README, "Query").
func (postgresDialect) orderKey(expr string, desc, nullable bool) string {
	switch {
	case desc && nullable:
		return expr + " DESC NULLS LAST"
	case desc:
		return expr + " DESC"
	case nullable:
		return expr + " ASC NULLS FIRST"
	}
	return expr + " ASC"
}

// bulkSession lets a bulk load's commits return before their WAL is on
// disk (a crash loses the last batches, never consistency), and after
// the load gathers the tables' statistics, which the planner needs to
// use the indexes it should (autovacuum would, some time later).
func (postgresDialect) bulkSession(ctx context.Context, conn *sqlx.Conn) (func(), error) {
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		return nil, err
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		conn.ExecContext(ctx, `RESET synchronous_commit`)
		conn.ExecContext(ctx, `ANALYZE objects, containment, object_properties, acl_entries, acls, acl_readers, change_log, fulltext`)
	}, nil
}

func (postgresDialect) bulkWriter(tx *sqlx.Tx) bulkWriter { return newBatchTx(tx) }

// limit: no LIMIT at all is PostgreSQL's "no limit".
func (postgresDialect) limit(p cmis.Page) string {
	off := " OFFSET " + strconv.FormatInt(p.SkipCount, 10)
	if p.MaxItems < 0 {
		return off
	}
	return " LIMIT " + strconv.FormatInt(p.MaxItems, 10) + off
}

// readySkip: with a large OFFSET the planner costs each row's probes (the
// object, its ACL entries) as disk reads and swaps the index walk for a
// hash or merge join of every candidate with every entry the reader's
// principals have (600,000 of them for a group that reads half the
// store), then a sort, in parallel workers, and compiles that plan (JIT):
// a second or more where walking the index and probing 50,000 rows takes
// a third of it. The settings last to the end of the read transaction
// (set_config's true: SET LOCAL), all four in one round trip.
func (postgresDialect) readySkip(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
		set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)`)
	return err
}

// explain returns EXPLAIN's lines.
func (postgresDialect) explain(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) ([]string, error) {
	if ctx.Value(indexedPlanKey{}) != nil {
		for _, set := range []string{`SET LOCAL enable_seqscan = off`, `SET LOCAL enable_sort = off`, `SET LOCAL enable_incremental_sort = off`} {
			if _, err := tx.ExecContext(ctx, set); err != nil {
				return nil, err
			}
		}
	}
	var plan []string
	if err := tx.SelectContext(ctx, &plan, "EXPLAIN "+stmt, args...); err != nil {
		return nil, err
	}
	return plan, nil
}

// snapshot: a PostgreSQL database is backed up with PostgreSQL's tools.
func (d *postgresDialect) snapshot(context.Context, *sqlx.DB, string) error {
	return cmis.Errorf(cmis.ErrNotSupported, "a store on %s is backed up with pg_dump (and a copy of the content directory), not by cmisd", d.engine())
}

// checkIntegrity: PostgreSQL keeps its constraints as it writes; a page
// it cannot read fails the query that reads it. One cheap read of every
// table shows the schema is whole.
func (postgresDialect) checkIntegrity(ctx context.Context, db *sqlx.DB) ([]string, error) {
	var out []string
	for _, t := range []string{"repositories", "types", "property_definitions", "contents", "objects", "containment",
		"object_properties", "object_secondary_types", "users", "groups", "group_members", "acl_entries",
		"acls", "acl_readers", "applied_policies", "change_log", "fulltext", "cache_generation"} {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM `+t+` LIMIT 1) x`); err != nil {
			out = append(out, fmt.Sprintf("table %s: %v", t, err))
		}
	}
	return out, nil
}
