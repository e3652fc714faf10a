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
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
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
	rdb, err := sqlx.Open(sqliteReader, dsn)
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
	s := &DB{db: rdb, wdb: wdb, dialect: sqliteDialect{}, now: time.Now, content: content, cursors: newCursorCache()}
	s.SetLimits(opt.MaxCount, opt.QueryTimeout)
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
// large file; at a million documents this halves their time.
const sqliteReader = "sqlite3-cmisd-reader"

func init() {
	sql.Register(sqliteReader, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(`PRAGMA mmap_size = 2147483648`, nil)
		return err
	}})
	sqlx.BindDriver(sqliteReader, sqlx.QUESTION)
}

type sqliteDialect struct{}

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

// textQuery writes a CMIS text search in FTS5's query language: each word
// and phrase quoted (so no user text is FTS5 syntax), terms ANDed, NOT
// for negation, conjuncts ORed.
func (sqliteDialect) textQuery(ts *query.TextSearch) (string, error) {
	var ors []string
	for _, c := range ts.Conjuncts {
		var pos, neg []string
		for _, t := range c.Terms {
			q := `"` + strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`) + `"`
			if t.Negated {
				neg = append(neg, q)
			} else {
				pos = append(pos, q)
			}
		}
		if len(pos) == 0 {
			return "", cmis.Errorf(cmis.ErrInvalidArgument, "CONTAINS: a part of the search has only negated terms")
		}
		expr := strings.Join(pos, " AND ")
		for _, n := range neg {
			expr = "(" + expr + ") NOT " + n
		}
		ors = append(ors, "("+expr+")")
	}
	return strings.Join(ors, " OR "), nil
}

func (sqliteDialect) textMatches(search string) string {
	return "SELECT object_id FROM fulltext WHERE fulltext MATCH " + search
}

// FTS5's bm25 rank is negative, lower the better.
func (sqliteDialect) textRanks(search string) string {
	return "SELECT object_id AS fts_id, bm25(fulltext) AS fts_rank FROM fulltext WHERE fulltext MATCH " + search
}

// FTS5 yields matches by rowid, and ranked (ORDER BY rank: bm25, as
// textRanks) with a sort of its own inside the virtual table; either way
// a LIMIT stops the query once its page is full. object_id is a stored
// column of the index.
func (sqliteDialect) textSource(table, search string) textSource {
	return textSource{from: " FROM fulltext JOIN objects " + table + " ON " + table + ".id = fulltext.object_id",
		candidates: " FROM fulltext WHERE fulltext MATCH " + search,
		match:      "fulltext MATCH " + search, rank: "fulltext.rank", order: "fulltext.rowid"}
}

func (sqliteDialect) textScore(rank string) string {
	return "(CASE WHEN " + rank + " IS NULL THEN 0.0 ELSE (-" + rank + ") / (1.0 - " + rank + ") END)"
}

// limit: SQLite spells "no limit" -1.
func (sqliteDialect) limit(p cmis.Page) string {
	return " LIMIT " + strconv.FormatInt(max(p.MaxItems, -1), 10) + " OFFSET " + strconv.FormatInt(p.SkipCount, 10)
}

// explain collects the detail column of EXPLAIN QUERY PLAN's rows.
func (sqliteDialect) explain(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) ([]string, error) {
	rows, err := tx.QueryxContext(ctx, "EXPLAIN QUERY PLAN "+stmt, args...)
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
