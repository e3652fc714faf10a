package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/jmoiron/sqlx"
)

// systemColumns map system properties to the SQL that holds them for a
// table alias (objects tN, its contents ctN). Booleans are 0/1, instants
// milliseconds, like the stored custom values.
var systemColumns = map[string]string{
	cmis.PropName:                      "%[1]s.name",
	cmis.PropDescription:               "%[1]s.description",
	cmis.PropObjectID:                  "%[1]s.id",
	cmis.PropBaseTypeID:                "%[1]s.base_type_id",
	cmis.PropObjectTypeID:              "%[1]s.type_id",
	cmis.PropCreatedBy:                 "%[1]s.created_by",
	cmis.PropCreationDate:              "%[1]s.creation_date",
	cmis.PropLastModifiedBy:            "%[1]s.last_modified_by",
	cmis.PropLastModificationDate:      "%[1]s.last_modification_date",
	cmis.PropPath:                      "%[1]s.path",
	cmis.PropVersionSeriesID:           "%[1]s.version_series_id",
	cmis.PropVersionLabel:              "%[1]s.version_label",
	cmis.PropIsMajorVersion:            "%[1]s.is_major_version",
	cmis.PropIsLatestVersion:           "%[1]s.is_latest_version",
	cmis.PropIsLatestMajorVersion:      "%[1]s.is_latest_major",
	cmis.PropIsPrivateWorkingCopy:      "%[1]s.is_pwc",
	cmis.PropCheckinComment:            "%[1]s.checkin_comment",
	cmis.PropIsImmutable:               "0",
	cmis.PropContentStreamID:           "%[1]s.content_id",
	cmis.PropContentStreamLength:       "ct%[1]s.length",
	cmis.PropContentStreamMimeType:     "ct%[1]s.mime_type",
	cmis.PropContentStreamFileName:     "ct%[1]s.file_name",
	cmis.PropSourceID:                  "%[1]s.source_id",
	cmis.PropTargetID:                  "%[1]s.target_id",
	cmis.PropPolicyText:                "%[1]s.policy_text",
	cmis.PropParentID:                  "(SELECT c.parent_id FROM containment c WHERE c.child_id = %[1]s.id AND %[1]s.base_type_id = 'cmis:folder')",
	cmis.PropIsVersionSeriesCheckedOut: "(CASE WHEN EXISTS (SELECT 1 FROM objects pwc WHERE pwc.version_series_id = %[1]s.version_series_id AND pwc.is_pwc = 1) THEN 1 ELSE 0 END)",
}

// notNullProperties are the system properties every object has a value
// of (an ORDER BY key on them needs no NULLs placement).
var notNullProperties = map[string]bool{cmis.PropName: true, cmis.PropObjectID: true, cmis.PropBaseTypeID: true,
	cmis.PropObjectTypeID: true, cmis.PropCreatedBy: true, cmis.PropCreationDate: true, cmis.PropLastModifiedBy: true,
	cmis.PropLastModificationDate: true}

// nullable reports whether a column can be NULL in a result row.
func nullable(col *query.Column) bool {
	return !notNullProperties[col.Property.ID] || col.Table.Join == query.JoinLeft
}

// valueColumn is the object_properties column a property type lives in.
func valueColumn(t cmis.PropertyType) string {
	switch t {
	case cmis.PropertyBoolean, cmis.PropertyInteger, cmis.PropertyDateTime:
		return "value_int"
	case cmis.PropertyDecimal:
		return "value_real"
	}
	return "value_text"
}

// sqlValue converts a literal to what the column holds.
func sqlValue(v cmis.Value) any {
	switch x := v.(type) {
	case bool:
		return b2i(x)
	case time.Time:
		return x.UnixMilli()
	case cmis.Decimal:
		return x.Float()
	}
	return v
}

// compiler builds one statement; args follow the text's placeholders.
type compiler struct {
	store  *DB
	ctx    context.Context
	tx     *sqlx.Tx
	repo   string
	q      *query.Query
	alias  map[*query.Table]string
	args   []any
	errors []error
	// driven: tables with a selective top-level conjunct that should drive
	// the plan (see plan).
	driven map[*query.Table]bool
	// existsTree: IN_TREE conditions tested per row because another
	// conjunct drives.
	existsTree map[*query.FolderCond]bool
	// noIndex prefixes a column to keep the planner from using its index
	// (the dialect's spelling).
	noIndex string
	dialect dialect
	// content: the tables whose contents row a column reads (contentJoin).
	content map[string]bool
	// rank is the SQL of the text search's rank (score).
	rank string
	// aclBy: an index path checks the reader's access on the id its
	// index yields (drivenACL), not in the table's filter.
	aclBy string
}

