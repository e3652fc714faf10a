package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cmisd/cmisd/cmis"
)

// Change types of the change log (enumTypeOfChanges).
const (
	changeCreated  = "created"
	changeUpdated  = "updated"
	changeDeleted  = "deleted"
	changeSecurity = "security"
)

// logChanges records one event per object in the transaction making the
// change, so the log and the data never disagree, in the order the ids
// are given (a tree's documents before their folder, say), which is the
// order the log reports. For deletions it must run before the rows go.
func logChanges(ctx context.Context, tx execer, now int64, changeType string, ids ...string) error {
	// One statement per idBatch objects (an ACL propagated to a subtree
	// logs every object of it), the events in the order of ids.
	for batch := range slices.Chunk(ids, idBatch) {
		var values strings.Builder
		args := []any{changeType, now}
		for i, id := range batch {
			if i > 0 {
				values.WriteString(", ")
			}
			values.WriteString("(?, " + strconv.Itoa(i) + ")")
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO change_log (repository_id, object_id, change_type, change_time, type_id, base_type_id)
			SELECT o.repository_id, o.id, ?, ?, o.type_id, o.base_type_id FROM (VALUES `+values.String()+`) v
			JOIN objects o ON o.id = v.column1 ORDER BY v.column2`, args...); err != nil {
			return fmt.Errorf("change log: %w", err)
		}
	}
	return nil
}

// logCreated records the creation of o, whose row the caller has just
// written: its values are at hand, no need to read them back.
func logCreated(ctx context.Context, tx execer, now int64, o *cmis.Object) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO change_log (repository_id, object_id, change_type, change_time, type_id, base_type_id)
		VALUES (?, ?, ?, ?, ?, ?)`, o.RepositoryID, o.ID, changeCreated, now, o.TypeID, o.BaseTypeID); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	return nil
}

// ContentChanges returns change events from token on (inclusive; nil: from
// the start of the log), at most max of them, and the token to resume
// from.
func (s *DB) ContentChanges(ctx context.Context, repo string, token *int64, max int64) ([]cmis.ChangeEvent, string, bool, error) {
	var out []cmis.ChangeEvent
	from := int64(0)
	if token != nil {
		from = *token
	}
	// One more than asked tells whether more follow: the log is not counted.
	rows, err := s.queryer(ctx).QueryxContext(ctx, `SELECT token, object_id, change_type, change_time, type_id, base_type_id
		FROM change_log WHERE repository_id = ? AND token >= ? ORDER BY token`+s.dialect.limit(cmis.Page{MaxItems: max + 1}), repo, from)
	if err != nil {
		return nil, "", false, fmt.Errorf("content changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e cmis.ChangeEvent
		var ms int64
		if err := rows.Scan(&e.Token, &e.ObjectID, &e.ChangeType, &ms, &e.TypeID, &e.BaseTypeID); err != nil {
			return nil, "", false, err
		}
		e.ChangeTime = msTime(ms)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", false, err
	}
	more := int64(len(out)) > max
	if more {
		out = out[:max]
	}
	next := from
	if len(out) > 0 {
		next = out[len(out)-1].Token + 1
	}
	return out, strconv.FormatInt(next, 10), more, nil
}

// ChangeLogState is what repository info says about the log. It is read
// only there: every other operation checks the repository with one
// statement.
func (s *DB) ChangeLogState(ctx context.Context, repo string) (latest string, incomplete bool, err error) {
	// Scanned by hand: a struct scanned by sqlx costs twenty allocations
	// of a getRepositoryInfo's 134.
	var token sql.NullInt64
	var complete bool
	if err := s.queryer(ctx).QueryRowxContext(ctx, `SELECT (SELECT MAX(token) FROM change_log WHERE repository_id = r.id),
		r.changes_complete FROM repositories r WHERE r.id = ?`, repo).Scan(&token, &complete); err != nil {
		return "", false, fmt.Errorf("change log of %q: %w", repo, err)
	}
	latest = "0"
	if token.Valid {
		latest = strconv.FormatInt(token.Int64, 10)
	}
	return latest, !complete, nil
}
