package query

// The search condition of WHERE: boolean terms, predicates and literals.

import "github.com/cmisd/cmisd/cmis"

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
	return p.chain("OR", p.boolTerm, func(terms []Expr) Expr { return &OrExpr{Terms: terms} })
}

// term := factor {AND factor}
func (p *parser) boolTerm() (Expr, error) {
	return p.chain("AND", p.factor, func(terms []Expr) Expr { return &AndExpr{Terms: terms} })
}

// chain reads operand {kw operand}; one operand stands for itself.
func (p *parser) chain(kw string, operand func() (Expr, error), join func([]Expr) Expr) (Expr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	if !p.isKeyword(kw) {
		return first, nil
	}
	terms := []Expr{first}
	for p.acceptKeyword(kw) {
		t, err := operand()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return join(terms), nil
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