// conjuncts flattens the top-level ANDs of a condition.
func conjuncts(x query.Cond) []query.Cond {
	if x == nil {
		return nil
	}
	if a, ok := x.(*query.AndCond); ok {
		var out []query.Cond
		for _, t := range a.Terms {
			out = append(out, conjuncts(t)...)
		}
		return out
	}
	return []query.Cond{x}
}

// driver is the table whose objects a conjunct finds through a selective
// index (custom-property equality or IN list, IN_FOLDER, IN_TREE,
// CONTAINS), or nil.
func driver(x query.Cond) *query.Table {
	switch x := x.(type) {
	case *query.CompareCond:
		// Booleans have two values: nothing to drive by.
		if !x.Score && x.Op == query.OpEq && custom(x.Column) && x.Column.Property.PropertyType != cmis.PropertyBoolean {
			return x.Column.Table
		}
	case *query.InCond:
		if !x.Not && custom(x.Column) {
			return x.Column.Table
		}
	case *query.FolderCond:
		return x.Table
	case *query.ContainsCond:
		return x.Table
	}
	return nil
}

// plan decides which tables a selective predicate drives, and which
// IN_TREE conditions are tested per row because another predicate drives:
// as "id IN (subquery)" beside another driver, SQLite would build the
// whole subtree's list of ids first (100,000 for a subtree of 1,000
// folders of 100 documents).
func (c *compiler) plan(w query.Cond) {
	c.driven, c.existsTree = map[*query.Table]bool{}, map[*query.FolderCond]bool{}
	others := map[*query.Table]bool{} // driven by something other than IN_TREE
	cs := conjuncts(w)
	for _, x := range cs {
		if t := driver(x); t != nil {
			c.driven[t] = true
			if f, ok := x.(*query.FolderCond); !ok || !f.Tree {
				others[t] = true
			}
		}
	}
	for _, x := range cs {
		if f, ok := x.(*query.FolderCond); ok && f.Tree && others[f.Table] {
			c.existsTree[f] = true
		}
	}
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?"
}

func (c *compiler) fail(err error) string {
	c.errors = append(c.errors, err)
	return "1 = 0"
}

// column is the SQL of a single-valued column.
func (c *compiler) column(col *query.Column) string {
	a := c.alias[col.Table]
	if f, ok := systemColumns[col.Property.ID]; ok {
		if strings.HasPrefix(f, "ct") {
			c.content[a] = true
		}
		return fmt.Sprintf(f, a)
	}
	if strings.HasPrefix(col.Property.ID, "cmis:") {
		return c.fail(cmis.Errorf(cmis.ErrInvalidArgument, "query: %s cannot be used here", col.Property.ID))
	}
	return "(SELECT pv." + valueColumn(col.Property.PropertyType) + " FROM object_properties pv WHERE pv.object_id = " + a +
		".id AND pv.property_id = " + c.arg(col.Property.ID) + " AND pv.position = 0)"
}

// custom reports whether a column is a stored custom property.
func custom(col *query.Column) bool {
	_, sys := systemColumns[col.Property.ID]
	return !sys && col.Property.ID != cmis.PropSecondaryObjectTypeIDs
}

// valuesHaving is "tN.id IN (objects having a value of the property that
// satisfies cond)": driven by the (property_id, value) index, so a
// selective predicate on a custom property does not scan the objects.
// cond writes its test of the value column it is given.
//
// cond is called after the property id is bound, so that arguments follow
// the order of their placeholders in the text.
func (c *compiler) valuesHaving(col *query.Column, cond func(value string) string) string {
	if col.Property.ID == cmis.PropSecondaryObjectTypeIDs {
		return c.alias[col.Table] + ".id IN (SELECT st.object_id FROM object_secondary_types st WHERE " + cond("st.type_id") + ")"
	}
	head := c.alias[col.Table] + ".id IN (SELECT pv.object_id FROM object_properties pv WHERE pv.property_id = " + c.arg(col.Property.ID) + " AND "
	return head + cond("pv."+valueColumn(col.Property.PropertyType)) + ")"
}

// anyValue is a valuesHaving condition every value meets: the property
// is set.
func anyValue(string) string { return "1 = 1" }

func (c *compiler) cond(x query.Cond) string {
	switch x := x.(type) {
	case *query.AndCond:
		return c.join(x.Terms, " AND ")
	case *query.OrCond:
		return c.join(x.Terms, " OR ")
	case *query.NotCond:
		return "NOT (" + c.cond(x.X) + ")"
	case *query.CompareCond:
		return c.compare(x)
	case *query.InCond:
		return c.in(x)
	case *query.LikeCond:
		return c.like(x)
	case *query.NullCond:
		return c.null(x)
	case *query.FolderCond:
		return c.folder(x)
	case *query.ContainsCond:
		if !c.dialect.fullText() {
			return c.fail(cmis.Errorf(cmis.ErrNotSupported, "query: full-text search (CONTAINS) is not supported by this build"))
		}
		match, err := c.dialect.textQuery(x.Search)
		if err != nil {
			return c.fail(err)
		}
		return c.dialect.textMatch(c.alias[x.Table]+".id", c.arg(match))
	}
	return c.fail(fmt.Errorf("query: unknown condition %T", x))
}

