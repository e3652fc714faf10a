package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/jmoiron/sqlx"
)

// SQLite's full-text index: an FTS5 table holds, per object, the text
// of its name and string properties (props) and of its content (body),
// in builds with FTS5 (the sqlite_fts5 tag, fullTextBuilt).
//
// FTS5 finds a row quickly only by its rowid (its other columns are not
// indexed: an UPDATE keyed by object_id reads the whole index, half a
// second at a million documents), so fulltext_rows maps object ids to
// rowids.

func (sqliteDialect) fullText() bool { return fullTextBuilt }

// ensureFullText creates the index on first use and fills it for the
// objects already stored.
func (sqliteDialect) ensureFullText(ctx context.Context, s *DB) error {
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

func (d sqliteDialect) setProps(ctx context.Context, tx *sqlx.Tx, id, text string) error {
	return d.setText(ctx, tx, id, "props", text)
}

func (d sqliteDialect) setBody(ctx context.Context, tx *sqlx.Tx, id, text string) error {
	return d.setText(ctx, tx, id, "body", text)
}

// setText sets one column (props or body) of an object's row.
func (d sqliteDialect) setText(ctx context.Context, tx *sqlx.Tx, id, column, text string) error {
	row, err := d.ftsRow(ctx, tx, id)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE fulltext SET `+column+` = ? WHERE rowid = ?`, text, row)
	return err
}

func (d sqliteDialect) copyBody(ctx context.Context, tx *sqlx.Tx, from, to string) error {
	src, err := d.ftsRow(ctx, tx, from)
	if err != nil {
		return err
	}
	dst, err := d.ftsRow(ctx, tx, to)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE fulltext SET body = (SELECT body FROM fulltext WHERE rowid = ?) WHERE rowid = ?`, src, dst)
	return err
}

// ftsRow returns the rowid of an object's full-text row, making the row
// (empty) if there is none.
func (d sqliteDialect) ftsRow(ctx context.Context, tx *sqlx.Tx, id string) (int64, error) {
	var row int64
	err := tx.GetContext(ctx, &row, `SELECT rowid FROM fulltext_rows WHERE object_id = ?`, id)
	if err == nil {
		return row, nil
	}
	if !isNoRows(err) {
		return 0, err
	}
	return d.newRow(ctx, tx, id, "", "")
}

// addRow makes a new object's full-text row: a rowid in fulltext_rows,
// which keys its row in fulltext.
func (d sqliteDialect) addRow(ctx context.Context, tx execer, id, props, body string) error {
	_, err := d.newRow(ctx, tx, id, props, body)
	return err
}

func (sqliteDialect) newRow(ctx context.Context, tx execer, id, props, body string) (int64, error) {
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

func (sqliteDialect) removeRows(ctx context.Context, tx *sqlx.Tx, ids []string) error {
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

// textQuery writes a CMIS text search in FTS5's query language: each word
// and phrase quoted (so no user text is FTS5 syntax), terms ANDed, NOT
// for negation, conjuncts ORed.
func (sqliteDialect) textQuery(ts *query.TextSearch) (string, error) {
	var ors []string
	for _, c := range ts.Conjuncts {
		var pos, neg []string
		for _, t := range c.Terms {
			q := `"` + strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`) + `"`
			if t.Negated {
				neg = append(neg, q)
			} else {
				pos = append(pos, q)
			}
		}
		if len(pos) == 0 {
			return "", errOnlyNegated
		}
		expr := strings.Join(pos, " AND ")
		for _, n := range neg {
			expr = "(" + expr + ") NOT " + n
		}
		ors = append(ors, "("+expr+")")
	}
	return strings.Join(ors, " OR "), nil
}

// errOnlyNegated: a conjunct of a text search must find something before
// it can leave things out.
var errOnlyNegated = cmis.Errorf(cmis.ErrInvalidArgument, "CONTAINS: a part of the search has only negated terms")

func (sqliteDialect) textMatch(id, search string) string {
	return id + " IN (SELECT object_id FROM fulltext WHERE fulltext MATCH " + search + ")"
}

// FTS5's bm25 rank is negative, lower the better.
func (sqliteDialect) textRanks(search string) string {
	return "SELECT object_id AS fts_id, bm25(fulltext) AS fts_rank FROM fulltext WHERE fulltext MATCH " + search
}

// FTS5 yields matches by rowid, and ranked (ORDER BY rank: bm25, as
// textRanks) with a sort of its own inside the virtual table; either way
// a LIMIT stops the query once its page is full. object_id is a stored
// column of the index.
func (sqliteDialect) textSource(table, search string, _ textOrder) textSource {
	return textSource{from: " FROM fulltext JOIN objects " + table + " ON " + table + ".id = fulltext.object_id",
		candidates: " FROM fulltext WHERE fulltext MATCH " + search,
		match:      "fulltext MATCH " + search, rank: "fulltext.rank", order: "fulltext.rowid"}
}

func (sqliteDialect) textScore(rank string) string {
	return "(CASE WHEN " + rank + " IS NULL THEN 0.0 ELSE (-" + rank + ") / (1.0 - " + rank + ") END)"
}
