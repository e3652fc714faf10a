package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/blocks"
	"github.com/jmoiron/sqlx"
)

var _ query.Runner = (*DB)(nil)

// RunQuery runs a bound CMIS query in four steps, in one snapshot and
// under the store's time limit: compile it to SQL, read the page of
// result rows (the object ids of every table), count the matches if the
// page does not tell, and load the page's objects in one pass.
func (s *DB) RunQuery(ctx context.Context, repo string, q *query.Query, opt query.Options) ([]query.Row, cmis.PageEnd, error) {
	var rows []query.Row
	var end cmis.PageEnd
	err := s.readLimited(ctx, "query", func(ctx context.Context, tx *sqlx.Tx) error {
		cq, err := s.compileQuery(ctx, tx, repo, q, opt)
		if err != nil {
			return err
		}
		if plan, ok := ctx.Value(explainKey{}).(*[]string); ok {
			if err := s.readySkip(ctx, tx, cq, opt.Page); err != nil {
				return err
			}
			if _, err := s.readyRowOrder(ctx, tx, cq, peek(opt.Page)); err != nil {
				return err
			}
			stmt, args := cq.pageSQL(s.dialect, opt.Page)
			*plan, err = s.dialect.explain(ctx, tx, stmt, args)
			return err
		}
		ids, err := s.queryPage(ctx, tx, cq, opt.Page)
		if err != nil {
			return err
		}
		if len(ids) == 0 && cq.unverified != "" {
			if _, err := queryFolder(ctx, tx, repo, cq.unverified); err != nil {
				return err
			}
		}
		var n int
		n, end, err = s.pageEnd(opt.Page, len(ids), func(limit int64) (int64, error) {
			return s.countPast(ctx, tx, cq, opt.Page.SkipCount, ids, limit)
		})
		if err != nil {
			return err
		}
		rows, err = loadRows(ctx, tx, ids[:n], opt.SystemOnly)
		return err
	})
	if err != nil {
		return nil, cmis.PageEnd{}, err
	}
	return rows, end, nil
}

// compiledQuery is a query as SQL: what its count and its page share,
// and what the page adds.
type compiledQuery struct {
	body    fragment // FROM, the joins and WHERE
	order   fragment // ORDER BY, unique at its end
	columns []string // the page's: the id of each table, then the score if any
	scored  bool
	// keys are the columns of the order when an index path reads the
	// rows in that index's order (a key and a unique tie-breaker, or
	// one unique key), all descending or not: a page can continue past
	// the keys of the previous page's last row (cursors.go).
	keys []string
	desc bool
	// candidates is a FROM … WHERE of the rows the driving index yields,
	// a superset of the matches counted from the index alone (index
	// paths; see count), with the keys' columns.
	candidates fragment
	// sorted: the page goes through a sort that leaves each folder of a
	// subtree once past the page (see windowedPage).
	sorted bool
	// next, if not nil, is the statement of the rows that follow this
	// one's, in the same order (a query read in parts, see pageOfParts);
	// its candidates are this one's.
	next *compiledQuery
	// estimated: counting the candidates reads each of them (a text
	// index that holds no ids), so that an estimate far past the count's
	// bound stands for it (countCandidates).
	estimated bool
	// rowOrder: this statement's or a next one's rows come in the order
	// the engine reads a table's rows in (textSource.rowOrder).
	rowOrder bool
	// unverified is the folder an IN_FOLDER path reads the filings of
	// without having checked that it is one: a page that finds nothing
	// checks (queryFolder).
	unverified string
}

// compileQuery writes a bound query as SQL: along an index path when
// one fits (query_paths.go), else in the general form: each table
// joined with its filter (types, repository, versions, the reader's
// access), the score's join, the condition and the order.
func (s *DB) compileQuery(ctx context.Context, tx *sqlx.Tx, repo string, q *query.Query, opt query.Options) (*compiledQuery, error) {
	c := &compiler{store: s, ctx: ctx, tx: tx, repo: repo, q: q, alias: map[*query.Table]string{},
		noIndex: s.dialect.noIndexPrefix(), dialect: s.dialect, content: map[string]bool{}, rank: "fts.fts_rank"}
	for i, t := range q.Tables {
		c.alias[t] = fmt.Sprintf("t%d", i)
	}
	c.plan(q.Where)
	if cq, ok, err := c.indexPath(opt); ok || err != nil {
		return cq, err
	}
	c.errors, c.aclBy = nil, "" // the general form checks access in each table's filter
	cq := &compiledQuery{scored: q.Score && q.Contains != nil && s.FullText()}
	var where fragment
	if q.Where != nil {
		where = c.capture(func() string { return "(" + c.cond(q.Where) + ")" })
	}
	cq.order = c.capture(func() string { return c.orderBy(q.OrderBy) })
	from, filters, err := c.tables(opt)
	if err != nil {
		return nil, err
	}
	if cq.scored {
		match, err := s.dialect.textQuery(q.Contains.Search)
		if err != nil {
			return nil, err
		}
		from = append(from, fragment{sql: " LEFT JOIN (" + s.dialect.textRanks("?") + ") fts ON fts.fts_id = " +
			c.alias[q.Contains.Table] + ".id", args: []any{match}})
	}
	if q.Where != nil {
		filters = append(filters, where)
	}
	cq.body = joinFragments(append(from, joinFragments(filters, " WHERE ", " AND ")), "", "")
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	for _, t := range q.Tables {
		cq.columns = append(cq.columns, c.alias[t]+".id")
	}
	if cq.scored {
		cq.columns = append(cq.columns, c.score())
	}
	return cq, nil
}

