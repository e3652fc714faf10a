package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis/query"
	"github.com/jmoiron/sqlx"
	"golang.org/x/text/unicode/norm"
)

// PostgreSQL's full-text index: the table fulltext (migration 0007) holds
// per object two tsvectors, of its props and of its body, and a GIN index
// on their concatenation serves CONTAINS.
//
// The vectors are made here, not by to_tsvector: textTokens cuts text the
// way SQLite's FTS5 unicode61 tokenizer (remove_diacritics 2) does, and
// the lexemes go to PostgreSQL as a tsvector literal, so that a search
// finds the same objects on both engines whatever the database's text
// search configuration and locale. Queries are tsquery literals made of
// the same lexemes.

func (postgresDialect) fullText() bool { return true }

// ensureFullText: the table is migration 0007's.
func (postgresDialect) ensureFullText(context.Context, *DB) error { return nil }

func (postgresDialect) setProps(ctx context.Context, tx *sqlx.Tx, id, text string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fulltext (object_id, props) VALUES (?, CAST(CAST(? AS TEXT) AS tsvector))
		ON CONFLICT (object_id) DO UPDATE SET props = excluded.props`, id, tsvector(text, 1))
	return err
}

// setBody numbers the body's lexemes from 2: the concatenation of props
// and body leaves a gap between them, so a phrase never runs from one
// into the other (FTS5 keeps them in two columns).
func (postgresDialect) setBody(ctx context.Context, tx *sqlx.Tx, id, text string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fulltext (object_id, body) VALUES (?, CAST(CAST(? AS TEXT) AS tsvector))
		ON CONFLICT (object_id) DO UPDATE SET body = excluded.body`, id, tsvector(text, 2))
	return err
}

func (postgresDialect) copyBody(ctx context.Context, tx *sqlx.Tx, from, to string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fulltext (object_id, body) SELECT CAST(? AS TEXT), body FROM fulltext WHERE object_id = ?
		ON CONFLICT (object_id) DO UPDATE SET body = excluded.body`, to, from)
	return err
}

func (postgresDialect) addRow(ctx context.Context, tx execer, id, props, body string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fulltext (object_id, props, body) VALUES (?, CAST(CAST(? AS TEXT) AS tsvector), CAST(CAST(? AS TEXT) AS tsvector))`,
		id, tsvector(props, 1), tsvector(body, 2))
	return err
}

func (postgresDialect) removeRows(ctx context.Context, tx *sqlx.Tx, ids []string) error {
	q, args, err := sqlx.In(`DELETE FROM fulltext WHERE object_id IN (?)`, ids)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return err
}

// noMatch is a tsquery that matches nothing: a lexeme textTokens never
// makes.
const noMatch = `'-'`

// textQuery writes a CMIS text search as a tsquery: each term's lexemes
// as a phrase (<->), terms ANDed, negated ones with !, conjuncts ORed. A
// term without lexemes (punctuation only) matches nothing, as FTS5's
// empty phrase does.
func (postgresDialect) textQuery(ts *query.TextSearch) (string, error) {
	var ors []string
	for _, c := range ts.Conjuncts {
		var pos, neg []string
		dead := false
		for _, t := range c.Terms {
			var lex []string
			textTokens(strings.Join(t.Words, " "), func(tok string) bool {
				lex = append(lex, quoteLexeme(tok))
				return true
			})
			phrase := strings.Join(lex, " <-> ")
			if len(lex) > 1 {
				phrase = "(" + phrase + ")"
			}
			switch {
			case t.Negated && len(lex) > 0:
				neg = append(neg, "!"+phrase)
			case t.Negated:
			case len(lex) == 0:
				dead = true
				pos = append(pos, noMatch)
			default:
				pos = append(pos, phrase)
			}
		}
		if len(pos) == 0 {
			return "", errOnlyNegated
		}
		if !dead {
			ors = append(ors, "("+strings.Join(append(pos, neg...), " & ")+")")
		}
	}
	if len(ors) == 0 {
		return noMatch, nil
	}
	return strings.Join(ors, " | "), nil
}

