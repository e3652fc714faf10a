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

// Statements returns how many statements the store has sent to the
// database since it opened: every query and every other statement,
// counted when it is sent.
func (s *DB) Statements() int64 { return s.statements.Load() }

// sqliteConnector opens go-sqlite3 connections that count statements.
type sqliteConnector struct {
	driver *sqlite3.SQLiteDriver
	dsn    string
	n      *atomic.Int64
}

func (c sqliteConnector) Connect(context.Context) (sqldriver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countingSQLiteConn{SQLiteConn: conn.(*sqlite3.SQLiteConn), n: c.n}, nil
}

func (c sqliteConnector) Driver() sqldriver.Driver { return c.driver }

// countingSQLiteConn is a go-sqlite3 connection, everything it offers
// database/sql kept, that counts the statements run on it.
type countingSQLiteConn struct {
	*sqlite3.SQLiteConn
	n *atomic.Int64
}

func (c countingSQLiteConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	c.n.Add(1)
	return c.SQLiteConn.QueryContext(ctx, query, args)
}

func (c countingSQLiteConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	c.n.Add(1)
	return c.SQLiteConn.ExecContext(ctx, query, args)
}

// openSQLite is a pool of go-sqlite3 connections (d) to dsn whose
// statements count in n.
func openSQLite(d *sqlite3.SQLiteDriver, dsn string, n *atomic.Int64) *sql.DB {
	return sql.OpenDB(sqliteConnector{driver: d, dsn: dsn, n: n})
}
