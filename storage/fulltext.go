package storage

import (
	"context"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/jmoiron/sqlx"
)

// Full-text search: per object, the text of its name, description and
// string properties (props) and of its content (body), in the dialect's
// index (sqlite_fulltext.go, postgres_fulltext.go). Rows change in the
// transaction that changes the object; content text is extracted from
// the durably written stream before that transaction starts.

// textIndex is a dialect's full-text index.
type textIndex interface {
	// fullText reports whether the index exists in this build.
	fullText() bool
	// ensureFullText readies the index at start-up.
	ensureFullText(ctx context.Context, s *DB) error
	// setProps and setBody replace an object's props or body text;
	// copyBody gives to the body of from.
	setProps(ctx context.Context, tx *sqlx.Tx, id, text string) error
	setBody(ctx context.Context, tx *sqlx.Tx, id, text string) error
	copyBody(ctx context.Context, tx *sqlx.Tx, from, to string) error
	// addRow makes a new object's row (bulk loads).
	addRow(ctx context.Context, tx execer, id, props, body string) error
	// removeRows drops objects' rows.
	removeRows(ctx context.Context, tx *sqlx.Tx, ids []string) error

	// Full-text search in queries (CONTAINS, SCORE()); search is the
	// placeholder of textQuery's result.
	//
	// textQuery writes a CMIS text search in the database's language.
	textQuery(ts *query.TextSearch) (string, error)
	// textMatch is the condition that the object whose id is the SQL
	// expression id matches.
	textMatch(id, search string) string
	// textRanks is a subquery of (fts_id, fts_rank): the objects that
	// match and how well, which textScore maps onto [0, 1).
	textRanks(search string) string
	textScore(rank string) string
	// textSource is the text index driving a query's rows (the text
	// path): its join with the objects aliased table, the match on the
	// placeholder search, the rank of a row, and the index's own order.
	// Ordered by rank or in its own order (by), the engine must yield
	// rows without ranking or sorting every match in the query.
	textSource(table, search string, by textOrder) textSource
}

// textOrder is the order a text path reads its matches in.
type textOrder int

const (
	textByIndex    textOrder = iota // the index's own order
	textByRank                      // best first: lowest rank first
	textByRankLast                  // worst first: highest rank first
	// textByRankOneWord is textByRank for a search of one word (one
	// lexeme, not negated), where the rank counts the word's occurrences
	// alone: a dialect may read it in parts (textSource.then).
	textByRankOneWord
)

// textSource is a dialect's text index as the driver of a query.
type textSource struct {
	from       string // " FROM … JOIN objects <table> ON …"
	candidates string // " FROM … WHERE …": the matches, from the index alone
	match      string // the condition that rows match the search
	rank       string // lower ranks first
	order      string // the index's own order ("": the order its rows are read in, see rowOrder)
	tie        string // breaks ties of rank ("": the index's rank order is total)
	// filters, if not "", is the alias of the match's row, which
	// carries its object's repository_id, acl_id and listed_type (as a
	// filing does): the reader's access is tested there, and when that
	// and the listed type are all a query tests, the rows are read
	// without their objects, from matches (" FROM … ").
	filters, matches string
	// estimated: counting the candidates reads each one's row, and the
	// engine can estimate them (compiledQuery.estimated).
	estimated bool
	// rowOrder: the rows come in the order the engine reads the table's
	// rows in, which no ORDER BY asks (dialect.readyRowOrder keeps it
	// the same from one page to the next).
	rowOrder bool
	// then, if not nil, yields the matches that follow these in the
	// order asked, and these are not all of them: a query read in parts
	// (compiledQuery.next).
	then *textSource
}

// maxIndexedText bounds the content text indexed per document.
const maxIndexedText = 4 << 20

// FullText reports whether this store can search text (CONTAINS).
func (s *DB) FullText() bool { return s.dialect.fullText() }

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
		if err := s.indexProps(ctx, tx, id); err != nil {
			return err
		}
		return s.indexBody(ctx, tx, id, body)
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
	if !s.FullText() || !textual(mimeType) {
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
func (s *DB) indexProps(ctx context.Context, tx *sqlx.Tx, id string) error {
	if !s.FullText() {
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
	return s.dialect.setProps(ctx, tx, id, propsText(name, desc, vals))
}

// indexNew makes a new object's row from what it was created with (the
// values just inserted, as indexProps would read them back) and its
// content text: one row written, nothing read. An object no CONTAINS
// can reach (textSearched) gets none: a folder's row cost a third of
// createFolder's WAL pages.
func (s *DB) indexNew(ctx context.Context, tx *sqlx.Tx, o *cmis.Object, body string) error {
	if !s.FullText() {
		return nil
	}
	if ok, err := s.textSearched(ctx, o.RepositoryID, o.TypeID); err != nil || !ok {
		return err
	}
	return s.dialect.addRow(ctx, tx, o.ID, propsText(o.Name, o.Description, stringValues(o.Properties)), body)
}

// textSearched reports whether a CONTAINS can find objects of a type: a
// query may apply CONTAINS only to a fulltext-indexed type, and it finds
// the objects of that type's subtypes too, so an object needs a row if
// its type or an ancestor is fulltext-indexed (every document: the base
// type is). From the type cache.
func (s *DB) textSearched(ctx context.Context, repo, typeID string) (bool, error) {
	for typeID != "" {
		t, err := s.Type(ctx, repo, typeID)
		if err != nil {
			return false, err
		}
		if t.FulltextIndexed {
			return true, nil
		}
		typeID = t.ParentID
	}
	return false, nil
}

// indexTypeObjects gives the objects of a type and its subtypes their
// props rows, when the type has just become fulltext-indexed: objects
// created before had none (indexNew). Rows that exist are rewritten with
// the same text; content text is there already (documents always have a
// row).
func (s *DB) indexTypeObjects(ctx context.Context, tx *sqlx.Tx, repo, typeID string) error {
	if !s.FullText() {
		return nil
	}
	var ids []string
	if err := tx.SelectContext(ctx, &ids, `WITH RECURSIVE sub (id) AS (SELECT id FROM types WHERE repository_id = ? AND id = ?
			UNION SELECT t.id FROM types t JOIN sub ON t.repository_id = ? AND t.parent_id = sub.id)
		SELECT o.id FROM objects o WHERE o.repository_id = ? AND o.type_id IN (SELECT id FROM sub)`,
		repo, typeID, repo, repo); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.indexProps(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
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

// indexBody sets an object's content text.
func (s *DB) indexBody(ctx context.Context, tx *sqlx.Tx, id, body string) error {
	if !s.FullText() {
		return nil
	}
	return s.dialect.setBody(ctx, tx, id, body)
}

// copyBody gives object to the content text of object from (a working
// copy shares its document's content).
func (s *DB) copyBody(ctx context.Context, tx *sqlx.Tx, from, to string) error {
	if !s.FullText() {
		return nil
	}
	return s.dialect.copyBody(ctx, tx, from, to)
}

// unindex drops objects' rows.
func (s *DB) unindex(ctx context.Context, tx *sqlx.Tx, ids []string) error {
	if !s.FullText() || len(ids) == 0 {
		return nil
	}
	return s.dialect.removeRows(ctx, tx, ids)
}