// textMatch: the matching ids as an array, found through the GIN index
// once, before the rest of the query. As "id IN (subquery)" the planner,
// which cannot tell a rare word from a common one (its statistics keep the
// most common lexemes only), walked every object in id order looking for
// a page of matches: ten seconds for a word in 100 of a million documents.
func (postgresDialect) textMatch(id, search string) string {
	return id + " = ANY (ARRAY(SELECT object_id" + textMatches(search) + "))"
}

// textRanks: the rank is ts_rank negated (0 to 1 for any real search),
// lower the better as FTS5's bm25.
func (postgresDialect) textRanks(search string) string {
	return "SELECT f.object_id AS fts_id, -ts_rank(f.props || f.body, q.q) AS fts_rank FROM fulltext f, " +
		"(SELECT " + tsquery(search) + " AS q) q WHERE (f.props || f.body) @@ q.q"
}

func (postgresDialect) textScore(rank string) string {
	return "(CASE WHEN " + rank + " IS NULL THEN 0.0 ELSE (-" + rank + ") / (1.0 - " + rank + ") END)"
}

// textSource: the matches come from the GIN index, a bitmap of their rows
// (a GIN index has neither an order nor a rank of its own).
//
// Unordered, they are read in the order of the table's rows (rowOrder),
// as the bitmap yields them: a page stops once full, and a page at a
// skipCount reads the matches before it, whose own rows (migration 13)
// say which the reader sees and the query lists, without a lookup of
// each one's object. Sorting them by id instead read and sorted every
// match: 400 ms for a page at skipCount 10,000 of a word in one document
// of ten; walking the table in id order testing each row, the same.
//
// By rank, every match is ranked and sorted in a subquery of its own
// (OFFSET 0 keeps the planner from merging it into the query): the most
// PostgreSQL's GIN allows, but for one word best first (oneWordByRank).
//
// A row that needs its object (a condition the match's row does not
// carry) joins it by a lateral lookup by id, after the match's own
// filters: a merge join would walk the objects of the type in id order.
func (postgresDialect) textSource(table, search string, by textOrder) textSource {
	fq := " FROM (SELECT " + tsquery(search) + " AS q) fq"
	src := textSource{candidates: textMatches(search), filters: "fts", estimated: true}
	switch by {
	case textByRankOneWord:
		return oneWordByRank(table, search)
	case textByRank, textByRankLast:
		dir := map[textOrder]string{textByRank: " ASC", textByRankLast: " DESC"}[by]
		src.matches = fq + " CROSS JOIN LATERAL (SELECT " + rankedRow + " FROM fulltext f WHERE (f.props || f.body) @@ fq.q ORDER BY rank" + dir +
			", f.object_id" + dir + " OFFSET 0) fts"
		src.match, src.rank, src.tie, src.order = "TRUE", "fts.rank", "fts.object_id"+dir, "fts.object_id"
	default:
		src.matches = fq + " CROSS JOIN fulltext fts"
		src.match, src.rank, src.rowOrder = "(fts.props || fts.body) @@ fq.q", rowRank, true
	}
	src.from = src.matches + objectOf(table)
	return src
}

// tsquery is the text search search (a placeholder or literal of
// textQuery's result) as a tsquery; textMatches, the fulltext rows that
// match it, from the GIN index.
func tsquery(search string) string { return "CAST(CAST(" + search + " AS TEXT) AS tsquery)" }

func textMatches(search string) string {
	return " FROM fulltext WHERE (props || body) @@ " + tsquery(search)
}

// rankedRow is a ranked subquery's row of fulltext f: the match's id, its
// filters and its rank; rowRank is the rank of a row fts read as it is.
const (
	rankedRow = "f.object_id, f.repository_id, f.acl_id, f.listed_type, -ts_rank(f.props || f.body, fq.q) AS rank"
	rowRank   = "(-ts_rank(fts.props || fts.body, fq.q))"
)

// objectOf joins a text row fts with its object, aliased table.
func objectOf(table string) string {
	return " CROSS JOIN LATERAL (SELECT * FROM objects o WHERE o.id = fts.object_id OFFSET 0) " + table
}

