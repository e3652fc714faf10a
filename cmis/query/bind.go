package query

import (
	"strconv"

	"github.com/cmisd/cmisd/cmis"
)

// secondaryObjectID is the cmis:objectId column every secondary-type
// table has, whether or not the type lists it, so it can be joined.
var secondaryObjectID = cmis.PropertyDefinition{
	ID: cmis.PropObjectID, LocalName: cmis.PropObjectID, QueryName: cmis.PropObjectID,
	DisplayName: "Object Id", PropertyType: cmis.PropertyID, Cardinality: cmis.Single,
	Updatability: cmis.ReadOnly, Queryable: true, Orderable: true,
}

// property finds a property of the table's type by query name.
func (t *Table) property(queryName string) *cmis.PropertyDefinition {
	for i := range t.Type.PropertyDefinitions {
		if t.Type.PropertyDefinitions[i].QueryName == queryName {
			return &t.Type.PropertyDefinitions[i]
		}
	}
	if t.Secondary && queryName == cmis.PropObjectID {
		if t.objectID == nil {
			pd := secondaryObjectID // a copy per table: callers may keep the pointer
			t.objectID = &pd
		}
		return t.objectID
	}
	return nil
}

// Bind resolves a parsed statement against the type system and checks
// it (CMIS 1.1 2.1.14). Errors are invalidArgument naming the position;
// errors of the resolver other than objectNotFound/invalidArgument are
// returned as they are.
func Bind(stmt *Statement, types TypeResolver) (*Query, error) {
	b := &binder{types: types, q: &Query{}}
	if err := b.from(stmt.From); err != nil {
		return nil, err
	}
	if err := b.selectList(stmt); err != nil {
		return nil, err
	}
	if stmt.Where != nil {
		w, err := b.cond(stmt.Where, true)
		if err != nil {
			return nil, err
		}
		b.q.Where = w
	}
	if err := b.orderBy(stmt.OrderBy); err != nil {
		return nil, err
	}
	if b.q.Score && b.q.Contains == nil {
		return nil, errorAt(b.scorePos, "SCORE() needs a CONTAINS predicate")
	}
	return b.q, nil
}

type binder struct {
	types    TypeResolver
	q        *Query
	scorePos Pos
	selected map[string]*SelectColumn // by alias, for ORDER BY
}

func (b *binder) useScore(pos Pos) {
	if !b.q.Score {
		b.q.Score, b.scorePos = true, pos
	}
}

// from flattens FROM into Tables. Joins nest to the left only: a
// parenthesised join on the right of JOIN would need a join tree, which
// the compiler does not take.
func (b *binder) from(t TableExpr) error {
	switch t := t.(type) {
	case *TableName:
		return b.table(t, JoinNone, nil)
	case *JoinExpr:
		if err := b.from(t.Left); err != nil {
			return err
		}
		right, ok := t.Right.(*TableName)
		if !ok {
			return cmis.Errorf(cmis.ErrNotSupported, "query: %s: a parenthesised join on the right of JOIN is not supported", t.Pos)
		}
		if t.On == nil {
			return errorAt(t.Pos, "JOIN needs ON column = column")
		}
		return b.table(right, t.Kind, t.On)
	}
	return errorAt(Pos{1, 1}, "missing FROM")
}

func (b *binder) table(tn *TableName, kind JoinKind, on *JoinOn) error {
	td, err := b.types.TypeByQueryName(tn.Name)
	if err != nil {
		if t := cmis.ErrorTypeOf(err); t != cmis.ErrObjectNotFound && t != cmis.ErrInvalidArgument {
			return err
		}
		td = nil
	}
	if td == nil {
		return errorAt(tn.Pos, "unknown type %s", tn.Name)
	}
	if !td.Queryable {
		return errorAt(tn.Pos, "type %s is not queryable", tn.Name)
	}
	t := &Table{Type: td, Alias: tn.Alias, Name: tn.Alias, Secondary: td.BaseID == cmis.BaseSecondary, Join: kind}
	if t.Name == "" {
		t.Name = tn.Name
	}
	for _, o := range b.q.Tables {
		if o.Name == t.Name {
			return errorAt(tn.Pos, "table name %s used twice in FROM (give one an alias)", t.Name)
		}
	}
	b.q.Tables = append(b.q.Tables, t)
	if on == nil {
		return nil
	}
	return b.joinOn(t, on)
}

