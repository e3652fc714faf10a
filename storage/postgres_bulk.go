package storage

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"strings"
	"unicode"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// batchTx is a bulk load's transaction on PostgreSQL: it holds back each
// single-row INSERT … VALUES (…) and sends many rows of one statement in
// one multi-row INSERT, which saves a round trip per row (a million
// documents are some ten million rows). Batches go out in the order their
// statements were first used, which is the order of the foreign keys
// (objects before the containment, ACL and property rows that point at
// them), and all of them whenever one is full, before any other
// statement and at commit.
type batchTx struct {
	tx      *sqlx.Tx
	batches []*insertBatch // in first-use order
	byText  map[string]*insertBatch
	n       int
}

// insertBatch is the rows held back for one INSERT statement.
type insertBatch struct {
	head  string // "INSERT INTO t (a, b) VALUES "
	tuple string // "(?, ?)"
	width int    // placeholders in tuple
	rows  int
	args  []any
}

// maxBatchArgs keeps a statement under PostgreSQL's 65,535 parameters;
// maxBatchRows keeps statements short enough to plan quickly.
const (
	maxBatchArgs = 60000
	maxBatchRows = 1000
)

func newBatchTx(tx *sqlx.Tx) *batchTx {
	return &batchTx{tx: tx, byText: map[string]*insertBatch{}}
}

// splitInsert cuts "INSERT … VALUES (…)" into its head and its one tuple;
// ok is false for any other statement.
func splitInsert(q string) (head, tuple string, ok bool) {
	if !strings.HasPrefix(strings.TrimSpace(q), "INSERT INTO ") {
		return "", "", false
	}
	i := strings.LastIndex(q, "VALUES")
	if i < 1 || !unicode.IsSpace(rune(q[i-1])) {
		return "", "", false
	}
	tuple = strings.TrimSpace(q[i+len("VALUES"):])
	if !strings.HasPrefix(tuple, "(") || !strings.HasSuffix(tuple, ")") || strings.Contains(tuple, "SELECT") {
		return "", "", false
	}
	return q[:i] + "VALUES ", tuple, true
}

func (b *batchTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	bt, ok := b.byText[q]
	if !ok {
		head, tuple, isInsert := splitInsert(q)
		if !isInsert || strings.Count(tuple, "?") != len(args) {
			if err := b.flush(ctx); err != nil {
				return nil, err
			}
			b.n++
			return b.tx.ExecContext(ctx, q, args...)
		}
		bt = &insertBatch{head: head, tuple: tuple, width: len(args)}
		b.byText[q] = bt
		b.batches = append(b.batches, bt)
	}
	bt.args = append(bt.args, args...)
	bt.rows++
	b.n++
	if bt.rows >= maxBatchRows || len(bt.args)+bt.width > maxBatchArgs {
		if err := b.flush(ctx); err != nil {
			return nil, err
		}
	}
	return sqldriver.RowsAffected(1), nil
}

// flush sends every batch held back, in first-use order.
func (b *batchTx) flush(ctx context.Context) error {
	for _, bt := range b.batches {
		if bt.rows == 0 {
			continue
		}
		var q strings.Builder
		q.WriteString(bt.head)
		for i := 0; i < bt.rows; i++ {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(bt.tuple)
		}
		if _, err := b.tx.ExecContext(ctx, q.String(), bt.args...); err != nil {
			if (postgresDialect{}).isUniqueViolation(err) {
				// The unique keys a load can hit are names: a folder's
				// path, a name in a folder (ids are random).
				return cmis.Errorf(cmis.ErrNameConstraintViolation, "bulk load: a name is taken: %v", err)
			}
			return err
		}
		bt.rows, bt.args = 0, bt.args[:0]
	}
	return nil
}

func (b *batchTx) reader() *sqlx.Tx { return b.tx }
func (b *batchTx) rows() int        { return b.n }

func (b *batchTx) commit(ctx context.Context) error {
	if err := b.flush(ctx); err != nil {
		_ = b.tx.Rollback()
		return err
	}
	return b.tx.Commit()
}

func (b *batchTx) rollback() { _ = b.tx.Rollback() }
