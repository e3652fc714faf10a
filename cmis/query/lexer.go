package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
)

// Pos is a position in the statement: 1-based line and column, the
// column counted in characters (runes).
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokError
	tokIdent
	tokKeyword
	tokString
	tokInt
	tokDecimal
	tokLParen
	tokRParen
	tokComma
	tokDot
	tokStar
	tokEq
	tokNe
	tokLt
	tokLe
	tokGt
	tokGe
)

// token is one lexical unit. Keywords keep their upper-cased spelling in
// text; strings keep both the decoded value and the raw body, because a
// LIKE pattern must see which characters were escaped.
type token struct {
	kind tokKind
	pos  Pos
	text string       // source text; upper-cased for keywords
	str  string       // tokString: decoded value
	raw  string       // tokString: body between the quotes, undecoded
	ival int64        // tokInt
	dval cmis.Decimal // tokDecimal
	err  string       // tokError: the message
}

// keywords are reserved: they never lex as identifiers, whatever their case.
var keywords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "ORDER": true, "BY": true,
	"ASC": true, "DESC": true, "AS": true, "JOIN": true, "INNER": true,
	"LEFT": true, "RIGHT": true, "OUTER": true, "ON": true, "AND": true,
	"OR": true, "NOT": true, "IN": true, "LIKE": true, "IS": true,
	"NULL": true, "ANY": true, "TRUE": true, "FALSE": true,
	"TIMESTAMP": true, "CONTAINS": true, "IN_FOLDER": true, "IN_TREE": true,
	"SCORE": true,
}

// maxExponent bounds the exponent of a decimal literal, so that a short
// literal like 1e999999 cannot expand to a huge string.
const maxExponent = 400

type lexer struct {
	src  string
	off  int
	line int
	col  int
}

// lex splits src into tokens ending with tokEOF, or with a tokError at
// the first lexical error, so that the parser reports whichever error
// comes first in the statement.
func lex(src string) []token {
	lx := &lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		t := lx.next()
		toks = append(toks, t)
		if t.kind == tokEOF || t.kind == tokError {
			return toks
		}
	}
}

func (lx *lexer) pos() Pos { return Pos{lx.line, lx.col} }

// peekByte returns the byte at off+n, or 0 past the end.
func (lx *lexer) peekByte(n int) byte {
	if lx.off+n < len(lx.src) {
		return lx.src[lx.off+n]
	}
	return 0
}

// advance consumes one character, keeping line and column.
func (lx *lexer) advance() {
	r, size := utf8.DecodeRuneInString(lx.src[lx.off:])
	lx.off += size
	if r == '\n' {
		lx.line++
		lx.col = 1
	} else {
		lx.col++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
}
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) || c == ':' }

func (lx *lexer) next() token {
	for lx.off < len(lx.src) && isSpace(lx.src[lx.off]) {
		lx.advance()
	}
	start := lx.pos()
	if lx.off >= len(lx.src) {
		return token{kind: tokEOF, pos: start}
	}
	c := lx.src[lx.off]
	switch {
	case isIdentStart(c):
		return lx.ident(start)
	case isDigit(c), (c == '+' || c == '-') && isDigit(lx.peekByte(1)):
		return lx.number(start)
	case c == '\'':
		return lx.string(start)
	}
	punct := func(k tokKind, text string) token {
		for range len(text) {
			lx.advance()
		}
		return token{kind: k, pos: start, text: text}
	}
	switch c {
	case '(':
		return punct(tokLParen, "(")
	case ')':
		return punct(tokRParen, ")")
	case ',':
		return punct(tokComma, ",")
	case '.':
		return punct(tokDot, ".")
	case '*':
		return punct(tokStar, "*")
	case '=':
		return punct(tokEq, "=")
	case '<':
		switch lx.peekByte(1) {
		case '>':
			return punct(tokNe, "<>")
		case '=':
			return punct(tokLe, "<=")
		}
		return punct(tokLt, "<")
	case '>':
		if lx.peekByte(1) == '=' {
			return punct(tokGe, ">=")
		}
		return punct(tokGt, ">")
	}
	r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
	return errToken(start, "unexpected character %q", r)
}

func errToken(p Pos, format string, args ...any) token {
	return token{kind: tokError, pos: p, err: fmt.Sprintf(format, args...)}
}

func (lx *lexer) ident(start Pos) token {
	begin := lx.off
	for lx.off < len(lx.src) && isIdentChar(lx.src[lx.off]) {
		lx.advance()
	}
	text := lx.src[begin:lx.off]
	if up := strings.ToUpper(text); keywords[up] {
		return token{kind: tokKeyword, pos: start, text: up}
	}
	return token{kind: tokIdent, pos: start, text: text}
}

