package query

import (
	"fmt"

	"github.com/cmisd/cmisd/cmis"
)

// maxDepth bounds the nesting of parentheses, so that a hostile
// statement cannot exhaust the stack.
const maxDepth = 100

// Parse parses a CMIS-QL statement. Errors are invalidArgument and name
// the line:column of the offending token.
func Parse(statement string) (*Statement, error) {
	p := &parser{toks: lex(statement)}
	s, err := p.statement()
	if err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

// peekAt looks n tokens ahead, stopping at the last (EOF or error) token.
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tokKeyword && t.text == kw
}

func (p *parser) acceptKeyword(kw string) bool {
	if p.isKeyword(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) accept(k tokKind) bool {
	if p.peek().kind == k {
		p.next()
		return true
	}
	return false
}

// errorAt is the error every syntax error becomes.
func errorAt(pos Pos, format string, args ...any) error {
	return cmis.Errorf(cmis.ErrInvalidArgument, "query: %s: %s", pos, fmt.Sprintf(format, args...))
}

// unexpected reports that want was expected at the next token; at a
// lexical error token, that error is the one to report.
func (p *parser) unexpected(want string) error {
	t := p.peek()
	if t.kind == tokError {
		return errorAt(t.pos, "%s", t.err)
	}
	return errorAt(t.pos, "expected %s, found %s", want, t.describe())
}

func (p *parser) expectKeyword(kw string) error {
	if !p.acceptKeyword(kw) {
		return p.unexpected(kw)
	}
	return nil
}

func (p *parser) expect(k tokKind, want string) (token, error) {
	if p.peek().kind != k {
		return token{}, p.unexpected(want)
	}
	return p.next(), nil
}

// statement := SELECT select_list FROM table_ref [WHERE search_cond]
// [ORDER BY sort_spec {, sort_spec}]
func (p *parser) statement() (*Statement, error) {
	s := &Statement{}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	if err := p.selectList(s); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	from, err := p.tableRef()
	if err != nil {
		return nil, err
	}
	s.From = from
	if p.acceptKeyword("WHERE") {
		if s.Where, err = p.searchCond(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("ORDER") {
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		if s.OrderBy, err = p.sortSpecs(); err != nil {
			return nil, err
		}
	}
	if p.peek().kind != tokEOF {
		return nil, p.unexpected("end of statement")
	}
	return s, nil
}

// select_list := '*' | select_item {, select_item}
func (p *parser) selectList(s *Statement) error {
	if p.accept(tokStar) {
		s.SelectAll = true
		return nil
	}
	for {
		it, err := p.selectItem()
		if err != nil {
			return err
		}
		s.Select = append(s.Select, it)
		if !p.accept(tokComma) {
			return nil
		}
	}
}

// select_item := qualifier '.' '*' | (column_ref | SCORE()) [[AS] alias]
func (p *parser) selectItem() (SelectItem, error) {
	it := SelectItem{Pos: p.peek().pos}
	switch {
	case p.isKeyword("SCORE"):
		if err := p.score(); err != nil {
			return it, err
		}
		it.Score = true
	case p.peek().kind == tokIdent && p.peekAt(1).kind == tokDot && p.peekAt(2).kind == tokStar:
		it.AllOf = p.next().text
		p.next()
		p.next()
		return it, nil
	case p.peek().kind == tokIdent:
		c, err := p.columnRef()
		if err != nil {
			return it, err
		}
		it.Column = &c
	default:
		return it, p.unexpected("a column name or *")
	}
	alias, err := p.optAlias()
	it.Alias = alias
	return it, err
}

// score := SCORE '(' ')'
func (p *parser) score() error {
	if err := p.expectKeyword("SCORE"); err != nil {
		return err
	}
	if _, err := p.expect(tokLParen, "("); err != nil {
		return err
	}
	_, err := p.expect(tokRParen, ")")
	return err
}

// optAlias reads [AS] alias: after AS the name is required; without AS
// any following identifier is the alias (keywords never are).
func (p *parser) optAlias() (string, error) {
	if p.acceptKeyword("AS") {
		t, err := p.expect(tokIdent, "an alias")
		return t.text, err
	}
	if p.peek().kind == tokIdent {
		return p.next().text, nil
	}
	return "", nil
}

// column_ref := [qualifier '.'] name
func (p *parser) columnRef() (ColumnRef, error) {
	t, err := p.expect(tokIdent, "a column name")
	if err != nil {
		return ColumnRef{}, err
	}
	c := ColumnRef{Pos: t.pos, Name: t.text}
	if p.accept(tokDot) {
		n, err := p.expect(tokIdent, "a column name after "+t.text+".")
		if err != nil {
			return c, err
		}
		c.Qualifier, c.Name = t.text, n.text
	}
	return c, nil
}

// table_ref := one_table { join }
// join := [INNER | LEFT [OUTER] | RIGHT [OUTER]] JOIN one_table [ON column_ref '=' column_ref]
func (p *parser) tableRef() (TableExpr, error) {
	left, err := p.oneTable()
	if err != nil {
		return nil, err
	}
	for {
		pos := p.peek().pos
		kind := JoinInner
		switch {
		case p.acceptKeyword("INNER"):
		case p.acceptKeyword("LEFT"):
			kind = JoinLeft
			p.acceptKeyword("OUTER")
		case p.acceptKeyword("RIGHT"):
			kind = JoinRight
			p.acceptKeyword("OUTER")
		case p.isKeyword("JOIN"):
		default:
			return left, nil
		}
		if err := p.expectKeyword("JOIN"); err != nil {
			return nil, err
		}
		right, err := p.oneTable()
		if err != nil {
			return nil, err
		}
		j := &JoinExpr{Pos: pos, Kind: kind, Left: left, Right: right}
		if p.acceptKeyword("ON") {
			l, err := p.columnRef()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(tokEq, "="); err != nil {
				return nil, err
			}
			r, err := p.columnRef()
			if err != nil {
				return nil, err
			}
			j.On = &JoinOn{Left: l, Right: r}
		}
		left = j
	}
}

// one_table := '(' table_ref ')' | table_name [[AS] correlation]
func (p *parser) oneTable() (TableExpr, error) {
	if p.peek().kind == tokLParen {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		p.next()
		t, err := p.tableRef()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, ")"); err != nil {
			return nil, err
		}
		return t, nil
	}
	t, err := p.expect(tokIdent, "a type name")
	if err != nil {
		return nil, err
	}
	alias, err := p.optAlias()
	return &TableName{Pos: t.pos, Name: t.text, Alias: alias}, err
}

// enter and leave count nesting for maxDepth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errorAt(p.peek().pos, "parentheses nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// search_cond := term {OR term}
func (p *parser) searchCond() (Expr, error) {
	first, err := p.boolTerm()
	if err != nil {
		return nil, err
	}
	if !p.isKeyword("OR") {
		return first, nil
	}
	or := &OrExpr{Terms: []Expr{first}}
	for p.acceptKeyword("OR") {
		t, err := p.boolTerm()
		if err != nil {
			return nil, err
		}
		or.Terms = append(or.Terms, t)
	}
	return or, nil
}

// term := factor {AND factor}
func (p *parser) boolTerm() (Expr, error) {
	first, err := p.factor()
	if err != nil {
		return nil, err
	}
	if !p.isKeyword("AND") {
		return first, nil
	}
	and := &AndExpr{Terms: []Expr{first}}
	for p.acceptKeyword("AND") {
		f, err := p.factor()
		if err != nil {
			return nil, err
		}
		and.Terms = append(and.Terms, f)
	}
	return and, nil
}

// factor := [NOT] test
func (p *parser) factor() (Expr, error) {
	if p.acceptKeyword("NOT") {
		x, err := p.test()
		if err != nil {
			return nil, err
		}
		return &NotExpr{X: x}, nil
	}
	return p.test()
}

// test := '(' search_cond ')' | predicate
func (p *parser) test() (Expr, error) {
	if p.peek().kind != tokLParen {
		return p.predicate()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next()
	e, err := p.searchCond()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, ")"); err != nil {
		return nil, err
	}
	return e, nil
}

// predicate := comparison | in | like | null | quantified_cmp |
// quantified_in | text_search | folder; the first token decides which.
func (p *parser) predicate() (Expr, error) {
	t := p.peek()
	switch {
	case t.kind == tokKeyword && t.text == "CONTAINS":
		return p.contains()
	case t.kind == tokKeyword && (t.text == "IN_FOLDER" || t.text == "IN_TREE"):
		return p.folder()
	case t.kind == tokKeyword && t.text == "ANY":
		return p.anyIn()
	case t.kind == tokKeyword && t.text == "SCORE":
		if err := p.score(); err != nil {
			return nil, err
		}
		op, lit, err := p.comparison()
		if err != nil {
			return nil, err
		}
		return &CompareExpr{Pos: t.pos, Score: true, Op: op, Value: lit}, nil
	case p.atLiteral():
		return p.anyEqual()
	case t.kind == tokIdent:
		return p.columnPredicate()
	}
	return nil, p.unexpected("a condition")
}

// columnPredicate := column_ref ( comp_op literal | [NOT] IN (…) |
// [NOT] LIKE string | IS [NOT] NULL )
func (p *parser) columnPredicate() (Expr, error) {
	col, err := p.columnRef()
	if err != nil {
		return nil, err
	}
	switch {
	case p.acceptKeyword("IS"):
		not := p.acceptKeyword("NOT")
		if err := p.expectKeyword("NULL"); err != nil {
			return nil, err
		}
		return &NullExpr{Column: col, Not: not}, nil
	case p.isKeyword("NOT") || p.isKeyword("IN") || p.isKeyword("LIKE"):
		not := p.acceptKeyword("NOT")
		if p.acceptKeyword("LIKE") {
			t, err := p.expect(tokString, "a string pattern")
			if err != nil {
				return nil, err
			}
			return &LikeExpr{Column: col, Not: not, Pattern: decodeLike(t.raw)}, nil
		}
		if !p.isKeyword("IN") {
			return nil, p.unexpected("IN or LIKE")
		}
		vals, err := p.inList()
		if err != nil {
			return nil, err
		}
		return &InExpr{Column: col, Not: not, Values: vals}, nil
	}
	if _, ok := compOps[p.peek().kind]; !ok {
		return nil, p.unexpected("a comparison operator, IN, LIKE or IS")
	}
	op, lit, err := p.comparison()
	if err != nil {
		return nil, err
	}
	return &CompareExpr{Pos: col.Pos, Column: &col, Op: op, Value: lit}, nil
}

var compOps = map[tokKind]Op{tokEq: OpEq, tokNe: OpNe, tokLt: OpLt, tokLe: OpLe, tokGt: OpGt, tokGe: OpGe}

// comparison := comp_op literal
func (p *parser) comparison() (Op, Literal, error) {
	op, ok := compOps[p.peek().kind]
	if !ok {
		return "", Literal{}, p.unexpected("a comparison operator")
	}
	p.next()
	lit, err := p.literal()
	return op, lit, err
}

// in_list := IN '(' literal {, literal} ')'
func (p *parser) inList() ([]Literal, error) {
	if err := p.expectKeyword("IN"); err != nil {
		return nil, err
	}
	if _, err := p.expect(tokLParen, "("); err != nil {
		return nil, err
	}
	var vals []Literal
	for {
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		vals = append(vals, lit)
		if !p.accept(tokComma) {
			break
		}
	}
	if _, err := p.expect(tokRParen, ") or ,"); err != nil {
		return nil, err
	}
	return vals, nil
}

// quantified_in := ANY column_ref [NOT] IN '(' literal {, literal} ')'
func (p *parser) anyIn() (Expr, error) {
	if err := p.expectKeyword("ANY"); err != nil {
		return nil, err
	}
	col, err := p.columnRef()
	if err != nil {
		return nil, err
	}
	not := p.acceptKeyword("NOT")
	vals, err := p.inList()
	if err != nil {
		return nil, err
	}
	return &InExpr{Column: col, Any: true, Not: not, Values: vals}, nil
}

// quantified_cmp := literal '=' ANY column_ref
func (p *parser) anyEqual() (Expr, error) {
	lit, err := p.literal()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokEq, "= (a literal on the left needs = ANY column)"); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("ANY"); err != nil {
		return nil, err
	}
	col, err := p.columnRef()
	if err != nil {
		return nil, err
	}
	return &AnyEqualExpr{Value: lit, Column: col}, nil
}

// text_search := CONTAINS '(' [qualifier ','] string ')'
func (p *parser) contains() (Expr, error) {
	pos := p.next().pos
	qual, t, err := p.qualifiedString()
	if err != nil {
		return nil, err
	}
	ts, te := parseText(t.str)
	if te != nil {
		return nil, errorAt(t.pos, "invalid CONTAINS text at column %d of the text: %s", te.col, te.msg)
	}
	return &ContainsExpr{Pos: pos, Qualifier: qual, Text: t.str, Search: ts}, nil
}

// folder := (IN_FOLDER | IN_TREE) '(' [qualifier ','] string ')'
func (p *parser) folder() (Expr, error) {
	kw := p.next()
	qual, t, err := p.qualifiedString()
	if err != nil {
		return nil, err
	}
	return &FolderExpr{Pos: kw.pos, Tree: kw.text == "IN_TREE", Qualifier: qual, FolderID: t.str}, nil
}

// qualifiedString := '(' [qualifier ','] string ')'
func (p *parser) qualifiedString() (string, token, error) {
	if _, err := p.expect(tokLParen, "("); err != nil {
		return "", token{}, err
	}
	qual := ""
	if p.peek().kind == tokIdent {
		qual = p.next().text
		if _, err := p.expect(tokComma, ","); err != nil {
			return "", token{}, err
		}
	}
	t, err := p.expect(tokString, "a string")
	if err != nil {
		return "", token{}, err
	}
	if _, err := p.expect(tokRParen, ")"); err != nil {
		return "", token{}, err
	}
	return qual, t, nil
}

func (p *parser) atLiteral() bool {
	switch t := p.peek(); t.kind {
	case tokString, tokInt, tokDecimal:
		return true
	case tokKeyword:
		return t.text == "TRUE" || t.text == "FALSE" || t.text == "TIMESTAMP"
	}
	return false
}

// literal := string | integer | decimal | TRUE | FALSE | TIMESTAMP string
func (p *parser) literal() (Literal, error) {
	t := p.peek()
	lit := Literal{Pos: t.pos}
	switch {
	case t.kind == tokString:
		lit.Kind, lit.Value = LitString, t.str
	case t.kind == tokInt:
		lit.Kind, lit.Value = LitInteger, t.ival
	case t.kind == tokDecimal:
		lit.Kind, lit.Value = LitDecimal, t.dval
	case t.kind == tokKeyword && (t.text == "TRUE" || t.text == "FALSE"):
		lit.Kind, lit.Value = LitBoolean, t.text == "TRUE"
	case t.kind == tokKeyword && t.text == "TIMESTAMP":
		p.next()
		s, err := p.expect(tokString, "a quoted date and time after TIMESTAMP")
		if err != nil {
			return lit, err
		}
		tm, perr := cmis.ParseDateTime(s.str)
		if perr != nil {
			return lit, errorAt(s.pos, "invalid TIMESTAMP %s: want xs:dateTime such as 2024-01-31T12:00:00.000Z", s.describe()[len("string "):])
		}
		lit.Kind, lit.Value = LitTimestamp, tm
		return lit, nil
	default:
		return lit, p.unexpected("a literal")
	}
	p.next()
	return lit, nil
}

// sort_spec := column_ref [ASC | DESC]
func (p *parser) sortSpecs() ([]SortSpec, error) {
	var specs []SortSpec
	for {
		c, err := p.columnRef()
		if err != nil {
			return nil, err
		}
		s := SortSpec{Column: c}
		if p.acceptKeyword("DESC") {
			s.Desc = true
		} else {
			p.acceptKeyword("ASC")
		}
		specs = append(specs, s)
		if !p.accept(tokComma) {
			return specs, nil
		}
	}
}