// compare is col op literal, or SCORE() op literal.
func (c *compiler) compare(x *query.CompareCond) string {
	if x.Score {
		return c.score() + " " + string(x.Op) + " " + c.arg(sqlValue(x.Value))
	}
	if custom(x.Column) {
		return c.valuesHaving(x.Column, func(v string) string { return v + " " + string(x.Op) + " " + c.arg(sqlValue(x.Value)) })
	}
	col := c.column(x.Column)
	return col + " " + string(x.Op) + " " + c.arg(sqlValue(x.Value))
}

// in is [ANY] col [NOT] IN (list).
func (c *compiler) in(x *query.InCond) string {
	list := func() string {
		ph := make([]string, len(x.Values))
		for i, v := range x.Values {
			ph[i] = c.arg(sqlValue(v))
		}
		return "(" + strings.Join(ph, ", ") + ")"
	}
	if custom(x.Column) || x.Any {
		switch {
		case x.Any && x.Not:
			// ANY col NOT IN (…): the property is set and none of its
			// values is in the list.
			return c.valuesHaving(x.Column, anyValue) + " AND NOT (" +
				c.valuesHaving(x.Column, func(v string) string { return v + " IN " + list() }) + ")"
		case x.Not:
			return c.valuesHaving(x.Column, func(v string) string { return v + " NOT IN " + list() })
		}
		return c.valuesHaving(x.Column, func(v string) string { return v + " IN " + list() })
	}
	col := c.column(x.Column)
	if x.Not {
		return col + " NOT IN " + list()
	}
	return col + " IN " + list()
}

// like is col [NOT] LIKE pattern.
func (c *compiler) like(x *query.LikeCond) string {
	not := ""
	if x.Not {
		not = "NOT "
	}
	like := func(col string) string { return col + " " + not + "LIKE " + c.arg(x.Pattern.SQL()) + " ESCAPE '\\'" }
	if custom(x.Column) {
		return c.valuesHaving(x.Column, like)
	}
	return like(c.column(x.Column))
}

// null is col IS [NOT] NULL: for a stored property, whether it has a
// value at all.
func (c *compiler) null(x *query.NullCond) string {
	if custom(x.Column) || x.Column.Property.ID == cmis.PropSecondaryObjectTypeIDs {
		has := c.valuesHaving(x.Column, anyValue)
		if x.Not {
			return has
		}
		return "NOT (" + has + ")"
	}
	if x.Not {
		return c.column(x.Column) + " IS NOT NULL"
	}
	return c.column(x.Column) + " IS NULL"
}

// score is SCORE(): the text search's rank of the CONTAINS table's row,
// mapped onto [0, 1); 0 where nothing matched.
func (c *compiler) score() string {
	if c.q.Contains == nil {
		return c.fail(cmis.Errorf(cmis.ErrInvalidArgument, "query: SCORE() needs a CONTAINS"))
	}
	return c.dialect.textScore(c.rank)
}

// contentJoin is the join of a table's contents row, when one of its
// columns is read: a join nothing needs would be one more loop in the
// plan.
func (c *compiler) contentJoin(a string) string {
	if !c.content[a] {
		return ""
	}
	return " LEFT JOIN contents ct" + a + " ON ct" + a + ".id = " + a + ".content_id"
}

func (c *compiler) join(terms []query.Cond, op string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "(" + c.cond(t) + ")"
	}
	return strings.Join(parts, op)
}

// folder compiles IN_FOLDER (the containment index) and IN_TREE (the
// folder path index: everything filed in a folder whose path lies under
// the given folder's; no walk of the tree).
func (c *compiler) folder(x *query.FolderCond) string {
	path, ok := c.folderOf(x)
	if !ok {
		return "1 = 0"
	}
	a := c.alias[x.Table]
	if !x.Tree {
		return a + ".id IN (SELECT c.child_id FROM containment c WHERE c.parent_id = " + c.arg(x.FolderID) + ")"
	}
	lo, hi := subtreeRange(path)
	if c.existsTree[x] {
		// Per row: its parents (containment_child), each looked up by id;
		// + keeps SQLite from walking the subtree's folders instead.
		return "EXISTS (SELECT 1 FROM containment c JOIN objects p ON p.id = c.parent_id WHERE c.child_id = " + a + ".id AND " + c.noIndex + "p.repository_id = " +
			c.arg(c.repo) + " AND (" + c.noIndex + "c.parent_id = " + c.arg(x.FolderID) + " OR (" + c.noIndex + "p.path >= " + c.arg(lo) + " AND " + c.noIndex + "p.path < " + c.arg(hi) + ")))"
	}
	return a + ".id IN (SELECT c.child_id FROM containment c JOIN objects p ON p.id = c.parent_id WHERE p.repository_id = " +
		c.arg(c.repo) + " AND (p.id = " + c.arg(x.FolderID) + " OR (p.path >= " + c.arg(lo) + " AND p.path < " + c.arg(hi) + ")))"
}

