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
		if key, ok := filingOrder(q.OrderBy); ok {
			out, end, err = s.childrenInOrder(ctx, tx, q, key)
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
		out, end, err = s.listPage(ctx, tx, where, args, q.OrderBy, q.Page)
		return err
	})
	if err != nil {
		return nil, cmis.PageEnd{}, fmt.Errorf("children of %s: %w", q.FolderID, err)
	}
	return out, end, nil
}

// filingOrder is the ORDER BY of containment's index that a listing's
// order is, if it is one: the key column (name, creation_date or
// last_modification_date) and its direction.
func filingOrder(keys []cmis.Order) (string, bool) {
	switch {
	case len(keys) == 0:
		return "cc.name ASC, cc.child_id ASC", true
	case len(keys) > 1:
		return "", false
	}
	col, ok := indexOrders[keys[0].PropertyID]
	if !ok {
		return "", false
	}
	d := dir(keys[0].Descending)
	return "cc." + col + d + ", cc.child_id" + d, true
}

// childrenInOrder reads a page of children through containment's index
// on the key, then loads its objects.
func (s *DB) childrenInOrder(ctx context.Context, tx *sqlx.Tx, q cmis.ChildrenQuery, order string) ([]*cmis.Object, cmis.PageEnd, error) {
	from := ` FROM containment cc WHERE cc.parent_id = ?`
	args := []any{q.FolderID}
	if q.FoldersOnly {
		from += " AND " + probe("SELECT 1 FROM objects f WHERE f.id = cc.child_id AND f.base_type_id = 'cmis:folder'")
	}
	acl, aclArgs := readFilterOn("cc.child_id", q.Reader)
	from += acl
	args = append(args, aclArgs...)
	stmt := `SELECT cc.child_id` + from + ` ORDER BY ` + order + s.dialect.limit(peek(q.Page))
	if plan, ok := ctx.Value(explainKey{}).(*[]string); ok {
		var err error
		*plan, err = s.dialect.explain(ctx, tx, stmt, args)
		return nil, cmis.PageEnd{}, err
	}
	var ids []string
	if err := tx.SelectContext(ctx, &ids, stmt, args...); err != nil {
		return nil, cmis.PageEnd{}, err
	}
	n, end, err := s.pageEnd(q.Page, len(ids), func(limit int64) (int64, error) {
		return s.countRows(ctx, tx, `SELECT 1`+from, args, limit)
	})
	if err != nil {
		return nil, end, err
	}
	byID, err := objectsByID(ctx, tx, ids[:n])
	if err != nil {
		return nil, end, err
	}
	out := make([]*cmis.Object, 0, n)
	for _, id := range ids[:n] {
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
