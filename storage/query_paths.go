package storage

import (
	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
)

// Index paths. A single-table query whose rows an index yields in the
// order asked reads them from that index, so that a page costs about as
// many rows as it holds however many objects match, the reader's access
// included:
//
//   - the folder path: IN_FOLDER or IN_TREE drives. The folders' filings
//     (containment) are read folder by folder in the order of the key:
//     none (parent, child), cmis:name, cmis:creationDate or
//     cmis:lastModificationDate, which containment carries (migration
//     5). One folder needs no sort; for a subtree, SQLite's ORDER BY
//     LIMIT optimisation leaves each folder as soon as its next filing
//     sorts after the page.
//   - the type path: nothing drives. The objects come from the type's
//     index in the order of the key (none: by id).
//   - the text path: CONTAINS drives, unordered or by SCORE(). Matches
//     come from the text index in its own order, or in rank order, which
//     the engine computes itself (the top-k path: no rank of every match
//     goes through the query).
//
// Everything else the row must satisfy (its type, versions, the reader's
// access, the rest of WHERE) is a probe per row (see probe). Queries that
// fit none of these (joins, selective predicates that drive better,
// other orders) compile to the general form of compileQuery.

// sortKey is the ORDER BY of a query an index path can follow: one key,
// a system property an index orders by ("" for none) or SCORE().
type sortKey struct {
	prop  string
	score bool
	desc  bool
}

// indexOrders are the properties the folder and type paths read in
// order: the columns of objects and of containment that hold them.
var indexOrders = map[string]string{cmis.PropName: "name", cmis.PropCreationDate: "creation_date",
	cmis.PropLastModificationDate: "last_modification_date"}

// singleKey reads an ORDER BY as a sortKey, if it is one.
func singleKey(keys []*query.OrderKey) (sortKey, bool) {
	switch {
	case len(keys) == 0:
		return sortKey{}, true
	case len(keys) > 1:
		return sortKey{}, false
	case keys[0].Score:
		return sortKey{score: true, desc: keys[0].Desc}, true
	}
	prop := keys[0].Column.Property.ID
	if _, ok := indexOrders[prop]; !ok {
		return sortKey{}, false
	}
	return sortKey{prop: prop, desc: keys[0].Desc}, true
}

// probe is a condition that a subquery finds a row, evaluated per row.
// LIMIT 1 changes nothing in what it finds; it keeps SQLite from turning
// the EXISTS into a join (it does so only for subqueries without LIMIT),
// which would put a loop after the index being read in order and end
// the ORDER BY LIMIT optimisation.
func probe(sub string) string { return "EXISTS (" + sub + " LIMIT 1)" }

// indexPath compiles a query along an index path if one fits it.
func (c *compiler) indexPath(opt query.Options) (*compiledQuery, bool, error) {
	q := c.q
	if len(q.Tables) != 1 || q.Tables[0].Secondary {
		return nil, false, nil
	}
	key, ok := singleKey(q.OrderBy)
	if !ok {
		return nil, false, nil
	}
	var folder *query.FolderCond
	var text *query.ContainsCond
	var rest []query.Cond
	for _, x := range conjuncts(q.Where) {
		switch x := x.(type) {
		case *query.FolderCond:
			if folder == nil {
				folder = x
				continue
			}
		case *query.ContainsCond:
			text = x
			continue
		default:
			if driver(x) != nil {
				return nil, false, nil // a selective predicate drives better
			}
		}
		rest = append(rest, x)
	}
	switch {
	case text != nil && key.prop == "" && fullTextBuilt:
		if folder != nil {
			rest = append(rest, folder)
		}
		cq, err := c.textPath(text, key, rest, opt)
		return cq, err == nil, err
	case text != nil || q.Score:
		return nil, false, nil
	case folder != nil:
		cq, err := c.folderPath(folder, key, rest, opt)
		return cq, err == nil, err
	}
	cq, err := c.typePath(key, rest, opt)
	return cq, err == nil, err
}

// rowFilter is what a path's row must satisfy besides its driving
// predicate: the table's filter and the rest of the condition.
func (c *compiler) rowFilter(rest []query.Cond, opt query.Options) (fragment, error) {
	t := c.q.Tables[0]
	var ferr error
	f := c.capture(func() string {
		sql, err := c.tableFilter(t, opt)
		ferr = err
		if len(rest) > 0 {
			sql += " AND (" + c.cond(&query.AndCond{Terms: rest}) + ")"
		}
		return sql
	})
	return f, ferr
}

// dir is the SQL of a direction.
func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}

