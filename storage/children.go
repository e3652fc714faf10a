package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Children returns a page of a folder's children and what follows it.
// Ordered by name (the default), creation or modification date, the
// page's ids come from containment's index on that key, so that a page
// of a folder of 100,000 children reads about a page of filings, the
// reader's access checked on each; then the page's objects load in one
// pass. Other orders (several keys, custom properties) sort the folder's
// children (listPage).
func (s *DB) Children(ctx context.Context, repo string, q cmis.ChildrenQuery) ([]*cmis.Object, cmis.PageEnd, error) {
	var out []*cmis.Object
	var end cmis.PageEnd
	err := s.readLimited(ctx, "getChildren", func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := requireFolder(ctx, tx, repo, q.FolderID); err != nil {
			return err
		}
		var err error
		if keys, desc, ok := filingOrder(q.OrderBy); ok {
			out, end, err = s.childrenInOrder(ctx, tx, q, keys, desc)
			return err
		}
		where := ` JOIN containment cc ON cc.child_id = o.id WHERE cc.parent_id = ?`
		args := []any{q.FolderID}
		if q.FoldersOnly {
			where += ` AND o.base_type_id = 'cmis:folder'`
		}
		acl, aclArgs := readFilter("o", q.Reader)
		where += acl
		args = append(args, aclArgs...)
		out, end, err = s.listPage(ctx, tx, where, args, q.OrderBy, q.Page, false)
		return err
	})
	if err != nil {
		return nil, cmis.PageEnd{}, fmt.Errorf("children of %s: %w", q.FolderID, err)
	}
	return out, end, nil
}

// filingOrder is the order of containment's index that a listing's
// order is, if it is one: the key column (name, creation_date or
// last_modification_date) and the child's id, both in one direction.
func filingOrder(keys []cmis.Order) ([]string, bool, bool) {
	switch {
	case len(keys) == 0:
		return []string{"cc.name", "cc.child_id"}, false, true
	case len(keys) > 1:
		return nil, false, false
	}
	col, ok := indexOrders[keys[0].PropertyID]
	if !ok {
		return nil, false, false
	}
	return []string{"cc." + col, "cc.child_id"}, keys[0].Descending, true
}

// childrenInOrder reads a page of children through containment's index
// on the key (continuing past the previous page where it can: see
// queryPage), then loads its objects.
func (s *DB) childrenInOrder(ctx context.Context, tx *sqlx.Tx, q cmis.ChildrenQuery, keys []string, desc bool) ([]*cmis.Object, cmis.PageEnd, error) {
	body := fragment{sql: ` FROM containment cc WHERE cc.parent_id = ?`, args: []any{q.FolderID}}
	// What only the child's row tells: its kind, and whether the reader's
	// face hides it.
	kind := ""
	if q.FoldersOnly {
		kind = " AND f.base_type_id = 'cmis:folder'"
	}
	var hidden string
	var hiddenArgs []any
	if q.Reader != nil {
		hidden, hiddenArgs = hiddenFilter("f", q.Reader.Hidden)
	}
	if kind != "" || hidden != "" {
		body.sql += " AND " + probe("SELECT 1 FROM objects f WHERE f.id = cc.child_id"+kind+hidden)
		body.args = append(body.args, hiddenArgs...)
	}
	acl, aclArgs := aclFilter("cc.acl_id", q.Reader)
	body.sql += acl
	body.args = append(body.args, aclArgs...)
	cq := &compiledQuery{body: body, order: orderOf(keys, desc), columns: []string{"cc.child_id"}, keys: keys, desc: desc,
		candidates: fragment{sql: ` FROM containment cc WHERE cc.parent_id = ?`, args: []any{q.FolderID}}}
	if plan, ok := ctx.Value(explainKey{}).(*[]string); ok {
		if err := s.readySkip(ctx, tx, cq, q.Page); err != nil {
			return nil, cmis.PageEnd{}, err
		}
		stmt, args := cq.pageSQL(s.dialect, q.Page)
		var err error
		*plan, err = s.dialect.explain(ctx, tx, stmt, args)
		return nil, cmis.PageEnd{}, err
	}
	rows, err := s.queryPage(ctx, tx, cq, q.Page)
	if err != nil {
		return nil, cmis.PageEnd{}, err
	}
	n, end, err := s.pageEnd(q.Page, len(rows), func(limit int64) (int64, error) {
		return s.count(ctx, tx, cq, limit)
	})
	if err != nil {
		return nil, end, err
	}
	ids := make([]string, n)
	for i, r := range rows[:n] {
		ids[i] = *r.ids[0]
	}
	byID, err := objectsByID(ctx, tx, ids, false)
	if err != nil {
		return nil, end, err
	}
	out := make([]*cmis.Object, 0, n)
	for _, id := range ids {
		if o := byID[id]; o != nil {
			out = append(out, o)
		}
	}
	return out, end, nil
}

// ExplainChildren returns the database's plan for a page of getChildren
// read through containment's index (empty for other orders), for the
// benchmarks and tests that check index use.
func (s *DB) ExplainChildren(ctx context.Context, repo string, q cmis.ChildrenQuery) (string, error) {
	var plan []string
	_, _, err := s.Children(context.WithValue(ctx, explainKey{}, &plan), repo, q)
	return strings.Join(plan, "\n"), err
}
