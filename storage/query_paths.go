package storage

import (
	"slices"
	"strings"

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
//     6). One folder needs no sort, nor a subtree's first page
//     unordered (its folders in id order, each one's filings in turn:
//     inList); else SQLite's ORDER BY LIMIT optimisation leaves each
//     folder as soon as its next filing sorts after the page, and
//     PostgreSQL's sort goes through a window (windowedPage).
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
	var equal *query.CompareCond
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
		case *query.CompareCond:
			if equal == nil && driver(x) != nil && x.Column.Property.Cardinality == cmis.Single {
				equal = x
				continue
			}
		}
		if driver(x) != nil {
			return nil, false, nil // another selective predicate: the general form
		}
		rest = append(rest, x)
	}
	unordered := key.prop == "" && !key.score
	var cq *compiledQuery
	var err error
	switch {
	case equal != nil && !unordered:
		return nil, false, nil // a few matches, sorted by the general form
	case equal != nil:
		cq, err = c.propertyPath(equal, append(rest, others(folder, text)...), opt)
	case text != nil && key.prop == "" && c.dialect.fullText():
		cq, err = c.textPath(text, key, append(rest, others(folder, nil)...), opt)
	case text != nil || q.Score:
		return nil, false, nil
	case folder != nil:
		cq, err = c.folderPath(folder, key, rest, opt)
	default:
		cq, err = c.typePath(key, rest, opt)
	}
	return cq, err == nil, err
}

