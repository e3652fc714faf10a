package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// Statement is a parsed CMIS-QL statement: the syntax only, before any
// name is resolved. Its String method prints it back as canonical
// CMIS-QL (keywords upper-case, nested AND/OR in parentheses) that
// parses to an equal Statement.
type Statement struct {
	SelectAll bool         // SELECT *
	Select    []SelectItem // the select list; empty when SelectAll
	From      TableExpr
	Where     Expr // nil without WHERE
	OrderBy   []SortSpec
}

// SelectItem is one entry of the select list: a column, SCORE(), or
// qualifier.* (AllOf set).
type SelectItem struct {
	Pos    Pos
	Column *ColumnRef // a column; nil for SCORE() and qualifier.*
	Score  bool       // SCORE()
	AllOf  string     // qualifier.*: the qualifier
	Alias  string     // AS alias, "" if none
}

// ColumnRef is [qualifier.]name, name being a property query name.
type ColumnRef struct {
	Pos       Pos
	Qualifier string
	Name      string
}

// TableExpr is a FROM source: *TableName or *JoinExpr.
type TableExpr interface {
	tableExpr()
	writeTo(b *strings.Builder)
}

// TableName is a type query name with an optional correlation name.
type TableName struct {
	Pos   Pos
	Name  string
	Alias string
}

// JoinKind is the kind of a JOIN.
type JoinKind uint8

const (
	JoinNone  JoinKind = iota // the first table of FROM
	JoinInner                 // [INNER] JOIN
	JoinLeft                  // LEFT [OUTER] JOIN
	JoinRight                 // RIGHT [OUTER] JOIN
)

func (k JoinKind) String() string {
	switch k {
	case JoinInner:
		return "JOIN"
	case JoinLeft:
		return "LEFT JOIN"
	case JoinRight:
		return "RIGHT JOIN"
	}
	return ""
}

// JoinExpr is Left JOIN Right [ON On].
type JoinExpr struct {
	Pos   Pos // of the JOIN keyword (or of INNER/LEFT/RIGHT)
	Kind  JoinKind
	Left  TableExpr
	Right TableExpr
	On    *JoinOn // nil without ON
}

// JoinOn is the ON condition: column = column.
type JoinOn struct {
	Left, Right ColumnRef
}

// SortSpec is one ORDER BY key.
type SortSpec struct {
	Column ColumnRef
	Desc   bool
}

// LiteralKind says which of the CMIS-QL literal forms a Literal is.
type LiteralKind uint8

const (
	LitString    LiteralKind = iota + 1 // 'text'         Value: string
	LitInteger                          // 42, -7        Value: int64
	LitDecimal                          // 1.5, 2e3      Value: cmis.Decimal
	LitBoolean                          // TRUE, FALSE   Value: bool
	LitTimestamp                        // TIMESTAMP '…' Value: time.Time (UTC)
)

func (k LiteralKind) String() string {
	switch k {
	case LitString:
		return "string"
	case LitInteger:
		return "integer"
	case LitDecimal:
		return "decimal"
	case LitBoolean:
		return "boolean"
	case LitTimestamp:
		return "TIMESTAMP"
	}
	return "literal"
}

// Literal is a typed value written in the statement; Value's Go type
// follows Kind.
type Literal struct {
	Pos   Pos
	Kind  LiteralKind
	Value cmis.Value
}

// Op is a comparison operator.
type Op string

const (
	OpEq Op = "="
	OpNe Op = "<>"
	OpLt Op = "<"
	OpLe Op = "<="
	OpGt Op = ">"
	OpGe Op = ">="
)

// Expr is a WHERE condition: *AndExpr, *OrExpr, *NotExpr, *CompareExpr,
// *InExpr, *LikeExpr, *NullExpr, *AnyEqualExpr, *ContainsExpr or
// *FolderExpr.
type Expr interface {
	expr()
	writeTo(b *strings.Builder)
}

// AndExpr is Terms[0] AND Terms[1] AND …
type AndExpr struct{ Terms []Expr }

// OrExpr is Terms[0] OR Terms[1] OR …
type OrExpr struct{ Terms []Expr }

// NotExpr is NOT X.
type NotExpr struct{ X Expr }

// CompareExpr is column op literal, or SCORE() op literal.
type CompareExpr struct {
	Pos    Pos
	Column *ColumnRef // nil for SCORE()
	Score  bool
	Op     Op
	Value  Literal
}

// InExpr is column [NOT] IN (…) or, with Any, ANY column [NOT] IN (…).
type InExpr struct {
	Column ColumnRef
	Any    bool
	Not    bool
	Values []Literal
}

// LikeExpr is column [NOT] LIKE 'pattern'.
type LikeExpr struct {
	Column  ColumnRef
	Not     bool
	Pattern LikePattern
}

// NullExpr is column IS [NOT] NULL.
type NullExpr struct {
	Column ColumnRef
	Not    bool
}

// AnyEqualExpr is literal = ANY column.
type AnyEqualExpr struct {
	Value  Literal
	Column ColumnRef
}

// ContainsExpr is CONTAINS([qualifier,] 'text'); Text is the decoded
// string and Search its parse.
type ContainsExpr struct {
	Pos       Pos
	Qualifier string
	Text      string
	Search    *TextSearch
}

// FolderExpr is IN_FOLDER([qualifier,] 'id') or, with Tree,
// IN_TREE([qualifier,] 'id').
type FolderExpr struct {
	Pos       Pos
	Tree      bool
	Qualifier string
	FolderID  string
}

func (*TableName) tableExpr() {}
func (*JoinExpr) tableExpr()  {}

