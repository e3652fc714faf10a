package storage

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// resetSequences tells the identity columns of the change log and of
// the ACLs about the keys a copy inserted with their values given, so
// that the next event or ACL follows the last copied one.
func (postgresDialect) resetSequences(ctx context.Context, tx *sqlx.Tx) error {
	for _, c := range [][2]string{{"change_log", "token"}, {"acls", "id"}} {
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+c[0]+`', '`+c[1]+`'),
			COALESCE((SELECT MAX(`+c[1]+`) FROM `+c[0]+`), 0) + 1, false)`); err != nil {
			return err
		}
	}
	return nil
}
