package storage

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"
)

// The store counts the statements it sends to the database, so that a
// test can hold an operation to its number of round trips (a statement
// too many per object or per request is what makes a read slow) and an
// operator can see the rate. Transactions' BEGIN, COMMIT and ROLLBACK are
// not statements here: every operation has exactly one transaction.
//
// On SQLite it also counts the queries whose statement was prepared
// again. Each connection keeps its prepared statements (the DSN's
// _stmt_cache_size), but SQLite recompiles one whose plan may depend on
// the value bound to a parameter (sqlite3_bind: "the statement will be
// automatically recompiled") every time go-sqlite3 clears its bindings,
// that is at every use: the planner marks, for instance, an "o.id = ?"
// term of a join. The build's SQLITE_ENABLE_QPSG (Makefile, required by
// TestSQLiteBuild) keeps the planner from looking at bound values,
// so no statement is recompiled; the count is what shows a build without
// it (services' TestStatementsPerOperation fails there).

// observeStatement is what ObserveStatements set.
var observeStatement func(query string)

// ObserveStatements makes f see the text of every statement that the
// SQLite connections of every store run from now on, but a migration's
// (nil: none). It is for tests (storetest.CheckPlans explains each): set
// it before any store opens, and unset it when they are closed.
func ObserveStatements(f func(query string)) { observeStatement = f }

// migrating marks the context of a migration's statements, which rewrite
// whole tables on purpose and are not observed.
type migrating struct{}

// observe passes query to the observer, if any.
func observe(ctx context.Context, query string) {
	if observeStatement != nil && ctx.Value(migrating{}) == nil {
		observeStatement(query)
	}
}

// statementStats are what the connections count.
type statementStats struct {
	sent, reprepared atomic.Int64
}

// Statements returns how many statements the store has sent to the
// database since it opened: every query and every other statement,
// counted when it is sent.
func (s *DB) Statements() int64 { return s.stats.sent.Load() }

// Reprepared returns how many queries ran on a statement SQLite had to
// prepare again, since the store opened (SQLite; 0 on PostgreSQL): a
// query whose plan depends on its parameters' values, or more distinct
// queries than a connection's statement cache holds.
func (s *DB) Reprepared() int64 { return s.stats.reprepared.Load() }

// sqliteConnector opens go-sqlite3 connections that count statements.
type sqliteConnector struct {
	driver *sqlite3.SQLiteDriver
	dsn    string
	stats  *statementStats
}

func (c sqliteConnector) Connect(context.Context) (sqldriver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countingSQLiteConn{SQLiteConn: conn.(*sqlite3.SQLiteConn), stats: c.stats, columns: map[string]*string{}}, nil
}

func (c sqliteConnector) Driver() sqldriver.Driver { return c.driver }

// countingSQLiteConn is a go-sqlite3 connection, everything it offers
// database/sql kept, that counts the statements run on it.
type countingSQLiteConn struct {
	*sqlite3.SQLiteConn
	stats *statementStats
	// columns is, for each query run on the connection, its statement's
	// column names as go-sqlite3 keeps them: a statement prepared again
	// gets new ones. A connection serves one request at a time.
	columns map[string]*string
}

// maxTrackedQueries bounds columns; past it tracking starts over.
const maxTrackedQueries = 1024

func (c countingSQLiteConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	c.stats.sent.Add(1)
	observe(ctx, query)
	rows, err := c.SQLiteConn.QueryContext(ctx, query, args)
	if err != nil {
		return rows, err
	}
	if cols := rows.Columns(); len(cols) > 0 {
		if seen, ok := c.columns[query]; ok && seen != &cols[0] {
			c.stats.reprepared.Add(1)
		}
		if len(c.columns) >= maxTrackedQueries {
			clear(c.columns)
		}
		c.columns[query] = &cols[0]
	}
	return rows, nil
}

func (c countingSQLiteConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	if ctx.Value(txControl{}) == nil {
		c.stats.sent.Add(1)
		observe(ctx, query)
	}
	return c.SQLiteConn.ExecContext(ctx, query, args)
}

// txControl marks the context of a transaction-control statement that is
// not BEGIN, COMMIT or ROLLBACK (a shared commit's savepoints:
// groupcommit.go), which is not counted either.
type txControl struct{}

// openSQLite is a pool of go-sqlite3 connections (d) to dsn that count
// in stats.
func openSQLite(d *sqlite3.SQLiteDriver, dsn string, stats *statementStats) *sql.DB {
	return sql.OpenDB(sqliteConnector{driver: d, dsn: dsn, stats: stats})
}
