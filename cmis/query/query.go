package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// TypeResolver finds the types a statement names.
type TypeResolver interface {
	// TypeByQueryName returns the type whose queryName is name, or an
	// objectNotFound/invalidArgument cmis error.
	TypeByQueryName(name string) (*cmis.TypeDefinition, error)
}

// ScoreQueryName is the output query name of an unaliased SCORE().
const ScoreQueryName = "SEARCH_SCORE"

// Query is a statement resolved against the type system and checked:
// what the SQL compiler works from. Every value in it is typed.
type Query struct {
	// Tables in FROM order; Tables[0] has Join == JoinNone, every other
	// one is joined to the tables before it.
	Tables []*Table
	// Columns is the select list, SELECT * and qualifier.* expanded.
	Columns []*SelectColumn
	// Where is the condition; nil without WHERE.
	Where Cond
	// OrderBy keys in order.
	OrderBy []*OrderKey
	// Contains is the statement's one CONTAINS predicate (also present in
	// Where), nil if none.
	Contains *ContainsCond
	// Score reports whether SCORE() appears anywhere.
	Score bool
}

// Table is one FROM entry bound to its type.
type Table struct {
	Type  *cmis.TypeDefinition
	Alias string // the correlation name, "" if none
	// Name is how columns qualify the table: the alias, else the type's
	// query name.
	Name string
	// Secondary: a secondary type, whose rows are the objects it is
	// attached to; such a table joins on cmis:objectId only.
	Secondary bool
	Join      JoinKind // JoinNone for Tables[0]
	// On is the join condition (Join != JoinNone): OnLeft belongs to a
	// table before this one, OnRight to this one.
	OnLeft, OnRight *Column

	objectID *cmis.PropertyDefinition // a secondary type's cmis:objectId
}

// Column is a property of one of the query's tables.
type Column struct {
	Table    *Table
	Property *cmis.PropertyDefinition
}

func (c *Column) String() string { return c.Table.Name + "." + c.Property.QueryName }

// SelectColumn is one output column.
type SelectColumn struct {
	Column *Column // nil for SCORE()
	Score  bool
	Alias  string // "" if none
	// QueryName is the name the result carries: the alias, else the
	// property's query name (qualified as table.name when two tables
	// contribute the same one), else SEARCH_SCORE.
	QueryName string
}

// OrderKey is one ORDER BY key.
type OrderKey struct {
	Column *Column // nil when ordering by SCORE() through its alias
	Score  bool
	Desc   bool
}

// Cond is a bound condition: *AndCond, *OrCond, *NotCond, *CompareCond,
// *InCond, *LikeCond, *NullCond, *ContainsCond or *FolderCond.
type Cond interface {
	cond()
	String() string
}

// AndCond holds when all its terms do.
type AndCond struct{ Terms []Cond }

// OrCond holds when any of its terms does.
type OrCond struct{ Terms []Cond }

// NotCond negates X.
type NotCond struct{ X Cond }

// CompareCond is column op value, or SCORE() op value. Value's Go type
// follows the property type (see cmis.Value); an integer property may
// be compared with a cmis.Decimal, and SCORE() always is.
type CompareCond struct {
	Column *Column // nil for SCORE()
	Score  bool
	Op     Op
	Value  cmis.Value
}

// InCond is column [NOT] IN (values), or with Any, for a multi-valued
// column, ANY column [NOT] IN (values); `'x' = ANY col` binds to
// ANY col IN ('x').
type InCond struct {
	Column *Column
	Any    bool
	Not    bool
	Values []cmis.Value
}

// LikeCond is column [NOT] LIKE pattern.
type LikeCond struct {
	Column  *Column
	Not     bool
	Pattern LikePattern
}

// NullCond is column IS [NOT] NULL; for a multi-valued column, NULL
// means no values.
type NullCond struct {
	Column *Column
	Not    bool
}

// ContainsCond is the full-text predicate on Table.
type ContainsCond struct {
	Table  *Table
	Text   string
	Search *TextSearch
}