// tables writes the FROM clause: the first table and the joins of the
// others, each with its contents row if a column reads it; it returns the
// filters of the tables not joined (the first), which go into WHERE.
func (c *compiler) tables(opt query.Options) (from, filters []fragment, err error) {
	ons := make([]fragment, len(c.q.Tables))
	tableFilters := make([]fragment, len(c.q.Tables))
	for i, t := range c.q.Tables {
		var ferr error
		tableFilters[i] = c.capture(func() string {
			f, err := c.tableFilter(t, opt)
			ferr = err
			return f
		})
		if ferr != nil {
			return nil, nil, ferr
		}
		if t.Join != query.JoinNone {
			ons[i] = c.capture(func() string { return c.column(t.OnLeft) + " = " + c.column(t.OnRight) })
		}
	}
	for i, t := range c.q.Tables {
		a, filter, on := c.alias[t], tableFilters[i], ons[i]
		switch t.Join {
		case query.JoinNone:
			from = append(from, fragment{sql: " FROM objects " + a + c.contentJoin(a)})
			filters = append(filters, filter)
		case query.JoinInner, query.JoinLeft:
			kind := " JOIN "
			if t.Join == query.JoinLeft {
				kind = " LEFT JOIN "
			}
			from = append(from, fragment{sql: kind + "objects " + a + " ON " + on.sql + " AND " + filter.sql + c.contentJoin(a),
				args: append(on.args, filter.args...)})
		default:
			return nil, nil, cmis.Errorf(cmis.ErrNotSupported, "query: RIGHT OUTER JOIN is not supported")
		}
	}
	return from, filters, nil
}

