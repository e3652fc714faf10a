package storage

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// prepareCopy makes the change log keep the tokens a copy inserts (see
// migrations/postgres/0007_change_log_order.sql), for the copy's
// transaction only.
func (postgresDialect) prepareCopy(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT set_config('cmisd.keep_tokens', 'on', true)`)
	return err
}

// finishCopy tells the change log's identity column about the tokens the
// copy inserted, so that the next event follows the last copied one.
func (postgresDialect) finishCopy(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('change_log', 'token'),
		COALESCE((SELECT MAX(token) FROM change_log), 0) + 1, false)`)
	return err
}