// oneWordByRank reads the matches of a one-word search best first in two
// parts. ts_rank of one word grows with its occurrences, the same for
// every object with one (the vectors carry no weights), and that rank is
// the lowest: the objects with more are found through the index of the
// lexemes each object repeats (fulltext_repeated, migration 0009), a
// small share of the matches, ranked and sorted (that the vector repeats
// the one word is that it matches: testing the match as well would read
// the other index's every match); then the objects with one, ranked
// alike, in the order of the table's rows as an unordered page reads
// them. The rank of one occurrence is that of a vector holding the word
// without a position.
func oneWordByRank(table, search string) textSource {
	fq := " FROM (SELECT q0.q, ts_rank(CAST(CAST(q0.q AS TEXT) AS tsvector), q0.q) AS one FROM (SELECT " + tsquery(search) + " AS q) q0) fq"
	repeated := fq + " CROSS JOIN LATERAL (SELECT " + rankedRow + " FROM fulltext f" +
		" WHERE fulltext_repeated(f.props || f.body) @@ fq.q AND ts_rank(f.props || f.body, fq.q) > fq.one" +
		" ORDER BY rank ASC, f.object_id ASC OFFSET 0) fts"
	once := fq + " CROSS JOIN fulltext fts"
	return textSource{
		from: repeated + objectOf(table), matches: repeated, filters: "fts", estimated: true,
		candidates: textMatches(search), match: "TRUE", rank: "fts.rank", tie: "fts.object_id ASC", order: "fts.object_id",
		then: &textSource{from: once + objectOf(table), matches: once, filters: "fts", rowOrder: true, candidates: textMatches(search),
			match: "(fts.props || fts.body) @@ fq.q AND ts_rank(fts.props || fts.body, fq.q) <= fq.one", rank: rowRank},
	}
}

// estimate is the planner's estimate of the rows of stmt: for a text
// search, from the statistics of the GIN index's expression (analyzed
// with the table), which know the common lexemes.
//
// The arguments are written into the statement as literals: a statement
// prepared with parameters is planned, after a few runs, once for any
// value (a generic plan), whose estimate of a search is the same for
// every word.
func (postgresDialect) estimate(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) (float64, error) {
	var b strings.Builder
	for i, part := range strings.Split(stmt, "?") {
		if i > 0 {
			var s string
			ok := i <= len(args)
			if ok {
				s, ok = args[i-1].(string)
			}
			if !ok {
				return 0, fmt.Errorf("estimate: no string for placeholder %d", i)
			}
			b.WriteString(dollarQuoted(s))
		}
		b.WriteString(part)
	}
	var plan []byte
	if err := tx.QueryRowxContext(ctx, "EXPLAIN (FORMAT JSON) "+b.String()).Scan(&plan); err != nil {
		return 0, err
	}
	var est []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(plan, &est); err != nil || len(est) == 0 {
		return 0, fmt.Errorf("EXPLAIN's estimate: %v", err)
	}
	return est[0].Plan.Rows, nil
}

// dollarQuoted is s as a dollar-quoted literal, in which nothing is an
// escape, under a tag s does not hold.
func dollarQuoted(s string) string {
	tag := "$q$"
	for i := 0; strings.Contains(s, tag); i++ {
		tag = "$q" + strconv.Itoa(i) + "$"
	}
	return tag + s + tag
}

// readyRowOrder readies tx for pages read in the order of a table's rows
// (textSource.rowOrder), that must come in the same order from one page
// to the next: from the bitmap of an index, not a sequential scan (one
// started where another scan of the table is, as synchronize_seqscans
// does, starts mid-table; the planner also prefers one for a common word,
// testing every row), nor a walk of the primary key (in id order: the
// plan a statement prepared once and planned for any word, a generic
// plan, took for a common word's page, 45 ms), nor parallel workers
// (whose rows interleave). (set_config's true: SET LOCAL.)
//
// A page near the first match gets the least work_mem, which bounds the
// bitmap: a common word's bitmap of rows (92,614 of them in 27,000 heap
// pages of the 1M store) takes megabytes, allocated and faulted in anew
// by each query, where a bitmap of pages stays in 64 kB and costs a
// recheck of the few pages the page reads (issue #16's 6a: 18-42 ms ->
// 9-11 ms). Past a few thousand rows the rechecks cost more, and a count
// wants the exact bitmap (endNearPage): it need not read a page whose
// rows are all visible.
func (postgresDialect) readyRowOrder(ctx context.Context, tx *sqlx.Tx, near bool) error {
	stmt := `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),
		set_config('synchronize_seqscans', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`
	if near {
		stmt += `, set_config('work_mem', '64kB', true)`
	}
	_, err := tx.ExecContext(ctx, stmt)
	return err
}

