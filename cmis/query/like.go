package query

import "strings"

// LikePart is one piece of a LIKE pattern: a run of literal characters,
// or one wildcard.
type LikePart struct {
	// Wildcard is '%' (any sequence), '_' (any one character), or 0 for
	// literal text.
	Wildcard byte
	// Text is the literal text (Wildcard == 0), escapes decoded: a '%'
	// here is a percent sign, never a wildcard.
	Text string
}

// LikePattern is a decoded LIKE pattern. Literal runs are merged, so two
// literal parts never follow each other.
type LikePattern []LikePart

// decodeLike reads the raw body of a string literal as a LIKE pattern:
// % and _ are wildcards; \%, \_, \\, \' and a doubled quote are literal characters.
// The lexer has already rejected every other escape.
func decodeLike(raw string) LikePattern {
	var p LikePattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p = append(p, LikePart{Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '\\':
			i++
			lit.WriteByte(raw[i])
		case '\'':
			i++ // the second quote of ''
			lit.WriteByte('\'')
		case '%', '_':
			flush()
			p = append(p, LikePart{Wildcard: c})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p
}

// HasWildcard reports whether the pattern has a % or _ wildcard; without
// one, LIKE is an equality test against Prefix().
func (p LikePattern) HasWildcard() bool {
	for _, part := range p {
		if part.Wildcard != 0 {
			return true
		}
	}
	return false
}

// Prefix is the literal text before the first wildcard (the whole text
// when there is none): every match starts with it, so an index can
// narrow the search to that range.
func (p LikePattern) Prefix() string {
	if len(p) > 0 && p[0].Wildcard == 0 {
		return p[0].Text
	}
	return ""
}

// SQL is the pattern for SQL `LIKE ? ESCAPE '\'`: wildcards as % and _,
// and the literal characters %, _ and \ escaped with a backslash. Bind
// it as a parameter; it is not meant to be spliced into SQL text.
func (p LikePattern) SQL() string {
	var b strings.Builder
	for _, part := range p {
		if part.Wildcard != 0 {
			b.WriteByte(part.Wildcard)
			continue
		}
		for i := 0; i < len(part.Text); i++ {
			if c := part.Text[i]; c == '%' || c == '_' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(part.Text[i])
		}
	}
	return b.String()
}

// String prints the pattern as a CMIS-QL string literal that decodes to
// the same pattern.
func (p LikePattern) String() string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, part := range p {
		if part.Wildcard != 0 {
			b.WriteByte(part.Wildcard)
			continue
		}
		for i := 0; i < len(part.Text); i++ {
			switch c := part.Text[i]; c {
			case '%', '_', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\'':
				b.WriteString("''")
			default:
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}