// joinOn binds ON: one column of the new table, one of a table before
// it, both queryable, single-valued and of comparable types.
func (b *binder) joinOn(t *Table, on *JoinOn) error {
	l, err := b.column(on.Left, useJoin)
	if err != nil {
		return err
	}
	r, err := b.column(on.Right, useJoin)
	if err != nil {
		return err
	}
	if l.Table == t {
		l, r = r, l
		on = &JoinOn{Left: on.Right, Right: on.Left}
	}
	if r.Table != t || l.Table == t {
		return errorAt(on.Left.Pos, "ON must compare a column of %s with a column of a table joined before it", t.Name)
	}
	if typeGroup(l.Property.PropertyType) != typeGroup(r.Property.PropertyType) {
		return errorAt(on.Right.Pos, "cannot join %s (%s) with %s (%s)", l, l.Property.PropertyType, r, r.Property.PropertyType)
	}
	if (l.Table.Secondary || r.Table.Secondary) &&
		(l.Property.QueryName != cmis.PropObjectID || r.Property.QueryName != cmis.PropObjectID) {
		return errorAt(on.Left.Pos, "a secondary type joins on cmis:objectId = cmis:objectId only")
	}
	t.OnLeft, t.OnRight = l, r
	return nil
}

// typeGroup puts property types that compare with each other together.
func typeGroup(t cmis.PropertyType) string {
	switch t {
	case cmis.PropertyString, cmis.PropertyID, cmis.PropertyHTML, cmis.PropertyURI:
		return "string"
	case cmis.PropertyInteger, cmis.PropertyDecimal:
		return "number"
	}
	return string(t)
}

// use says where a column appears; each place has its own rules.
type use uint8

const (
	useSelect use = iota
	useWhere      // single-valued, queryable
	useAny        // multi-valued, queryable (ANY forms)
	useNull       // queryable, any cardinality (IS [NOT] NULL)
	useJoin       // single-valued, queryable
	useOrder      // single-valued, orderable
)

// column resolves a column reference and checks it for its use.
func (b *binder) column(ref ColumnRef, u use) (*Column, error) {
	var col *Column
	if ref.Qualifier != "" {
		t := b.tableNamed(ref.Qualifier)
		if t == nil {
			return nil, errorAt(ref.Pos, "unknown table %s", ref.Qualifier)
		}
		pd := t.property(ref.Name)
		if pd == nil {
			return nil, errorAt(ref.Pos, "unknown property %s of type %s", ref.Name, t.Type.QueryName)
		}
		col = &Column{Table: t, Property: pd}
	} else {
		for _, t := range b.q.Tables {
			if pd := t.property(ref.Name); pd != nil {
				if col != nil {
					return nil, errorAt(ref.Pos, "column %s is ambiguous: qualify it with %s or %s", ref.Name, col.Table.Name, t.Name)
				}
				col = &Column{Table: t, Property: pd}
			}
		}
		if col == nil {
			return nil, errorAt(ref.Pos, "unknown property %s", ref.Name)
		}
	}
	pd, multi := col.Property, col.Property.Cardinality == cmis.Multi
	switch u {
	case useWhere, useAny, useNull, useJoin:
		if !pd.Queryable {
			return nil, errorAt(ref.Pos, "property %s is not queryable", ref)
		}
	case useOrder:
		if !pd.Orderable || multi {
			return nil, errorAt(ref.Pos, "property %s is not orderable", ref)
		}
	}
	switch {
	case (u == useWhere || u == useJoin) && multi:
		return nil, errorAt(ref.Pos, "multi-valued property %s can only be used with ANY or IS [NOT] NULL", ref)
	case u == useAny && !multi:
		return nil, errorAt(ref.Pos, "ANY needs a multi-valued property; %s is single-valued", ref)
	}
	return col, nil
}