// number lexes [+-]digits[.digits][(e|E)[+-]digits]. A literal without a
// fraction or exponent is an integer (int64); any other is a decimal,
// kept as text, with an exponent written out so the text is xs:decimal.
func (lx *lexer) number(start Pos) token {
	begin := lx.off
	if c := lx.src[lx.off]; c == '+' || c == '-' {
		lx.advance()
	}
	digits := func() int {
		n := 0
		for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
			lx.advance()
			n++
		}
		return n
	}
	digits()
	isDecimal := false
	if lx.peekByte(0) == '.' {
		isDecimal = true
		lx.advance()
		if digits() == 0 {
			return errToken(start, "malformed number %q: digits must follow the decimal point", lx.src[begin:lx.off])
		}
	}
	mantissaEnd := lx.off
	exp, hasExp := 0, false
	if c := lx.peekByte(0); c == 'e' || c == 'E' {
		isDecimal, hasExp = true, true
		lx.advance()
		expBegin := lx.off
		if c := lx.peekByte(0); c == '+' || c == '-' {
			lx.advance()
		}
		if digits() == 0 {
			return errToken(start, "malformed number %q: digits must follow the exponent", lx.src[begin:lx.off])
		}
		n, err := strconv.Atoi(lx.src[expBegin:lx.off])
		if err != nil || n > maxExponent || n < -maxExponent {
			return errToken(start, "number %s out of range", lx.src[begin:lx.off])
		}
		exp = n
	}
	text := lx.src[begin:lx.off]
	// "5abc" or "1.5e3x" is one malformed word, not a number and a name.
	if lx.off < len(lx.src) && (isIdentChar(lx.src[lx.off]) || lx.src[lx.off] == '.') {
		for lx.off < len(lx.src) && (isIdentChar(lx.src[lx.off]) || lx.src[lx.off] == '.') {
			lx.advance()
		}
		return errToken(start, "malformed number %q", lx.src[begin:lx.off])
	}
	if !isDecimal {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return errToken(start, "integer %s out of range", text)
		}
		return token{kind: tokInt, pos: start, text: text, ival: n}
	}
	d := cmis.Decimal(text)
	if hasExp {
		d = expandExponent(lx.src[begin:mantissaEnd], exp)
	}
	return token{kind: tokDecimal, pos: start, text: text, dval: d}
}

// expandExponent writes mantissa×10^exp as plain decimal text that always
// has a decimal point, so it reads back as a decimal and not an integer.
func expandExponent(mantissa string, exp int) cmis.Decimal {
	sign := ""
	if mantissa[0] == '+' || mantissa[0] == '-' {
		sign, mantissa = mantissa[:1], mantissa[1:]
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	digits := intPart + frac
	point := len(intPart) + exp
	var s string
	switch {
	case point <= 0:
		s = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		s = digits + strings.Repeat("0", point-len(digits)) + ".0"
	default:
		s = digits[:point] + "." + digits[point:]
	}
	return cmis.Decimal(sign + s)
}

// string lexes a quoted literal. The quote is escaped as \' or doubled; the
// backslash as \\; \% and \_ are accepted everywhere (they matter to
// LIKE, which decodes the raw body itself). Any other escape is an error
// rather than a guess.
func (lx *lexer) string(start Pos) token {
	lx.advance() // opening quote
	begin := lx.off
	var b strings.Builder
	for {
		if lx.off >= len(lx.src) {
			return errToken(start, "unterminated string literal")
		}
		c := lx.src[lx.off]
		switch c {
		case '\'':
			if lx.peekByte(1) == '\'' {
				b.WriteByte('\'')
				lx.advance()
				lx.advance()
				continue
			}
			raw := lx.src[begin:lx.off]
			lx.advance()
			return token{kind: tokString, pos: start, text: "'" + raw + "'", str: b.String(), raw: raw}
		case '\\':
			escPos := lx.pos()
			switch e := lx.peekByte(1); e {
			case '\'', '\\', '%', '_':
				b.WriteByte(e)
				lx.advance()
				lx.advance()
				continue
			case 0:
				if lx.off+1 >= len(lx.src) {
					return errToken(start, "unterminated string literal")
				}
			}
			r, _ := utf8.DecodeRuneInString(lx.src[lx.off+1:])
			return errToken(escPos, "invalid escape \\%c in string literal (use \\', '', \\\\, \\%% or \\_)", r)
		}
		r, size := utf8.DecodeRuneInString(lx.src[lx.off:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(c) // keep bytes of invalid UTF-8 as they are
		} else {
			b.WriteRune(r)
		}
		lx.advance()
	}
}

// describe names a token for "expected X, found Y" messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of statement"
	case tokString:
		s := t.text
		if utf8.RuneCountInString(s) > 30 {
			s = string([]rune(s)[:27]) + "..."
		}
		return "string " + s
	}
	return t.text
}