func (*AndExpr) expr()      {}
func (*OrExpr) expr()       {}
func (*NotExpr) expr()      {}
func (*CompareExpr) expr()  {}
func (*InExpr) expr()       {}
func (*LikeExpr) expr()     {}
func (*NullExpr) expr()     {}
func (*AnyEqualExpr) expr() {}
func (*ContainsExpr) expr() {}
func (*FolderExpr) expr()   {}

// ---- printing ----

func (s *Statement) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if s.SelectAll {
		b.WriteString("*")
	}
	for i, it := range s.Select {
		if i > 0 {
			b.WriteString(", ")
		}
		it.writeTo(&b)
	}
	b.WriteString(" FROM ")
	if s.From != nil {
		s.From.writeTo(&b)
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		s.Where.writeTo(&b)
	}
	for i, o := range s.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(o.Column.String())
		if o.Desc {
			b.WriteString(" DESC")
		}
	}
	return b.String()
}

func (it SelectItem) writeTo(b *strings.Builder) {
	switch {
	case it.AllOf != "":
		b.WriteString(it.AllOf + ".*")
		return
	case it.Score:
		b.WriteString("SCORE()")
	case it.Column != nil:
		b.WriteString(it.Column.String())
	}
	if it.Alias != "" {
		b.WriteString(" AS " + it.Alias)
	}
}

func (c ColumnRef) String() string {
	if c.Qualifier != "" {
		return c.Qualifier + "." + c.Name
	}
	return c.Name
}

func (t *TableName) writeTo(b *strings.Builder) {
	b.WriteString(t.Name)
	if t.Alias != "" {
		b.WriteString(" AS " + t.Alias)
	}
}

func (j *JoinExpr) writeTo(b *strings.Builder) {
	j.Left.writeTo(b)
	b.WriteString(" " + j.Kind.String() + " ")
	// A join on the right only parses back as one inside parentheses.
	if _, nested := j.Right.(*JoinExpr); nested {
		b.WriteString("(")
		j.Right.writeTo(b)
		b.WriteString(")")
	} else {
		j.Right.writeTo(b)
	}
	if j.On != nil {
		b.WriteString(" ON " + j.On.Left.String() + " = " + j.On.Right.String())
	}
}

// String prints the literal in CMIS-QL. Strings double their quotes and
// backslashes, so the text reads back as the same value.
func (l Literal) String() string {
	switch v := l.Value.(type) {
	case string:
		return quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case cmis.Decimal:
		return string(v)
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case time.Time:
		return "TIMESTAMP '" + v.UTC().Format(time.RFC3339Nano) + "'"
	}
	return "?"
}

// quote writes s as a CMIS-QL string literal.
func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `''`)
	return "'" + s + "'"
}

// writeOperand prints a condition inside AND/OR, in parentheses when it
// is itself AND/OR, so the printed form shows the tree's shape exactly.
func writeOperand(b *strings.Builder, e Expr) {
	switch e.(type) {
	case *AndExpr, *OrExpr:
		b.WriteString("(")
		e.writeTo(b)
		b.WriteString(")")
	default:
		e.writeTo(b)
	}
}

func writeTerms(b *strings.Builder, terms []Expr, op string) {
	for i, t := range terms {
		if i > 0 {
			b.WriteString(op)
		}
		writeOperand(b, t)
	}
}

func (e *AndExpr) writeTo(b *strings.Builder) { writeTerms(b, e.Terms, " AND ") }
func (e *OrExpr) writeTo(b *strings.Builder)  { writeTerms(b, e.Terms, " OR ") }

func (e *NotExpr) writeTo(b *strings.Builder) {
	b.WriteString("NOT ")
	if _, ok := e.X.(*NotExpr); ok {
		b.WriteString("(")
		e.X.writeTo(b)
		b.WriteString(")")
		return
	}
	writeOperand(b, e.X)
}

func (e *CompareExpr) writeTo(b *strings.Builder) {
	if e.Score {
		b.WriteString("SCORE()")
	} else {
		b.WriteString(e.Column.String())
	}
	b.WriteString(" " + string(e.Op) + " " + e.Value.String())
}

func (e *InExpr) writeTo(b *strings.Builder) {
	if e.Any {
		b.WriteString("ANY ")
	}
	b.WriteString(e.Column.String())
	if e.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" IN (")
	for i, v := range e.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.String())
	}
	b.WriteString(")")
}

func (e *LikeExpr) writeTo(b *strings.Builder) {
	b.WriteString(e.Column.String())
	if e.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" LIKE " + e.Pattern.String())
}

func (e *NullExpr) writeTo(b *strings.Builder) {
	b.WriteString(e.Column.String() + " IS ")
	if e.Not {
		b.WriteString("NOT ")
	}
	b.WriteString("NULL")
}

func (e *AnyEqualExpr) writeTo(b *strings.Builder) {
	b.WriteString(e.Value.String() + " = ANY " + e.Column.String())
}

func (e *ContainsExpr) writeTo(b *strings.Builder) {
	b.WriteString("CONTAINS(")
	if e.Qualifier != "" {
		b.WriteString(e.Qualifier + ", ")
	}
	b.WriteString(quote(e.Text) + ")")
}

func (e *FolderExpr) writeTo(b *strings.Builder) {
	if e.Tree {
		b.WriteString("IN_TREE(")
	} else {
		b.WriteString("IN_FOLDER(")
	}
	if e.Qualifier != "" {
		b.WriteString(e.Qualifier + ", ")
	}
	b.WriteString(quote(e.FolderID) + ")")
}

// ExprString prints a condition as String does inside a statement.
func ExprString(e Expr) string {
	var b strings.Builder
	e.writeTo(&b)
	return b.String()
}
