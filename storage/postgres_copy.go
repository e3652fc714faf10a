package storage

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// resetSequences tells the change log's identity column about the tokens
// a copy inserted with their values given, so that the next event
// follows the last copied one.
func (postgresDialect) resetSequences(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('change_log', 'token'),
		COALESCE((SELECT MAX(token) FROM change_log), 0) + 1, false)`)
	return err
}
