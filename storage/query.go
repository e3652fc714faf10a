package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
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
			stmt, args := cq.pageSQL(s.dialect, opt.Page)
			*plan, err = s.dialect.explain(ctx, tx, stmt, args)
			return err
		}
		ids, err := cq.page(ctx, tx, s.dialect, peek(opt.Page))
		if err != nil {
			return err
		}
		var n int
		n, end, err = s.pageEnd(opt.Page, len(ids), func(limit int64) (int64, error) {
			return s.countRows(ctx, tx, "SELECT 1"+cq.body.sql, cq.body.args, limit)
		})
		if err != nil {
			return err
		}
		rows, err = loadRows(ctx, tx, ids[:n])
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
}

// compileQuery writes a bound query as SQL: along an index path when
// one fits (query_paths.go), else in the general form: each table
// joined with its filter (types, repository, versions, the reader's
// access), the score's join, the condition and the order.
func (s *DB) compileQuery(ctx context.Context, tx *sqlx.Tx, repo string, q *query.Query, opt query.Options) (*compiledQuery, error) {
	c := &compiler{ctx: ctx, tx: tx, repo: repo, q: q, alias: map[*query.Table]string{},
		noIndex: s.dialect.noIndexPrefix(), dialect: s.dialect, content: map[string]bool{}, rank: "fts.fts_rank"}
	for i, t := range q.Tables {
		c.alias[t] = fmt.Sprintf("t%d", i)
	}
	c.plan(q.Where)
	if cq, ok, err := c.indexPath(opt); ok || err != nil {
		return cq, err
	}
	c.errors = nil
	cq := &compiledQuery{scored: q.Score && q.Contains != nil && fullTextBuilt}
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
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		if k.Score {
			parts = append(parts, c.score()+dir)
			continue
		}
		parts = append(parts, c.column(k.Column)+dir)
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

// pageSQL is the statement reading a page of result rows.
func (cq *compiledQuery) pageSQL(d dialect, p cmis.Page) (string, []any) {
	stmt := "SELECT " + strings.Join(cq.columns, ", ") + cq.body.sql + cq.order.sql + d.limit(p)
	return stmt, append(append([]any{}, cq.body.args...), cq.order.args...)
}

// idRow is a result row as the page reads it: the id of each table's
// object (nil where an outer join found none) and the score.
type idRow struct {
	ids   []*string
	score float64
}

// page reads a page of result rows.
func (cq *compiledQuery) page(ctx context.Context, tx *sqlx.Tx, d dialect, p cmis.Page) ([]idRow, error) {
	stmt, args := cq.pageSQL(d, p)
	r, err := tx.QueryxContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer r.Close()
	tables := len(cq.columns)
	if cq.scored {
		tables--
	}
	var out []idRow
	for r.Next() {
		row := idRow{ids: make([]*string, tables)}
		dest := make([]any, tables, tables+1)
		for i := range row.ids {
			dest[i] = &row.ids[i]
		}
		if cq.scored {
			dest = append(dest, &row.score)
		}
		if err := r.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, r.Err()
}

// loadRows loads every object of a page at once and puts them in their
// rows.
func loadRows(ctx context.Context, tx *sqlx.Tx, page []idRow) ([]query.Row, error) {
	var want []string
	for _, row := range page {
		for _, id := range row.ids {
			if id != nil {
				want = append(want, *id)
			}
		}
	}
	byID, err := objectsByID(ctx, tx, want)
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

// objectsByID loads objects (and their properties) in one pass per
// idBatch of them.
func objectsByID(ctx context.Context, tx *sqlx.Tx, ids []string) (map[string]*cmis.Object, error) {
	byID := make(map[string]*cmis.Object, len(ids))
	for start := 0; start < len(ids); start += idBatch {
		qs, qargs, err := sqlx.In(`SELECT `+objectColumns+objectFrom+` WHERE o.id IN (?)`, ids[start:min(start+idBatch, len(ids))])
		if err != nil {
			return nil, err
		}
		objs, err := queryObjects(ctx, tx, qs, qargs...)
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