// orderBy writes the ORDER BY clause; the tables' ids last keep pages
// stable.
func (c *compiler) orderBy(keys []*query.OrderKey) string {
	var parts []string
	for _, k := range keys {
		if k.Score {
			parts = append(parts, c.dialect.orderKey(c.score(), k.Desc, false))
			continue
		}
		parts = append(parts, c.dialect.orderKey(c.column(k.Column), k.Desc, nullable(k.Column)))
	}
	for _, t := range c.q.Tables {
		parts = append(parts, c.alias[t]+".id")
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// joinFragments joins fragments with sep after prefix; no fragments, no
// text.
func joinFragments(fs []fragment, prefix, sep string) fragment {
	var out fragment
	for i, f := range fs {
		if i == 0 {
			out.sql = prefix
		} else {
			out.sql += sep
		}
		out.sql += f.sql
		out.args = append(out.args, f.args...)
	}
	return out
}

// pageSQL is the statement reading a page of result rows, that also
// meet conds (bounds on the keys).
func (cq *compiledQuery) pageSQL(d dialect, p cmis.Page, conds ...fragment) (string, []any) {
	body := fragment{sql: cq.body.sql, args: slices.Clone(cq.body.args)}
	for _, c := range conds {
		body.sql += " AND " + c.sql
		body.args = append(body.args, c.args...)
	}
	stmt := "SELECT " + strings.Join(append(slices.Clip(cq.columns), cq.keys...), ", ") + body.sql + cq.order.sql + d.limit(p)
	return stmt, append(body.args, cq.order.args...)
}

// queryPage reads a page of result rows: past the end of the previous
// page when the store remembers it (cursors.go), else skipping rows.
func (s *DB) queryPage(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, p cmis.Page) ([]idRow, error) {
	if len(cq.keys) == 0 || p.MaxItems <= 0 {
		if err := s.readySkip(ctx, tx, cq, p); err != nil {
			return nil, err
		}
		return s.pageOfParts(ctx, tx, cq, peek(p))
	}
	// The data's version is read only where a position is looked up or
	// remembered: a first page that reaches the end of the listing (the
	// common case) needs neither. The snapshot is the request's, so
	// reading it after the page changes nothing.
	version := int64(-1)
	readVersion := func() (int64, error) {
		if version < 0 {
			var err error
			version, err = dataVersion(ctx, tx)
			return version, err
		}
		return version, nil
	}
	id := func(pos int64) [32]byte {
		stmt, args := cq.pageSQL(s.dialect, cmis.Page{MaxItems: -1})
		return cursorID(stmt, args, pos)
	}
	read, conds := peek(p), []fragment(nil)
	if p.SkipCount > 0 {
		v, err := readVersion()
		if err != nil {
			return nil, err
		}
		if k, ok := s.cursors.get(id(p.SkipCount), v); ok {
			read.SkipCount, conds = 0, []fragment{seekPast(cq.keys, cq.desc, k)}
		}
	}
	if err := s.readySkip(ctx, tx, cq, read); err != nil {
		return nil, err
	}
	rows, err := s.windowedPage(ctx, tx, cq, read, conds)
	if err != nil {
		return nil, err
	}
	// Only a page that rows follow has a next page to continue.
	if n := p.MaxItems; n > 0 && int64(len(rows)) > n {
		v, err := readVersion()
		if err != nil {
			return nil, err
		}
		s.cursors.put(id(p.SkipCount+n), v, rows[n-1].key)
	}
	return rows, nil
}

// windowedPage reads a page through cq.page. When the page goes through
// a sort that stops each folder of a subtree once past the page
// (cq.sorted), each folder still costs its first filing's probe, a
// thousand probes for a subtree of a thousand folders. So it first reads
// from the index alone the keys of the w-th candidate in order (w: the
// rows the page needs, then four times as many at each try), and reads
// the page among the candidates up to those keys: folders with none are
// left at once. Enough rows there, and the page is the page; too few
// (the reader sees too few of them), and it tries a wider window, or
// the whole listing once the window holds every candidate.
func (s *DB) windowedPage(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, read cmis.Page, conds []fragment) ([]idRow, error) {
	if !cq.sorted || read.MaxItems <= 0 {
		return cq.page(ctx, tx, s.dialect, read, conds...)
	}
	for w := read.SkipCount + read.MaxItems; ; w *= 4 {
		stmt := "SELECT " + strings.Join(cq.keys, ", ") + cq.candidates.sql
		args := slices.Clone(cq.candidates.args)
		for _, c := range conds {
			stmt += " AND " + c.sql
			args = append(args, c.args...)
		}
		stmt += cq.order.sql + s.dialect.limit(cmis.Page{MaxItems: 1, SkipCount: w - 1})
		k := make([]any, len(cq.keys))
		dest := make([]any, len(k))
		for i := range k {
			dest[i] = &k[i]
		}
		err := tx.QueryRowxContext(ctx, stmt, args...).Scan(dest...)
		if isNoRows(err) {
			return cq.page(ctx, tx, s.dialect, read, conds...)
		}
		if err != nil {
			return nil, fmt.Errorf("query window: %w", err)
		}
		for i := range k {
			k[i] = keyValue(k[i])
		}
		rows, err := cq.page(ctx, tx, s.dialect, read, append(slices.Clip(conds), seekUpTo(cq.keys, cq.desc, k))...)
		if err != nil || int64(len(rows)) >= read.MaxItems {
			return rows, err
		}
	}
}

// pageOfParts reads a page through cq.page, and of a query in parts
// (cq.next) each next part's rows until the page is full. A page that
// starts past a part's rows skips them whole, counted.
func (s *DB) pageOfParts(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, p cmis.Page) ([]idRow, error) {
	near, err := s.readyRowOrder(ctx, tx, cq, p)
	if err != nil {
		return nil, err
	}
	rows, err := cq.page(ctx, tx, s.dialect, p)
	if near && err == nil {
		// What follows (a count, the objects) runs as usual.
		err = s.dialect.(rowOrderer).endNearPage(ctx, tx)
	}
	skip := p.SkipCount
	for part := cq; err == nil && part.next != nil && (p.MaxItems < 0 || int64(len(rows)) < p.MaxItems); part = part.next {
		switch {
		case len(rows) > 0:
			skip = 0 // the page started in this part or before it
		case skip > 0:
			// The page starts past this part's rows: fewer than skip.
			var n int64
			if n, err = s.countRows(ctx, tx, "SELECT 1"+part.body.sql, part.body.args, skip); err != nil {
				return nil, err
			}
			skip -= n
		}
		var more []idRow
		left := p.MaxItems
		if left >= 0 {
			left -= int64(len(rows))
		}
		more, err = part.next.page(ctx, tx, s.dialect, cmis.Page{MaxItems: left, SkipCount: skip})
		rows = append(rows, more...)
	}
	return rows, err
}

// idRow is a result row as the page reads it: the id of each table's
// object (nil where an outer join found none), the score, and the
// order's keys (index paths).
type idRow struct {
	ids   []*string
	score float64
	key   []any
}

// page reads a page of result rows.
func (cq *compiledQuery) page(ctx context.Context, tx *sqlx.Tx, d dialect, p cmis.Page, conds ...fragment) ([]idRow, error) {
	stmt, args := cq.pageSQL(d, p, conds...)
	r, err := tx.QueryxContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer r.Close()
	tables := len(cq.columns)
	if cq.scored {
		tables--
	}
	// One set of destinations for every row; the rows' ids and keys are
	// carved from blocks, a few allocations per page rather than four
	// per row.
	ids := make([]sql.NullString, tables)
	keys := make([]any, len(cq.keys))
	var score float64
	dest := make([]any, 0, tables+1+len(keys))
	for i := range ids {
		dest = append(dest, &ids[i])
	}
	if cq.scored {
		dest = append(dest, &score)
	}
	for i := range keys {
		dest = append(dest, &keys[i])
	}
	var out []idRow
	var idBlock []*string
	var strBlock []string
	var keyBlock []any
	for r.Next() {
		if err := r.Scan(dest...); err != nil {
			return nil, err
		}
		row := idRow{ids: carve(&idBlock, tables), score: score, key: carve(&keyBlock, len(keys))}
		for i, id := range ids {
			if id.Valid {
				s := carve(&strBlock, 1)
				s[0] = id.String
				row.ids[i] = &s[0]
			}
		}
		for i, k := range keys {
			row.key[i] = keyValue(k)
		}
		out = append(out, row)
	}
	return out, r.Err()
}

// carveRows is how many rows' worth of entries one block of carve holds.
const carveRows = 64

// carve returns n zero entries for a row from a block of carveRows rows.
func carve[T any](block *[]T, n int) []T { return blocks.Carve(block, n, carveRows*n) }

// loadRows loads every object of a page at once and puts them in their
// rows; bare, without their custom property values and secondary types.
func loadRows(ctx context.Context, tx *sqlx.Tx, page []idRow, bare bool) ([]query.Row, error) {
	var want []string
	for _, row := range page {
		for _, id := range row.ids {
			if id != nil {
				want = append(want, *id)
			}
		}
	}
	byID, err := objectsByID(ctx, tx, want, bare)
	if err != nil {
		return nil, err
	}
	var rows []query.Row
	for _, row := range page {
		qr := query.Row{Objects: make([]*cmis.Object, len(row.ids)), Score: row.score}
		for i, id := range row.ids {
			if id != nil {
				qr.Objects[i] = byID[*id]
			}
		}
		rows = append(rows, qr)
	}
	return rows, nil
}

// objectsByID loads objects, and unless bare their custom property
// values and secondary types, in one pass per idBatch of them.
func objectsByID(ctx context.Context, tx *sqlx.Tx, ids []string, bare bool) (map[string]*cmis.Object, error) {
	columns := objectColumns
	if bare {
		columns = objectColumnsBare
	}
	byID := make(map[string]*cmis.Object, len(ids))
	for batch := range slices.Chunk(ids, idBatch) {
		in, args := idsIn(tx, "o.id", batch)
		objs, err := queryObjects(ctx, tx, `SELECT `+columns+objectFrom+` WHERE `+in, args...)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			byID[o.ID] = o
		}
	}
	return byID, nil
}

// ExplainQuery returns the database's plan for a bound query's page
// statement, for benchmarks and tests that check index use.
func (s *DB) ExplainQuery(ctx context.Context, repo string, q *query.Query, opt query.Options) (string, error) {
	var plan []string
	_, _, err := s.RunQuery(context.WithValue(ctx, explainKey{}, &plan), repo, q, opt)
	return strings.Join(plan, "\n"), err
}

type explainKey struct{}

// IndexedPlans makes the plans that ExplainQuery and ExplainChildren
// return with ctx those of a large store on a small one: on PostgreSQL,
// sequential scans and sorts are ruled out wherever an index can serve
// instead (enable_seqscan, enable_sort off), for on a small store it
// rightly reads tiny tables whole and sorts them, and so a table read
// whole or a sort left in such a plan is one no index can spare. SQLite's
// plans do not depend on table sizes (the store has no statistics): there
// ctx changes nothing.
func IndexedPlans(ctx context.Context) context.Context {
	return context.WithValue(ctx, indexedPlanKey{}, true)
}

type indexedPlanKey struct{}
