package storage

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Full-text search: an FTS5 table holds, per object, the text of its
// name and string properties (props) and of its content (body). Rows
// change in the transaction that changes the object; content text is
// extracted from the durably written file before that transaction starts.
//
// FTS5 finds a row quickly only by its rowid (its other columns are not
// indexed: an UPDATE keyed by object_id reads the whole index, half a
// second at a million documents), so fulltext_rows maps object ids to
// rowids.

// maxIndexedText bounds the content text indexed per document.
const maxIndexedText = 4 << 20

// FullText reports whether this store can search text (CONTAINS).
func (s *DB) FullText() bool { return fullTextBuilt }

// ensureFullText creates the index on first use and fills it for the
// objects already stored.
func (s *DB) ensureFullText(ctx context.Context) error {
	if !fullTextBuilt {
		return nil
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM sqlite_master WHERE name IN ('fulltext', 'fulltext_rows')`); err != nil {
		return err
	}
	if n == 2 {
		return nil
	}
	var ids []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, stmt := range []string{
			`DROP TABLE IF EXISTS fulltext`, // an index from before fulltext_rows: rebuilt
			`CREATE VIRTUAL TABLE fulltext USING fts5(object_id UNINDEXED, props, body, tokenize = 'unicode61 remove_diacritics 2')`,
			`CREATE TABLE IF NOT EXISTS fulltext_rows (rowid INTEGER PRIMARY KEY, object_id TEXT NOT NULL UNIQUE)`,
			`DELETE FROM fulltext_rows`,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("full-text index: %w", err)
			}
		}
		return tx.SelectContext(ctx, &ids, `SELECT id FROM objects`)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.reindex(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// reindex rebuilds one object's row (start-up backfill).
func (s *DB) reindex(ctx context.Context, id string) error {
	var contentID, mimeType *string
	var length *int64
	if err := s.db.QueryRowxContext(ctx, `SELECT o.content_id, ct.mime_type, ct.length FROM objects o LEFT JOIN contents ct ON ct.id = o.content_id
		WHERE o.id = ?`, id).Scan(&contentID, &mimeType, &length); err != nil {
		return err
	}
	body := ""
	if contentID != nil && mimeType != nil && length != nil {
		body = s.contentText(ctx, &cmis.StoredContent{ID: *contentID, Length: *length}, *mimeType)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := indexProps(ctx, tx, id); err != nil {
			return err
		}
		return indexBody(ctx, tx, id, body)
	})
}

// textual reports whether content of a MIME type is worth indexing as text.
func textual(mimeType string) bool {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/xml" || mt == "application/json" ||
		strings.HasSuffix(mt, "+xml") || strings.HasSuffix(mt, "+json")
}

// contentText is the indexable text of a stored stream: textual content,
// valid UTF-8 only, at most maxIndexedText bytes.
func (s *DB) contentText(ctx context.Context, st *cmis.StoredContent, mimeType string) string {
	if !fullTextBuilt || !textual(mimeType) {
		return ""
	}
	r, err := s.content.Open(ctx, st.ID, 0, min(st.Length, maxIndexedText))
	if err != nil {
		return ""
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil || !utf8.Valid(b) {
		return ""
	}
	return string(b)
}

// indexProps sets an object's props text from its current name,
// description and string-like property values.
func indexProps(ctx context.Context, tx *sqlx.Tx, id string) error {
	if !fullTextBuilt {
		return nil
	}
	var name string
	var desc *string
	if err := tx.QueryRowxContext(ctx, `SELECT name, description FROM objects WHERE id = ?`, id).Scan(&name, &desc); err != nil {
		return err
	}
	var vals []string
	if err := tx.SelectContext(ctx, &vals, `SELECT value_text FROM object_properties WHERE object_id = ? AND property_type = 'string'
		AND value_text IS NOT NULL ORDER BY property_id, position`, id); err != nil {
		return err
	}
	row, err := ftsRow(ctx, tx, id)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE fulltext SET props = ? WHERE rowid = ?`, propsText(name, desc, vals), row)
	return err
}

// propsText is the props text of an object: its name, description and
// string values (ordered by property id, then position).
func propsText(name string, desc *string, values []string) string {
	parts := append(make([]string, 0, 2+len(values)), name)
	if desc != nil {
		parts = append(parts, *desc)
	}
	return strings.Join(append(parts, values...), "\n")
}

// ftsRow returns the rowid of an object's full-text row, making the row
// (empty) if there is none.
func ftsRow(ctx context.Context, tx *sqlx.Tx, id string) (int64, error) {
	var row int64
	err := tx.GetContext(ctx, &row, `SELECT rowid FROM fulltext_rows WHERE object_id = ?`, id)
	if err == nil {
		return row, nil
	}
	if !isNoRows(err) {
		return 0, err
	}
	return newFTSRow(ctx, tx, id, "", "")
}

// newFTSRow makes an object's full-text row: a rowid in fulltext_rows,
// which keys its row in fulltext.
func newFTSRow(ctx context.Context, tx execer, id, props, body string) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO fulltext_rows (object_id) VALUES (?)`, id)
	if err != nil {
		return 0, err
	}
	row, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO fulltext (rowid, object_id, props, body) VALUES (?, ?, ?, ?)`, row, id, props, body)
	return row, err
}

// indexBody sets an object's content text.
func indexBody(ctx context.Context, tx *sqlx.Tx, id, body string) error {
	if !fullTextBuilt {
		return nil
	}
	row, err := ftsRow(ctx, tx, id)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE fulltext SET body = ? WHERE rowid = ?`, body, row)
	return err
}

// copyBody gives object to the content text of object from (a working
// copy shares its document's content).
func copyBody(ctx context.Context, tx *sqlx.Tx, from, to string) error {
	if !fullTextBuilt {
		return nil
	}
	src, err := ftsRow(ctx, tx, from)
	if err != nil {
		return err
	}
	dst, err := ftsRow(ctx, tx, to)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE fulltext SET body = (SELECT body FROM fulltext WHERE rowid = ?) WHERE rowid = ?`, src, dst)
	return err
}

// unindex drops objects' rows.
func unindex(ctx context.Context, tx *sqlx.Tx, ids []string) error {
	if !fullTextBuilt || len(ids) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`DELETE FROM fulltext WHERE rowid IN (SELECT rowid FROM fulltext_rows WHERE object_id IN (?))`, ids)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	q, args, err = sqlx.In(`DELETE FROM fulltext_rows WHERE object_id IN (?)`, ids)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return err
}
