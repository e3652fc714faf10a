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