// folderOf is the path of a folder condition's folder; a folder that is
// not there fails the compilation.
func (c *compiler) folderOf(x *query.FolderCond) (string, bool) {
	path, err := queryFolder(c.ctx, c.tx, c.repo, x.FolderID)
	if err != nil {
		c.fail(err)
		return "", false
	}
	return path, true
}

// queryFolder is the path of the folder a folder condition names, or the
// query's error when it names no folder of the repository.
func queryFolder(ctx context.Context, tx *sqlx.Tx, repo, id string) (string, error) {
	path, err := requireFolder(ctx, tx, repo, id)
	if t := cmis.ErrorTypeOf(err); err != nil && (t == cmis.ErrObjectNotFound || t == cmis.ErrInvalidArgument) {
		// In a query it is the statement that is wrong, not the object.
		return "", cmis.Errorf(cmis.ErrInvalidArgument, "query: %s is not a folder", id)
	}
	return path, err
}

// typeSet is a table's type and the subtypes whose objects its query
// includes (includedInSupertypeQuery), read from the types table once per
// cache generation (a type's change bumps it). Shared: not to be
// modified.
func (c *compiler) typeSet(t *cmis.TypeDefinition) ([]string, error) {
	return cached(c.store, c.ctx, func(c *cache) map[typeKey][]string { return c.queried }, typeKey{c.repo, t.ID},
		func() ([]string, error) {
			set := []string{t.ID}
			frontier := []string{t.ID}
			for len(frontier) > 0 && len(set) < 10000 {
				q, args, err := sqlx.In(`SELECT id FROM types WHERE repository_id = ? AND parent_id IN (?) AND included_in_supertype_query = 1`, c.repo, frontier)
				if err != nil {
					return nil, err
				}
				var next []string
				if err := c.tx.SelectContext(c.ctx, &next, q, args...); err != nil {
					return nil, err
				}
				set = append(set, next...)
				frontier = next
			}
			return set, nil
		})
}

// tableFilter restricts a table to its types, its repository, the
// versions searched and what the reader may see.
func (c *compiler) tableFilter(t *query.Table, opt query.Options) (string, error) {
	a := c.alias[t]
	set, err := c.typeSet(t.Type)
	if err != nil {
		return "", err
	}
	ph := make([]string, len(set))
	for i, id := range set {
		ph[i] = c.arg(id)
	}
	var f string
	// A table that a selective predicate drives must not be read through
	// its type or repository (objects_type, objects_name, objects_pwc):
	// without statistics SQLite takes those for selective and reads every
	// object of the type. Unary + leaves them filters only.
	noIndex := ""
	if c.driven[t] {
		noIndex = c.noIndex
	}
	if t.Secondary {
		f = a + ".id IN (SELECT st.object_id FROM object_secondary_types st WHERE st.type_id IN (" + strings.Join(ph, ", ") + "))"
	} else {
		f = noIndex + a + ".type_id IN (" + strings.Join(ph, ", ") + ")"
	}
	f += " AND " + noIndex + a + ".repository_id = " + c.arg(c.repo)
	// Private working copies are not searchable; old versions only with
	// searchAllVersions.
	f += " AND (" + a + ".is_pwc IS NULL OR " + a + ".is_pwc = 0)"
	if !opt.SearchAllVersions {
		f += " AND (" + a + ".is_latest_version IS NULL OR " + a + ".is_latest_version = 1)"
	}
	acl, args := readFilter(a, opt.Reader)
	if c.aclBy != "" && opt.Reader != nil {
		acl, args = hiddenFilter(a, opt.Reader.Hidden)
	}
	c.args = append(c.args, args...)
	return f + acl, nil
}

// fragment is SQL text with the arguments of its placeholders.
type fragment struct {
	sql  string
	args []any
}

// capture runs f with a fresh argument list, so that fragments can be
// assembled in any order and keep their arguments with them.
func (c *compiler) capture(f func() string) fragment {
	saved := c.args
	c.args = nil
	text := f()
	frag := fragment{text, c.args}
	c.args = saved
	return frag
}