// others are the conditions among those given that are there.
func others(folder *query.FolderCond, text *query.ContainsCond) []query.Cond {
	var out []query.Cond
	if folder != nil {
		out = append(out, folder)
	}
	if text != nil {
		out = append(out, text)
	}
	return out
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

// drivenACL is the reader's access checked on aclID, the ACL id the
// driving index carries (" AND …"): the folder path's filings carry
// their child's, so that the rows a deep page skips have their access
// checked in the index and only the rows the reader sees cost the probe
// of the object's row. It leaves the access out of the table's filter.
// The other paths check access on the object's row they read anyway
// (the table's filter).
func (c *compiler) drivenACL(aclID string, opt query.Options) fragment {
	c.aclBy = aclID
	sql, args := aclFilter(aclID, opt.Reader)
	return fragment{sql: sql, args: args}
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
	// One folder's filings need not its path: whether it is a folder of
	// the repository is asked only when the page finds nothing (a
	// filing's parent is one), not in a statement of every query.
	folders, unverified := fragment{sql: "?", args: []any{x.FolderID}}, x.FolderID
	if x.Tree {
		folders, unverified = c.capture(func() string { return c.folders(x) }), ""
	}
	acl := c.drivenACL("fc.acl_id", opt)
	filter, err := c.rowFilter(rest, opt)
	if err != nil {
		return nil, err
	}
	objects := " AND " + probe("SELECT 1 FROM objects "+a+c.contentJoin(a)+" WHERE "+a+".id = fc.child_id AND "+filter.sql)
	// Only for a subtree: its folders are the repository's (one folder's
	// is not checked before the page, see above).
	var listed fragment
	indexOnly := false
	if x.Tree {
		listed, indexOnly = c.listedFilter("fc", rest, opt)
	}
	if indexOnly {
		objects, filter = listed.sql, listed
	}
	// A subtree's first page in the order of the filings walks the list
	// of its folders (inList); so does a page at a skipCount when the
	// rows it skips are tested in the index alone (PostgreSQL made the
	// walk far worse than the window while each skipped row cost a
	// probe: 9a 1 s -> 3 s; index-only, 260 ms -> 10 ms). The rest sort
	// through windowedPage.
	walk := x.Tree && key.prop == "" && (c.dialect.walksInLists() || opt.Page.SkipCount == 0 || indexOnly)
	in := func(key string) string {
		if walk {
			return c.dialect.inList(key, folders.sql)
		}
		return key + " IN (" + folders.sql + ")"
	}
	// A name asked for in one folder is at most one filing, found by
	// containment's (parent_id, name) index (a filing carries its
	// child's name): one probe instead of one per child. The probe still
	// tests the object's name.
	var named fragment
	if name, ok := nameEquals(rest, x.Table); ok && !x.Tree {
		named = fragment{sql: " AND fc.name = ?", args: []any{name}}
	}
	body := fragment{sql: " FROM containment fc WHERE " + in("fc.parent_id") + named.sql + acl.sql + objects,
		args: append(append(append(slices.Clone(folders.args), named.args...), acl.args...), filter.args...)}
	if x.Tree {
		// The object's other folders from containment_child, if it has
		// any (multi, in the filing's index); the list of the subtree's
		// folders is a filter (noIndex), not one lookup per folder.
		body.sql += " AND (fc.multi = 0 OR NOT EXISTS (SELECT 1 FROM containment fd WHERE fd.child_id = fc.child_id AND fd.parent_id < fc.parent_id AND " +
			in(c.noIndex+"fd.parent_id") + "))"
		body.args = append(body.args, folders.args...)
	}
	keys := []string{"fc.parent_id", "fc.child_id"}
	switch key.prop {
	case cmis.PropName:
		// Names are unique per folder: (name, folder) is unique, and in
		// the order of containment's (parent_id, name) index.
		keys = []string{"fc.name", "fc.parent_id"}
	case cmis.PropCreationDate, cmis.PropLastModificationDate:
		keys = []string{"fc." + indexOrders[key.prop], "fc.child_id"}
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	return &compiledQuery{body: body, order: orderOf(keys, key.desc), columns: []string{"fc.child_id"}, keys: keys, desc: key.desc,
		candidates: fragment{sql: " FROM containment fc WHERE fc.parent_id IN (" + folders.sql + ")", args: folders.args},
		sorted:     x.Tree && !walk, unverified: unverified}, nil
}

// nameEquals is the name a conjunct "cmis:name = 'literal'" of table t
// asks for, if there is one among conds.
func nameEquals(conds []query.Cond, t *query.Table) (string, bool) {
	for _, x := range conds {
		x, ok := x.(*query.CompareCond)
		if !ok || x.Score || x.Op != query.OpEq || x.Column.Table != t || x.Column.Property.ID != cmis.PropName {
			continue
		}
		if name, ok := x.Value.(string); ok {
			return name, true
		}
	}
	return "", false
}

// listedFilter is the table's filter tested on the listed_type of the
// driving row (row: a filing "fc", a text row or a property row carrying
// its object's, migrations 11–14) instead of a probe of the object's row,
// when that is all the filter is: a query of the latest versions of a
// type (and its subtypes) with nothing else to test, by a reader who knows
// every base type. The row's repository is tested too, but a filing's:
// the child of a filing is in the repository of its folder.
func (c *compiler) listedFilter(row string, rest []query.Cond, opt query.Options) (fragment, bool) {
	t := c.q.Tables[0]
	if len(rest) > 0 || t.Secondary || opt.SearchAllVersions || (opt.Reader != nil && len(opt.Reader.Hidden) > 0) {
		return fragment{}, false
	}
	set, err := c.typeSet(t.Type)
	if err != nil {
		return fragment{}, false // the table's filter says why
	}
	f := c.capture(func() string {
		ph := make([]string, len(set))
		for i, id := range set {
			ph[i] = c.arg(id)
		}
		sql := " AND " + row + ".listed_type IN (" + strings.Join(ph, ", ") + ")"
		if row != "fc" {
			sql += " AND " + row + ".repository_id = " + c.arg(c.repo)
		}
		return sql
	})
	return f, true
}

// orderOf is the ORDER BY of keys, all in one direction.
func orderOf(keys []string, desc bool) fragment {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + dir(desc)
	}
	return fragment{sql: " ORDER BY " + strings.Join(parts, ", ")}
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
	t := c.q.Tables[0]
	a := c.alias[t]
	filter, err := c.rowFilter(rest, opt)
	if err != nil {
		return nil, err
	}
	set, err := c.typeSet(t.Type)
	if err != nil {
		return nil, err
	}
	types := fragment{sql: " FROM objects " + a + " WHERE " + a + ".repository_id = ? AND " + a + ".type_id IN (?" +
		strings.Repeat(", ?", len(set)-1) + ")", args: []any{c.repo}}
	for _, id := range set {
		types.args = append(types.args, id)
	}
	keys := []string{a + ".id"}
	if key.prop != "" {
		keys = []string{a + "." + indexOrders[key.prop], a + ".id"}
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	return &compiledQuery{body: fragment{sql: " FROM objects " + a + c.contentJoin(a) + " WHERE " + filter.sql, args: filter.args},
		order: orderOf(keys, key.desc), columns: []string{a + ".id"}, keys: keys, desc: key.desc, candidates: types}, nil
}

// propertyPath reads the objects having a value of a single-valued
// property equal to the one asked, in the order of their ids that the
// property index gives, each probed for the rest. Where the property's
// rows carry their object's filters (dialect.propertyFilters), the
// reader's access is tested there, and so is the rest when it is only
// the listed type: the rows are then read from the index alone.
func (c *compiler) propertyPath(x *query.CompareCond, rest []query.Cond, opt query.Options) (*compiledQuery, error) {
	a := c.alias[x.Column.Table]
	drive := c.capture(func() string {
		return "pv.property_id = " + c.arg(x.Column.Property.ID) + " AND pv." + valueColumn(x.Column.Property.PropertyType) + " = " + c.arg(sqlValue(x.Value))
	})
	var acl fragment
	if c.dialect.propertyFilters() {
		acl = c.drivenACL("pv.acl_id", opt)
	}
	filter, err := c.rowFilter(rest, opt)
	if err != nil {
		return nil, err
	}
	objects := " AND " + probe("SELECT 1 FROM objects "+a+c.contentJoin(a)+" WHERE "+a+".id = pv.object_id AND "+filter.sql)
	if c.dialect.propertyFilters() {
		if listed, ok := c.listedFilter("pv", rest, opt); ok {
			objects, filter = listed.sql, listed
		}
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	keys := []string{"pv.object_id"}
	return &compiledQuery{body: fragment{sql: " FROM object_properties pv WHERE " + drive.sql + acl.sql + objects,
		args: append(append(slices.Clone(drive.args), acl.args...), filter.args...)}, order: orderOf(keys, false), columns: keys, keys: keys,
		candidates: fragment{sql: " FROM object_properties pv WHERE " + drive.sql, args: drive.args}}, nil
}

// textPath reads the matches of the text search from its index, in the
// index's order or by rank, each row probed for the rest.
func (c *compiler) textPath(x *query.ContainsCond, key sortKey, rest []query.Cond, opt query.Options) (*compiledQuery, error) {
	a := c.alias[x.Table]
	search, err := c.dialect.textQuery(x.Search)
	if err != nil {
		return nil, err
	}
	src := c.dialect.textSource(a, "?", textOrderOf(x, key))
	cq, err := c.textQuery(a, search, src, key, rest, opt)
	if err != nil {
		return nil, err
	}
	for last, then := cq, src.then; then != nil; then = then.then {
		// The next part's rows follow in the index's order.
		if last.next, err = c.textQuery(a, search, *then, sortKey{}, rest, opt); err != nil {
			return nil, err
		}
		last = last.next
		last.keys = nil
		last.candidates = fragment{}
		cq.rowOrder = cq.rowOrder || last.rowOrder
	}
	return cq, nil
}

// textOrderOf is the order a text path asks of the index: by rank for
// SCORE(), in parts for one word best first; else the index's own.
func textOrderOf(x *query.ContainsCond, key sortKey) textOrder {
	switch {
	case key.score && key.desc && oneWord(x.Search):
		return textByRankOneWord
	case key.score && key.desc:
		// SCORE() falls as the rank rises: the best first is the lowest
		// rank first.
		return textByRank
	case key.score:
		return textByRankLast
	}
	return textByIndex
}

// oneWord reports whether a text search is one word, not negated.
func oneWord(ts *query.TextSearch) bool {
	if len(ts.Conjuncts) != 1 || len(ts.Conjuncts[0].Terms) != 1 || ts.Conjuncts[0].Terms[0].Negated {
		return false
	}
	n := 0
	textTokens(strings.Join(ts.Conjuncts[0].Terms[0].Words, " "), func(string) bool {
		n++
		return n < 2
	})
	return n == 1
}

// textQuery is a text path's statement over the matches src yields.
// Where the match's row carries its filters (src.filters), the reader's
// access is tested there, and so is the rest when it is only the listed
// type: the page's rows are then read without their objects.
func (c *compiler) textQuery(a, search string, src textSource, key sortKey, rest []query.Cond, opt query.Options) (*compiledQuery, error) {
	c.rank = src.rank
	var acl fragment
	if src.filters != "" {
		acl = c.drivenACL(src.filters+".acl_id", opt)
	}
	rows, err := c.rowFilter(rest, opt) // SCORE() in the rest reads c.rank
	if err != nil {
		return nil, err
	}
	from, id, filter := src.from+c.contentJoin(a), a+".id", fragment{sql: " AND " + rows.sql, args: rows.args}
	if src.filters != "" {
		if listed, ok := c.listedFilter(src.filters, rest, opt); ok {
			from, id, filter = src.matches, src.filters+".object_id", listed
		}
	}
	cq := &compiledQuery{body: fragment{sql: from + " WHERE " + src.match + acl.sql + filter.sql,
		args: append(append([]any{search}, acl.args...), filter.args...)}, columns: []string{id}, scored: c.q.Score,
		candidates: fragment{sql: src.candidates, args: []any{search}}, rowOrder: src.rowOrder, estimated: src.estimated}
	if src.order != "" {
		cq.order.sql = " ORDER BY " + src.order
		cq.keys = []string{src.order}
	}
	if key.score {
		cq.keys = nil // no index seeks into a rank order
		cq.order.sql = " ORDER BY " + src.rank + dir(!key.desc)
		if src.tie != "" {
			cq.order.sql += ", " + src.tie
		}
	}
	if cq.scored {
		cq.columns = append(cq.columns, c.score())
	}
	if len(c.errors) > 0 {
		return nil, c.errors[0]
	}
	return cq, nil
}
