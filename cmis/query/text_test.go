package query

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

func TestTextSearch(t *testing.T) {
	w := func(neg bool, words ...string) TextTerm { return TextTerm{Negated: neg, Words: words} }
	ph := func(neg bool, words ...string) TextTerm { return TextTerm{Negated: neg, Phrase: true, Words: words} }
	and := func(terms ...TextTerm) TextConjunct { return TextConjunct{Terms: terms} }
	tests := []struct {
		in   string
		want []TextConjunct
		str  string
	}{
		{"cat", []TextConjunct{and(w(false, "cat"))}, "cat"},
		{"  cat   dog ", []TextConjunct{and(w(false, "cat"), w(false, "dog"))}, "cat dog"},
		{"cat OR dog", []TextConjunct{and(w(false, "cat")), and(w(false, "dog"))}, "cat OR dog"},
		{"cat or dog", []TextConjunct{and(w(false, "cat"), w(false, "or"), w(false, "dog"))}, "cat or dog"},
		{"a b OR c -d", []TextConjunct{and(w(false, "a"), w(false, "b")), and(w(false, "c"), w(true, "d"))}, "a b OR c -d"},
		{`"big cat"`, []TextConjunct{and(ph(false, "big", "cat"))}, `"big cat"`},
		{`-"big  cat" small`, []TextConjunct{and(ph(true, "big", "cat"), w(false, "small"))}, `-"big cat" small`},
		{`e-mail`, []TextConjunct{and(w(false, "e-mail"))}, `e-mail`},
		{`\-x`, []TextConjunct{and(w(false, "-x"))}, `\-x`},
		{`-\-x`, []TextConjunct{and(w(true, "-x"))}, `-\-x`},
		{`a\\b \"q\" it\'s 5\* why\?`, []TextConjunct{and(w(false, `a\b`), w(false, `"q"`), w(false, "it's"), w(false, "5*"), w(false, "why?"))},
			`a\\b \"q\" it's 5* why?`},
		{`"say \"hi\""`, []TextConjunct{and(ph(false, "say", `"hi"`))}, `"say \"hi\""`},
		{`"OR"`, []TextConjunct{and(ph(false, "OR"))}, `"OR"`},
		{"ORACLE OR", nil, ""}, // error: OR at the end
		{"x' OR '1'='1", []TextConjunct{and(w(false, "x'")), and(w(false, "'1'='1"))}, "x' OR '1'='1"},
	}
	for _, tt := range tests {
		ts, err := ParseTextSearch(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%q: parsed to %s, want an error", tt.in, ts)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(ts.Conjuncts, tt.want) {
			t.Errorf("%q: got %#v", tt.in, ts.Conjuncts)
		}
		if ts.String() != tt.str {
			t.Errorf("%q: String() = %q, want %q", tt.in, ts.String(), tt.str)
		}
		again, err := ParseTextSearch(ts.String())
		if err != nil || !reflect.DeepEqual(again, ts) {
			t.Errorf("%q: round trip gave %v, %v", tt.in, again, err)
		}
	}
}

func TestTextSearchErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "column 1: empty text search expression"},
		{"   ", "column 4: empty text search expression"},
		{"-", "column 2: lone negation"},
		{"a - b", "column 4: lone negation"},
		{"--a", "column 2: lone negation"},
		{"OR a", "column 1: expected a term, found OR"},
		{"a OR", "column 5: expected a term after OR"},
		{"a OR OR b", "column 6: expected a term, found OR"},
		{`"a b`, "column 1: unterminated phrase"},
		{`""`, "column 1: empty phrase"},
		{`"  "`, "column 1: empty phrase"},
		{`"a"b`, "column 4: expected a space after the phrase"},
		{`ab"c"`, `column 3: unexpected '"' inside a word`},
		{`a\b`, `column 2: invalid escape \b`},
		{`a\`, "column 2: escape character at the end"},
	}
	for _, tt := range tests {
		ts, err := ParseTextSearch(tt.in)
		if err == nil {
			t.Errorf("%q: parsed to %s, want error", tt.in, ts)
			continue
		}
		if cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument || !strings.Contains(err.Error(), "text search: "+tt.want) {
			t.Errorf("%q: got %v, want …%s", tt.in, err, tt.want)
		}
	}
}

func TestLikePattern(t *testing.T) {
	tests := []struct {
		lit      string // the CMIS-QL literal
		parts    LikePattern
		prefix   string
		wildcard bool
		sql      string
	}{
		{"'abc%'", LikePattern{{Text: "abc"}, {Wildcard: '%'}}, "abc", true, "abc%"},
		{"'a_c'", LikePattern{{Text: "a"}, {Wildcard: '_'}, {Text: "c"}}, "a", true, "a_c"},
		{"'%x'", LikePattern{{Wildcard: '%'}, {Text: "x"}}, "", true, "%x"},
		{`'100\%'`, LikePattern{{Text: "100%"}}, "100%", false, `100\%`},
		{`'a\_b%'`, LikePattern{{Text: "a_b"}, {Wildcard: '%'}}, "a_b", true, `a\_b%`},
		{`'c:\\dir\\%'`, LikePattern{{Text: `c:\dir\`}, {Wildcard: '%'}}, `c:\dir\`, true, `c:\\dir\\%`},
		{`'it''s\'%'`, LikePattern{{Text: "it's'"}, {Wildcard: '%'}}, "it's'", true, "it's'%"},
		{"''", nil, "", false, ""},
		{"'%%__'", LikePattern{{Wildcard: '%'}, {Wildcard: '%'}, {Wildcard: '_'}, {Wildcard: '_'}}, "", true, "%%__"},
	}
	for _, tt := range tests {
		st, err := Parse(doc + "cmis:name LIKE " + tt.lit)
		if err != nil {
			t.Errorf("%s: %v", tt.lit, err)
			continue
		}
		p := st.Where.(*LikeExpr).Pattern
		if !reflect.DeepEqual(p, tt.parts) {
			t.Errorf("%s: parts %#v", tt.lit, p)
		}
		if p.Prefix() != tt.prefix || p.HasWildcard() != tt.wildcard || p.SQL() != tt.sql {
			t.Errorf("%s: prefix %q wildcard %v sql %q", tt.lit, p.Prefix(), p.HasWildcard(), p.SQL())
		}
	}
}