// folderPath reads the filings of the folder (IN_FOLDER) or of the
// subtree's folders (IN_TREE) in the key's order, each row probed for
// the rest. An object filed twice in a subtree counts once, at the
// first of its folders there.
func (c *compiler) folderPath(x *query.FolderCond, key sortKey, rest []query.Cond, opt query.Options) (*compiledQuery, error) {
	a := c.alias[x.Table]
	folders := c.capture(func() string { return c.folders(x) })
	filter, err := c.rowFilter(rest, opt)
	if err != nil {
		return nil, err
	}
	objects := "SELECT 1 FROM objects " + a + c.contentJoin(a) + " WHERE " + a + ".id = fc.child_id AND " + filter.sql
	body := fragment{sql: " FROM containment fc WHERE fc.parent_id IN (" + folders.sql + ") AND " + probe(objects),
		args: append(append([]any{}, folders.args...), filter.args...)}
	if x.Tree {
		// The object's other folders from containment_child; the list of
		// the subtree's folders is a filter (noIndex), not one lookup
		// per folder.
		body.sql += " AND NOT EXISTS (SELECT 1 FROM containment fd WHERE fd.child_id = fc.child_id AND fd.parent_id < fc.parent_id AND " +
			c.noIndex + "fd.parent_id IN (" + folders.sql + "))"
		body.args = append(body.args, folders.args...)
	}
	d := dir(key.desc)
	order := " ORDER BY fc.parent_id" + d + ", fc.child_id" + d
	switch key.prop {
	case cmis.PropName:
		// Names are unique per folder: (name, folder) is unique, and in
		// the order of containment's (parent_id, name) index.
		order = " ORDER BY fc.name" + d + ", fc.parent_id" + d
	case cmis.PropCreationDate, cmis.PropLastModificationDate:
		order = " ORDER BY fc." + indexOrders[key.prop] + d + ", fc.child_id" + d
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	return &compiledQuery{body: body, order: fragment{sql: order}, columns: []string{"fc.child_id"}}, nil
}

// folders is the SQL list of the folders a folder condition covers: the
// folder, or the folder and every folder below it (by path).
func (c *compiler) folders(x *query.FolderCond) string {
	path, ok := c.folderOf(x)
	if !ok {
		return "NULL"
	}
	if !x.Tree {
		return c.arg(x.FolderID)
	}
	lo, hi := subtreeRange(path)
	// [path, hi) holds the folder and its subtree, and names that merely
	// start like it ("/a b" for "/a"), which the last test leaves out.
	return "SELECT p.id FROM objects p WHERE p.repository_id = " + c.arg(c.repo) + " AND p.path >= " + c.arg(path) +
		" AND p.path < " + c.arg(hi) + " AND (p.path = " + c.arg(path) + " OR p.path >= " + c.arg(lo) + ")"
}

// typePath reads the objects of the table's types in the key's order
// from the type indexes, each row probed for the rest.
func (c *compiler) typePath(key sortKey, rest []query.Cond, opt query.Options) (*compiledQuery, error) {
	a := c.alias[c.q.Tables[0]]
	filter, err := c.rowFilter(rest, opt)
	if err != nil {
		return nil, err
	}
	d := dir(key.desc)
	order := " ORDER BY " + a + ".id" + d
	if key.prop != "" {
		order = " ORDER BY " + a + "." + indexOrders[key.prop] + d + ", " + a + ".id" + d
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	return &compiledQuery{body: fragment{sql: " FROM objects " + a + c.contentJoin(a) + " WHERE " + filter.sql, args: filter.args},
		order: fragment{sql: order}, columns: []string{a + ".id"}}, nil
}

// textPath reads the matches of the text search from its index, in the
// index's order or by rank, each row probed for the rest.
func (c *compiler) textPath(x *query.ContainsCond, key sortKey, rest []query.Cond, opt query.Options) (*compiledQuery, error) {
	a := c.alias[x.Table]
	search, err := c.dialect.textQuery(x.Search)
	if err != nil {
		return nil, err
	}
	src := c.dialect.textSource(a, "?")
	c.rank = src.rank
	filter, err := c.rowFilter(rest, opt)
	if err != nil {
		return nil, err
	}
	cq := &compiledQuery{body: fragment{sql: src.from + c.contentJoin(a) + " WHERE " + src.match + " AND " + filter.sql,
		args: append([]any{search}, filter.args...)}, columns: []string{a + ".id"}, scored: c.q.Score}
	cq.order.sql = " ORDER BY " + src.order
	if key.score {
		// SCORE() falls as the rank rises: the best first is the lowest
		// rank first.
		cq.order.sql = " ORDER BY " + src.rank + dir(!key.desc)
	}
	if cq.scored {
		cq.columns = append(cq.columns, c.score())
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	return cq, nil
}
