package storage

import (
	"context"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
)

// What the operator's tools (backup, check, the status page) need of the
// database. Each reads without holding a transaction for long, so that
// they can run beside a server.

// Snapshot writes a consistent copy of the whole database, as of one
// moment, into a new file at path (SQLite: VACUUM INTO, one read
// transaction; writers go on meanwhile). A PostgreSQL store is backed up
// with PostgreSQL's own tools: notSupported.
func (s *DB) Snapshot(ctx context.Context, path string) error {
	if err := s.dialect.snapshot(ctx, s.db, path); err != nil {
		return fmt.Errorf("snapshot into %s: %w", path, err)
	}
	return nil
}

// contentRefsPage is how many contents rows one read of ContentRefs takes.
const contentRefsPage = 1000

// ContentRefs calls fn with every content stream the database describes
// (id, length, SHA-256), in id order. It reads a page at a time, each in
// its own snapshot: on a live store a stream added meanwhile may be
// missed, and one deleted meanwhile may be seen.
func (s *DB) ContentRefs(ctx context.Context, fn func(cmis.ContentInfo) error) error {
	after := ""
	for {
		var rows []struct {
			ID     string `db:"id"`
			Length int64  `db:"length"`
			SHA256 string `db:"sha256"`
		}
		if err := s.db.SelectContext(ctx, &rows, `SELECT id, length, sha256 FROM contents WHERE id > ? ORDER BY id LIMIT ?`,
			after, contentRefsPage); err != nil {
			return fmt.Errorf("content references: %w", err)
		}
		for _, r := range rows {
			if err := fn(cmis.ContentInfo{ID: r.ID, Length: r.Length, SHA256: r.SHA256}); err != nil {
				return err
			}
		}
		if len(rows) < contentRefsPage {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// CheckIntegrity asks the database to check itself (SQLite's
// integrity_check and foreign_key_check; PostgreSQL checks as it writes)
// and returns what it found, one readable line each (none: sound).
func (s *DB) CheckIntegrity(ctx context.Context) ([]string, error) {
	return s.dialect.checkIntegrity(ctx, s.db)
}

// Engine names the database and its version (a dialect may say).
func (s *DB) Engine() string {
	if e, ok := s.dialect.(interface{ engine() string }); ok {
		return e.engine()
	}
	return "SQL"
}

// Stats counts what the store holds.
func (s *DB) Stats(ctx context.Context) (cmis.StoreStats, error) {
	var st cmis.StoreStats
	err := s.db.QueryRowxContext(ctx, `SELECT (SELECT COUNT(*) FROM objects),
		(SELECT COUNT(*) FROM contents), (SELECT COALESCE(SUM(length), 0) FROM contents)`).
		Scan(&st.Objects, &st.ContentStreams, &st.ContentBytes)
	if err != nil {
		return st, fmt.Errorf("store stats: %w", err)
	}
	return st, nil
}