// FolderCond is IN_FOLDER (Tree false: direct children) or IN_TREE
// (descendants) of FolderID, for the objects of Table.
type FolderCond struct {
	Table    *Table
	Tree     bool
	FolderID string
}

func (*AndCond) cond()      {}
func (*OrCond) cond()       {}
func (*NotCond) cond()      {}
func (*CompareCond) cond()  {}
func (*InCond) cond()       {}
func (*LikeCond) cond()     {}
func (*NullCond) cond()     {}
func (*ContainsCond) cond() {}
func (*FolderCond) cond()   {}

// ---- printing, for tests and logs ----

// String prints the bound query compactly, e.g.
//
//	FROM t:doc d | SELECT cmis:name=d.cmis:name | WHERE d.t:amount > 5 | ORDER BY d.cmis:name
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("FROM ")
	for i, t := range q.Tables {
		if i > 0 {
			b.WriteString(" " + t.Join.String() + " ")
		}
		b.WriteString(t.Type.QueryName)
		if t.Alias != "" {
			b.WriteString(" " + t.Alias)
		}
		if t.OnLeft != nil {
			b.WriteString(" ON " + t.OnLeft.String() + " = " + t.OnRight.String())
		}
	}
	b.WriteString(" | SELECT ")
	for i, c := range q.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.QueryName + "=")
		if c.Score {
			b.WriteString("SCORE()")
		} else {
			b.WriteString(c.Column.String())
		}
	}
	if q.Where != nil {
		b.WriteString(" | WHERE " + q.Where.String())
	}
	for i, k := range q.OrderBy {
		if i == 0 {
			b.WriteString(" | ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		if k.Score {
			b.WriteString("SCORE()")
		} else {
			b.WriteString(k.Column.String())
		}
		if k.Desc {
			b.WriteString(" DESC")
		}
	}
	return b.String()
}

// formatValue prints a bound value with its Go type visible: 'text',
// 5 (int64), 5.0d (cmis.Decimal), TRUE, TIMESTAMP '…'.
func formatValue(v cmis.Value) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case cmis.Decimal:
		return string(x) + "d"
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case time.Time:
		return "TIMESTAMP '" + x.Format(time.RFC3339Nano) + "'"
	}
	return "?"
}

func condOperand(c Cond) string {
	switch c.(type) {
	case *AndCond, *OrCond:
		return "(" + c.String() + ")"
	}
	return c.String()
}

func joinConds(terms []Cond, op string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = condOperand(t)
	}
	return strings.Join(parts, op)
}

func (c *AndCond) String() string { return joinConds(c.Terms, " AND ") }
func (c *OrCond) String() string  { return joinConds(c.Terms, " OR ") }
func (c *NotCond) String() string { return "NOT " + condOperand(c.X) }

func (c *CompareCond) String() string {
	left := "SCORE()"
	if !c.Score {
		left = c.Column.String()
	}
	return left + " " + string(c.Op) + " " + formatValue(c.Value)
}

func (c *InCond) String() string {
	var b strings.Builder
	if c.Any {
		b.WriteString("ANY ")
	}
	b.WriteString(c.Column.String())
	if c.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" IN (")
	for i, v := range c.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatValue(v))
	}
	b.WriteString(")")
	return b.String()
}

func (c *LikeCond) String() string {
	not := ""
	if c.Not {
		not = " NOT"
	}
	return c.Column.String() + not + " LIKE " + c.Pattern.String()
}

func (c *NullCond) String() string {
	if c.Not {
		return c.Column.String() + " IS NOT NULL"
	}
	return c.Column.String() + " IS NULL"
}

func (c *ContainsCond) String() string {
	return "CONTAINS(" + c.Table.Name + ", " + c.Search.String() + ")"
}

func (c *FolderCond) String() string {
	return folderName(c.Tree) + "(" + c.Table.Name + ", " + quote(c.FolderID) + ")"
}