// endNearPage gives tx back the session's work_mem (readyRowOrder).
func (postgresDialect) endNearPage(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SET LOCAL work_mem TO DEFAULT`)
	return err
}

// textTokens calls emit with each lexeme of text, as FTS5's unicode61
// tokenizer with remove_diacritics 2 cuts them: runs of letters, digits
// and private-use characters, folded to lower case, Latin letters
// stripped of diacritics; everything else separates (TestTextTokensMatchFTS5
// holds the two side by side). emit returns false to stop.
func textTokens(text string, emit func(tok string) bool) {
	var tok []byte
	var decomposed []byte
	flush := func() bool {
		if len(tok) == 0 {
			return true
		}
		ok := emit(string(tok))
		tok = tok[:0]
		return ok
	}
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				tok = append(tok, byte(r+'a'-'A'))
			} else if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				tok = append(tok, byte(r))
			} else if !flush() {
				return
			}
		case (unicode.IsLetter(r) || unicode.IsNumber(r)) && !unicode.Is(unicode.Latin, r), unicode.Is(unicode.Co, r):
			tok = utf8.AppendRune(tok, unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			// A Latin letter: lower case, then the base characters of its
			// decomposition (é is e, ǖ is u). FTS5 strips diacritics of
			// Latin letters only (ώ stays ώ).
			decomposed = norm.NFD.AppendString(decomposed[:0], string(unicode.ToLower(r)))
			for _, d := range string(decomposed) {
				if !unicode.Is(unicode.Mn, d) {
					tok = utf8.AppendRune(tok, d)
				}
			}
		case unicode.Is(unicode.Mn, r):
			// A combining mark belongs to the token it follows, and goes.
		default:
			if !flush() {
				return
			}
		}
	}
	flush()
}

// Limits of a tsvector: positions 1 to 16,383, at most 256 of them per
// lexeme, lexemes under 2 KiB, and the whole under 1 MiB (sized here as
// PostgreSQL sizes it, with room to spare).
const (
	maxTSPosition   = 16383
	maxTSPositions  = 256
	maxLexemeBytes  = 2046
	maxTSVectorSize = 1000000
)

// tsvector writes the lexemes of text as a tsvector literal, numbering
// their positions from first. Past PostgreSQL's limits, further positions
// share the last one and further lexemes are left out.
func tsvector(text string, first int) string {
	type entry struct {
		lexeme    string
		positions []int
	}
	var order []*entry
	byLexeme := map[string]*entry{}
	size, pos := 8, first
	textTokens(text, func(tok string) bool {
		if len(tok) > maxLexemeBytes {
			return true
		}
		p := min(pos, maxTSPosition)
		pos++
		e := byLexeme[tok]
		if e == nil {
			if size+len(tok)+8 > maxTSVectorSize {
				return false
			}
			e = &entry{lexeme: tok}
			byLexeme[tok] = e
			order = append(order, e)
			size += 4 + len(tok) + 1 + 2
		}
		if n := len(e.positions); n < maxTSPositions && (n == 0 || e.positions[n-1] != p) {
			e.positions = append(e.positions, p)
			size += 2
		}
		return size < maxTSVectorSize
	})
	var b strings.Builder
	for i, e := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(e.lexeme))
		for j, p := range e.positions {
			if j == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// quoteLexeme quotes a lexeme for a tsvector or tsquery literal.
func quoteLexeme(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