func (b *binder) tableNamed(name string) *Table {
	for _, t := range b.q.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// selectList expands * and qualifier.*, resolves columns and names the
// output columns.
func (b *binder) selectList(stmt *Statement) error {
	var cols []*SelectColumn
	addAll := func(t *Table) {
		for i := range t.Type.PropertyDefinitions {
			cols = append(cols, &SelectColumn{Column: &Column{Table: t, Property: &t.Type.PropertyDefinitions[i]}})
		}
	}
	if stmt.SelectAll {
		for _, t := range b.q.Tables {
			addAll(t)
		}
	}
	for _, it := range stmt.Select {
		switch {
		case it.AllOf != "":
			t := b.tableNamed(it.AllOf)
			if t == nil {
				return errorAt(it.Pos, "unknown table %s", it.AllOf)
			}
			addAll(t)
		case it.Score:
			b.useScore(it.Pos)
			cols = append(cols, &SelectColumn{Score: true, Alias: it.Alias})
		default:
			c, err := b.column(*it.Column, useSelect)
			if err != nil {
				return err
			}
			cols = append(cols, &SelectColumn{Column: c, Alias: it.Alias})
		}
	}
	return b.nameColumns(cols, stmt.Select)
}

// nameColumns drops repeats of an unaliased column, sets QueryName, and
// qualifies property names that two tables contribute.
func (b *binder) nameColumns(cols []*SelectColumn, items []SelectItem) error {
	type key struct {
		t     *Table
		p     *cmis.PropertyDefinition
		score bool
	}
	seen := map[key]bool{}
	byName := map[string][]*SelectColumn{}
	b.selected = map[string]*SelectColumn{}
	for _, c := range cols {
		switch {
		case c.Alias != "":
			if b.selected[c.Alias] != nil {
				return errorAt(aliasPos(items, c.Alias), "alias %s used twice", c.Alias)
			}
			b.selected[c.Alias] = c
			c.QueryName = c.Alias
		case c.Score:
			if seen[key{score: true}] {
				continue
			}
			seen[key{score: true}] = true
			c.QueryName = ScoreQueryName
		default:
			k := key{t: c.Column.Table, p: c.Column.Property}
			if seen[k] {
				continue
			}
			seen[k] = true
			c.QueryName = c.Column.Property.QueryName
		}
		byName[c.QueryName] = append(byName[c.QueryName], c)
		b.q.Columns = append(b.q.Columns, c)
	}
	// Walk in select order so that the error, if any, is deterministic.
	for _, c := range b.q.Columns {
		same := byName[c.QueryName]
		if len(same) < 2 {
			continue
		}
		for _, o := range same {
			if o.Alias != "" || o.Score {
				return errorAt(aliasPos(items, c.QueryName), "column name %s used twice in the select list", c.QueryName)
			}
		}
	}
	for _, same := range byName {
		if len(same) > 1 {
			for _, c := range same {
				c.QueryName = c.Column.String()
			}
		}
	}
	return nil
}

// aliasPos finds where an alias was written, for error messages.
func aliasPos(items []SelectItem, alias string) Pos {
	pos := Pos{1, 1}
	for _, it := range items {
		if it.Alias == alias {
			pos = it.Pos
		}
	}
	return pos
}

// cond binds a WHERE condition. top is true while every enclosing
// operator is AND: the only place CONTAINS may stand.
func (b *binder) cond(e Expr, top bool) (Cond, error) {
	switch e := e.(type) {
	case *AndExpr:
		terms, err := b.conds(e.Terms, top)
		return &AndCond{Terms: terms}, err
	case *OrExpr:
		terms, err := b.conds(e.Terms, false)
		return &OrCond{Terms: terms}, err
	case *NotExpr:
		x, err := b.cond(e.X, false)
		return &NotCond{X: x}, err
	case *CompareExpr:
		return b.compare(e)
	case *InExpr:
		u := useWhere
		if e.Any {
			u = useAny
		}
		col, err := b.column(e.Column, u)
		if err != nil {
			return nil, err
		}
		c := &InCond{Column: col, Any: e.Any, Not: e.Not}
		for _, lit := range e.Values {
			v, err := coerce(lit, col)
			if err != nil {
				return nil, err
			}
			c.Values = append(c.Values, v)
		}
		return c, nil
	case *AnyEqualExpr:
		col, err := b.column(e.Column, useAny)
		if err != nil {
			return nil, err
		}
		v, err := coerce(e.Value, col)
		if err != nil {
			return nil, err
		}
		return &InCond{Column: col, Any: true, Values: []cmis.Value{v}}, nil
	case *LikeExpr:
		col, err := b.column(e.Column, useWhere)
		if err != nil {
			return nil, err
		}
		if pt := col.Property.PropertyType; pt != cmis.PropertyString && pt != cmis.PropertyID {
			return nil, errorAt(e.Column.Pos, "LIKE needs a string property; %s is %s", e.Column, pt)
		}
		return &LikeCond{Column: col, Not: e.Not, Pattern: e.Pattern}, nil
	case *NullExpr:
		col, err := b.column(e.Column, useNull)
		if err != nil {
			return nil, err
		}
		return &NullCond{Column: col, Not: e.Not}, nil
	case *ContainsExpr:
		return b.contains(e, top)
	case *FolderExpr:
		t, err := b.qualifiedTable(e.Pos, e.Qualifier, folderName(e.Tree))
		if err != nil {
			return nil, err
		}
		return &FolderCond{Table: t, Tree: e.Tree, FolderID: e.FolderID}, nil
	}
	return nil, errorAt(Pos{1, 1}, "unknown condition %T", e)
}

func folderName(tree bool) string {
	if tree {
		return "IN_TREE"
	}
	return "IN_FOLDER"
}

func (b *binder) conds(es []Expr, top bool) ([]Cond, error) {
	out := make([]Cond, 0, len(es))
	for _, e := range es {
		c, err := b.cond(e, top)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (b *binder) compare(e *CompareExpr) (Cond, error) {
	if e.Score {
		b.useScore(e.Pos)
		var v cmis.Value
		switch x := e.Value.Value.(type) {
		case int64:
			v = cmis.Decimal(strconv.FormatInt(x, 10))
		case cmis.Decimal:
			v = x
		default:
			return nil, errorAt(e.Value.Pos, "SCORE() compares with a number, not a %s literal", e.Value.Kind)
		}
		return &CompareCond{Score: true, Op: e.Op, Value: v}, nil
	}
	col, err := b.column(*e.Column, useWhere)
	if err != nil {
		return nil, err
	}
	pt := col.Property.PropertyType
	if e.Op != OpEq && e.Op != OpNe && (pt == cmis.PropertyBoolean || pt == cmis.PropertyID) {
		return nil, errorAt(e.Value.Pos, "operator %s does not apply to %s property %s", e.Op, pt, e.Column)
	}
	v, err := coerce(e.Value, col)
	if err != nil {
		return nil, err
	}
	return &CompareCond{Column: col, Op: e.Op, Value: v}, nil
}

// coerce checks that a literal fits the column's property type and
// returns its value with the Go type the compiler expects: integers
// compared with a decimal property become cmis.Decimal.
func coerce(lit Literal, col *Column) (cmis.Value, error) {
	pt := col.Property.PropertyType
	ok := false
	v := lit.Value
	switch pt {
	case cmis.PropertyString, cmis.PropertyID, cmis.PropertyHTML, cmis.PropertyURI:
		ok = lit.Kind == LitString
	case cmis.PropertyInteger:
		ok = lit.Kind == LitInteger || lit.Kind == LitDecimal
	case cmis.PropertyDecimal:
		ok = lit.Kind == LitInteger || lit.Kind == LitDecimal
		if n, isInt := v.(int64); isInt {
			v = cmis.Decimal(strconv.FormatInt(n, 10))
		}
	case cmis.PropertyDateTime:
		ok = lit.Kind == LitTimestamp
	case cmis.PropertyBoolean:
		ok = lit.Kind == LitBoolean
	}
	if !ok {
		return nil, errorAt(lit.Pos, "%s literal does not fit %s property %s", lit.Kind, pt, col.Property.QueryName)
	}
	return v, nil
}

func (b *binder) contains(e *ContainsExpr, top bool) (Cond, error) {
	if !top {
		return nil, errorAt(e.Pos, "CONTAINS must be ANDed at the top level of WHERE (not under OR or NOT)")
	}
	if b.q.Contains != nil {
		return nil, errorAt(e.Pos, "at most one CONTAINS is allowed")
	}
	t, err := b.qualifiedTable(e.Pos, e.Qualifier, "CONTAINS")
	if err != nil {
		return nil, err
	}
	if !t.Type.FulltextIndexed {
		return nil, errorAt(e.Pos, "type %s is not full-text indexed", t.Type.QueryName)
	}
	c := &ContainsCond{Table: t, Text: e.Text, Search: e.Search}
	b.q.Contains = c
	return c, nil
}

// qualifiedTable finds the table of CONTAINS/IN_FOLDER/IN_TREE: the
// named one, or the only one.
func (b *binder) qualifiedTable(pos Pos, qualifier, what string) (*Table, error) {
	if qualifier == "" {
		if len(b.q.Tables) > 1 {
			return nil, errorAt(pos, "%s needs a table qualifier when the query joins tables", what)
		}
		return b.q.Tables[0], nil
	}
	t := b.tableNamed(qualifier)
	if t == nil {
		return nil, errorAt(pos, "%s: unknown table %s", what, qualifier)
	}
	return t, nil
}

// orderBy binds ORDER BY; an unqualified name that is a select alias
// means that output column.
func (b *binder) orderBy(specs []SortSpec) error {
	for _, s := range specs {
		k := &OrderKey{Desc: s.Desc}
		if sc := b.selected[s.Column.Name]; s.Column.Qualifier == "" && sc != nil {
			if sc.Score {
				k.Score = true
				b.useScore(s.Column.Pos)
				b.q.OrderBy = append(b.q.OrderBy, k)
				continue
			}
			ref := ColumnRef{Pos: s.Column.Pos, Qualifier: sc.Column.Table.Name, Name: sc.Column.Property.QueryName}
			if _, err := b.column(ref, useOrder); err != nil {
				return err
			}
			k.Column = sc.Column
		} else {
			c, err := b.column(s.Column, useOrder)
			if err != nil {
				return err
			}
			k.Column = c
		}
		b.q.OrderBy = append(b.q.OrderBy, k)
	}
	return nil
}
