package storage

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"io"
)

// A read transaction on SQLite is opened by the cache generation's own
// statement instead of BEGIN: SQLite keeps an implicit read transaction,
// one snapshot of the WAL, for as long as any statement of the connection
// is in progress, and every statement of the connection reads in it. The
// generation statement stepped to its row and left there holds the
// snapshot; Commit or Rollback resets it, which ends it. This spares a
// read request BEGIN and ROLLBACK (an exec each, prepared anew every
// time) and its generation statement: a read snapshot costs one
// statement, the one it needed anyway. The guarantees are BEGIN's: one
// snapshot for the permission check and the read, and the caches
// validated in it (cache.go).

// snapshotKey marks the context of a BeginTx that opens a read scope:
// the generation its snapshot reads goes into the scope (Read).
type snapshotKey struct{}

// snapshotTx is a read-only transaction held open by a statement in
// progress.
type snapshotTx struct{ holder sqldriver.Rows }

func (t snapshotTx) Commit() error   { return t.holder.Close() }
func (t snapshotTx) Rollback() error { return t.holder.Close() }

// BeginTx opens a read-only transaction with the generation statement
// (above); any other with BEGIN.
func (c countingSQLiteConn) BeginTx(ctx context.Context, opts sqldriver.TxOptions) (sqldriver.Tx, error) {
	if !opts.ReadOnly || sql.IsolationLevel(opts.Isolation) != sql.LevelDefault {
		return c.SQLiteConn.BeginTx(ctx, opts)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.stats.sent.Add(1)
	observe(ctx, generationQuery)
	// Without the request's context: its cancellation must not interrupt
	// the statement that holds the snapshot; the transaction's end (or
	// database/sql's rollback at cancellation) resets it.
	holder, err := c.SQLiteConn.QueryContext(context.Background(), generationQuery, nil)
	if err != nil {
		return c.SQLiteConn.BeginTx(ctx, opts) // a store not migrated yet
	}
	row := make([]sqldriver.Value, 1)
	if err := holder.Next(row); err != nil {
		holder.Close()
		if err == io.EOF {
			return c.SQLiteConn.BeginTx(ctx, opts) // no row: nothing holds a snapshot
		}
		return nil, err
	}
	if sc, ok := ctx.Value(snapshotKey{}).(*scope); ok {
		if gen, ok := row[0].(int64); ok {
			sc.gen, sc.genKnown = gen, true
		}
	}
	return snapshotTx{holder}, nil
}
