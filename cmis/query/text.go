package query

import (
	"fmt"
	"strings"

	"github.com/cmisd/cmisd/cmis"
)

// TextSearch is a parsed CONTAINS text (CMIS 1.1 2.1.14.2.4.4):
//
//	expression := conjunct { OR conjunct }   -- OR: the upper-case word
//	conjunct   := term { term }              -- juxtaposition is AND
//	term       := ['-'] (word | '"' word { word } '"')
//
// The grammar has no nesting, so the tree is an OR of ANDs of terms.
type TextSearch struct {
	Conjuncts []TextConjunct // at least one
}

// TextConjunct is terms that must all hold.
type TextConjunct struct {
	Terms []TextTerm // at least one
}

// TextTerm is a word or a "phrase", possibly negated with '-'.
type TextTerm struct {
	Negated bool
	Phrase  bool
	Words   []string // escapes decoded; one word unless Phrase
}

// textError is a text-search syntax error at a column of the text.
type textError struct {
	col int
	msg string
}

// ParseTextSearch parses the text of a CONTAINS predicate (the string
// value, SQL escapes already decoded). Escapes \\ \' \" \- \* \? stand
// for the character itself.
func ParseTextSearch(text string) (*TextSearch, error) {
	ts, te := parseText(text)
	if te != nil {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "text search: column %d: %s", te.col, te.msg)
	}
	return ts, nil
}

type textParser struct {
	src []rune
	i   int
}

func parseText(text string) (*TextSearch, *textError) {
	p := &textParser{src: []rune(text)}
	return p.expression()
}

func (p *textParser) errorf(format string, args ...any) *textError {
	return &textError{col: p.i + 1, msg: fmt.Sprintf(format, args...)}
}

func isTextSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

func (p *textParser) skipSpace() {
	for p.i < len(p.src) && isTextSpace(p.src[p.i]) {
		p.i++
	}
}

// atOr reports whether the next word is the OR operator: exactly "OR",
// followed by a space or the end.
func (p *textParser) atOr() bool {
	if p.i+2 > len(p.src) || p.src[p.i] != 'O' || p.src[p.i+1] != 'R' {
		return false
	}
	return p.i+2 == len(p.src) || isTextSpace(p.src[p.i+2])
}

func (p *textParser) expression() (*TextSearch, *textError) {
	p.skipSpace()
	if p.i == len(p.src) {
		return nil, p.errorf("empty text search expression")
	}
	ts := &TextSearch{}
	for {
		c, err := p.conjunct()
		if err != nil {
			return nil, err
		}
		ts.Conjuncts = append(ts.Conjuncts, c)
		if p.i == len(p.src) {
			return ts, nil
		}
		p.i += 2 // conjunct stops only at the end or at OR
		p.skipSpace()
		if p.i == len(p.src) {
			return nil, p.errorf("expected a term after OR")
		}
	}
}

func (p *textParser) conjunct() (TextConjunct, *textError) {
	var c TextConjunct
	for {
		p.skipSpace()
		if p.i == len(p.src) {
			return c, nil
		}
		if p.atOr() {
			if len(c.Terms) == 0 {
				return c, p.errorf("expected a term, found OR")
			}
			return c, nil
		}
		t, err := p.term()
		if err != nil {
			return c, err
		}
		c.Terms = append(c.Terms, t)
	}
}

func (p *textParser) term() (TextTerm, *textError) {
	var t TextTerm
	if p.src[p.i] == '-' {
		t.Negated = true
		p.i++
		if p.i == len(p.src) || isTextSpace(p.src[p.i]) || p.src[p.i] == '-' {
			return t, p.errorf("lone negation: '-' must be followed by a word or phrase")
		}
	}
	if p.src[p.i] == '"' {
		return p.phrase(t)
	}
	w, err := p.word(false)
	if err != nil {
		return t, err
	}
	t.Words = []string{w}
	return t, nil
}

func (p *textParser) phrase(t TextTerm) (TextTerm, *textError) {
	start := p.i
	p.i++ // opening quote
	t.Phrase = true
	for {
		p.skipSpace()
		if p.i == len(p.src) {
			p.i = start
			return t, p.errorf("unterminated phrase")
		}
		if p.src[p.i] == '"' {
			p.i++
			if len(t.Words) == 0 {
				p.i = start
				return t, p.errorf("empty phrase")
			}
			if p.i < len(p.src) && !isTextSpace(p.src[p.i]) {
				return t, p.errorf("expected a space after the phrase")
			}
			return t, nil
		}
		w, err := p.word(true)
		if err != nil {
			return t, err
		}
		t.Words = append(t.Words, w)
	}
}

// word reads characters up to a space (or, in a phrase, the closing
// quote), decoding escapes.
func (p *textParser) word(inPhrase bool) (string, *textError) {
	var b strings.Builder
	for p.i < len(p.src) {
		r := p.src[p.i]
		switch {
		case isTextSpace(r):
			return b.String(), nil
		case r == '"':
			if inPhrase {
				return b.String(), nil
			}
			return "", p.errorf(`unexpected '"' inside a word (escape it as \")`)
		case r == '\\':
			if p.i+1 == len(p.src) {
				return "", p.errorf("escape character at the end of the text")
			}
			switch e := p.src[p.i+1]; e {
			case '\\', '\'', '"', '-', '*', '?':
				b.WriteRune(e)
				p.i += 2
				continue
			default:
				return "", p.errorf(`invalid escape \%c (use \\, \', \", \-, \* or \?)`, e)
			}
		}
		b.WriteRune(r)
		p.i++
	}
	return b.String(), nil
}

// String prints the search in the text-search syntax; it parses back to
// an equal TextSearch.
func (ts *TextSearch) String() string {
	var b strings.Builder
	for i, c := range ts.Conjuncts {
		if i > 0 {
			b.WriteString(" OR ")
		}
		for j, t := range c.Terms {
			if j > 0 {
				b.WriteString(" ")
			}
			b.WriteString(t.String())
		}
	}
	return b.String()
}

func (t TextTerm) String() string {
	var b strings.Builder
	if t.Negated {
		b.WriteString("-")
	}
	if t.Phrase {
		b.WriteString(`"`)
	}
	for i, w := range t.Words {
		if i > 0 {
			b.WriteString(" ")
		}
		// A leading '-' would read as negation, outside a phrase.
		if !t.Phrase && strings.HasPrefix(w, "-") {
			b.WriteString(`\`)
		}
		for _, r := range w {
			if r == '\\' || r == '"' {
				b.WriteString(`\`)
			}
			b.WriteRune(r)
		}
	}
	if t.Phrase {
		b.WriteString(`"`)
	}
	return b.String()
}
