package query

import (
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

const doc = "SELECT * FROM cmis:document WHERE "

// TestParseValid checks the shape of each parse through String(), which
// prints nested AND/OR in parentheses and literals in canonical form.
func TestParseValid(t *testing.T) {
	tests := []struct{ in, want string }{
		// select lists
		{"SELECT * FROM cmis:document", "SELECT * FROM cmis:document"},
		{"select * from cmis:document", "SELECT * FROM cmis:document"},
		{"SELECT cmis:name FROM cmis:document", "SELECT cmis:name FROM cmis:document"},
		{"SELECT cmis:name,cmis:objectId FROM cmis:folder", "SELECT cmis:name, cmis:objectId FROM cmis:folder"},
		{"SELECT cmis:name AS n FROM cmis:document", "SELECT cmis:name AS n FROM cmis:document"},
		{"SELECT cmis:name n, cmis:objectId id FROM cmis:document", "SELECT cmis:name AS n, cmis:objectId AS id FROM cmis:document"},
		{"SELECT d.cmis:name FROM cmis:document d", "SELECT d.cmis:name FROM cmis:document AS d"},
		{"SELECT d.* FROM cmis:document AS d", "SELECT d.* FROM cmis:document AS d"},
		{"SELECT d.*, d.cmis:name x FROM cmis:document d", "SELECT d.*, d.cmis:name AS x FROM cmis:document AS d"},
		{"SELECT SCORE() FROM cmis:document WHERE CONTAINS('abc')", "SELECT SCORE() FROM cmis:document WHERE CONTAINS('abc')"},
		{"SELECT cmis:name, SCORE() AS rel FROM cmis:document WHERE CONTAINS('a b') ORDER BY rel DESC",
			"SELECT cmis:name, SCORE() AS rel FROM cmis:document WHERE CONTAINS('a b') ORDER BY rel DESC"},
		{"SELECT score ( ) s FROM cmis:document", "SELECT SCORE() AS s FROM cmis:document"},
		{"SELECT Cmis:Name FROM My:Type", "SELECT Cmis:Name FROM My:Type"},
		{"SELECT _x1:y_2 FROM a_b:c9", "SELECT _x1:y_2 FROM a_b:c9"},
		{"SELECT cmis:document.cmis:name FROM cmis:document", "SELECT cmis:document.cmis:name FROM cmis:document"},
		{"SELECT\t*\n FROM\r\n cmis:document", "SELECT * FROM cmis:document"},

		// FROM and joins
		{"SELECT * FROM cmis:document AS doc", "SELECT * FROM cmis:document AS doc"},
		{"SELECT * FROM (cmis:document)", "SELECT * FROM cmis:document"},
		{"SELECT * FROM a JOIN b ON a.x = b.y", "SELECT * FROM a JOIN b ON a.x = b.y"},
		{"SELECT * FROM a INNER JOIN b ON a.x = b.y", "SELECT * FROM a JOIN b ON a.x = b.y"},
		{"SELECT * FROM a LEFT JOIN b ON a.x = b.y", "SELECT * FROM a LEFT JOIN b ON a.x = b.y"},
		{"SELECT * FROM a left outer join b ON a.x = b.y", "SELECT * FROM a LEFT JOIN b ON a.x = b.y"},
		{"SELECT * FROM a RIGHT OUTER JOIN b ON a.x = b.y", "SELECT * FROM a RIGHT JOIN b ON a.x = b.y"},
		{"SELECT * FROM a RIGHT JOIN b ON x = y", "SELECT * FROM a RIGHT JOIN b ON x = y"},
		{"SELECT * FROM a JOIN b", "SELECT * FROM a JOIN b"},
		{"SELECT d.*, s.* FROM cmis:document d JOIN s:sec s ON d.cmis:objectId = s.cmis:objectId",
			"SELECT d.*, s.* FROM cmis:document AS d JOIN s:sec AS s ON d.cmis:objectId = s.cmis:objectId"},
		{"SELECT * FROM a x JOIN b y ON x.i = y.i LEFT JOIN c z ON y.i = z.i",
			"SELECT * FROM a AS x JOIN b AS y ON x.i = y.i LEFT JOIN c AS z ON y.i = z.i"},
		{"SELECT * FROM (a JOIN b ON a.i = b.i) JOIN c ON b.i = c.i",
			"SELECT * FROM a JOIN b ON a.i = b.i JOIN c ON b.i = c.i"},
		{"SELECT * FROM a JOIN (b JOIN c ON b.i = c.i) ON a.i = b.i",
			"SELECT * FROM a JOIN (b JOIN c ON b.i = c.i) ON a.i = b.i"},

		// comparisons and literals
		{doc + "cmis:name = 'abc'", doc + "cmis:name = 'abc'"},
		{doc + "t:n <> 42", doc + "t:n <> 42"},
		{doc + "t:n < 1.5", doc + "t:n < 1.5"},
		{doc + "t:n <= -7", doc + "t:n <= -7"},
		{doc + "t:n > +5", doc + "t:n > 5"},
		{doc + "t:n >= -0.25", doc + "t:n >= -0.25"},
		{doc + "t:n = 1.5e3", doc + "t:n = 1500.0"},
		{doc + "t:n = 2E-2", doc + "t:n = 0.02"},
		{doc + "t:n = -1e0", doc + "t:n = -1.0"},
		{doc + "t:n = 9223372036854775807", doc + "t:n = 9223372036854775807"},
		{doc + "t:n = -9223372036854775808", doc + "t:n = -9223372036854775808"},
		{doc + "t:n = 99999999999999999999.5", doc + "t:n = 99999999999999999999.5"},
		{doc + "t:b = TRUE", doc + "t:b = TRUE"},
		{doc + "t:b = false", doc + "t:b = FALSE"},
		{doc + "cmis:creationDate >= TIMESTAMP '2024-01-31T12:00:00.000Z'", doc + "cmis:creationDate >= TIMESTAMP '2024-01-31T12:00:00Z'"},
		{doc + "cmis:creationDate < timestamp '2024-01-31T12:00:00.5+02:00'", doc + "cmis:creationDate < TIMESTAMP '2024-01-31T10:00:00.5Z'"},
		{doc + "cmis:creationDate < TIMESTAMP '2024-01-31T12:00:00'", doc + "cmis:creationDate < TIMESTAMP '2024-01-31T12:00:00Z'"},
		{doc + "cmis:name = 'x'' OR ''1''=''1'", doc + "cmis:name = 'x'' OR ''1''=''1'"},
		{doc + `cmis:name = 'it\'s'`, doc + "cmis:name = 'it''s'"},
		{doc + `cmis:name = 'a\\b'`, doc + `cmis:name = 'a\\b'`},
		{doc + `cmis:name = 'a\%b\_'`, doc + `cmis:name = 'a%b_'`},
		{doc + "cmis:name = ''", doc + "cmis:name = ''"},
		{doc + "cmis:name = 'Ünï cödé 日本'", doc + "cmis:name = 'Ünï cödé 日本'"},
		{doc + "cmis:name = 'a\nb'", doc + "cmis:name = 'a\nb'"},
		{doc + "SCORE() > 0.5", doc + "SCORE() > 0.5"},

		// IN, LIKE, NULL, ANY
		{doc + "cmis:objectId IN ('a', 'b')", doc + "cmis:objectId IN ('a', 'b')"},
		{doc + "t:n NOT IN (1,2,3)", doc + "t:n NOT IN (1, 2, 3)"},
		{doc + "t:x IN ('a', 1, 2.5, TRUE, TIMESTAMP '2024-01-01T00:00:00Z')", doc + "t:x IN ('a', 1, 2.5, TRUE, TIMESTAMP '2024-01-01T00:00:00Z')"},
		{doc + "cmis:name LIKE 'abc%'", doc + "cmis:name LIKE 'abc%'"},
		{doc + `cmis:name NOT LIKE 'a\_b%'`, doc + `cmis:name NOT LIKE 'a\_b%'`},
		{doc + `cmis:name LIKE 'it''s\\_'`, doc + `cmis:name LIKE 'it''s\\_'`},
		{doc + "cmis:name LIKE ''", doc + "cmis:name LIKE ''"},
		{doc + "cmis:name IS NULL", doc + "cmis:name IS NULL"},
		{doc + "d.cmis:name is not null", doc + "d.cmis:name IS NOT NULL"},
		{doc + "'x' = ANY t:tags", doc + "'x' = ANY t:tags"},
		{doc + "5 = ANY d.t:nums", doc + "5 = ANY d.t:nums"},
		{doc + "ANY t:tags IN ('a', 'b')", doc + "ANY t:tags IN ('a', 'b')"},
		{doc + "any d.t:tags not in ('a')", doc + "ANY d.t:tags NOT IN ('a')"},

		// folder and full text
		{doc + "IN_FOLDER('f1')", doc + "IN_FOLDER('f1')"},
		{doc + "in_folder(d, 'f1')", doc + "IN_FOLDER(d, 'f1')"},
		{doc + "IN_TREE('f1')", doc + "IN_TREE('f1')"},
		{doc + "IN_TREE(d,'f1')", doc + "IN_TREE(d, 'f1')"},
		{doc + "CONTAINS(d, 'x')", doc + "CONTAINS(d, 'x')"},
		{doc + `CONTAINS('a -b OR "c d"')`, doc + `CONTAINS('a -b OR "c d"')`},
		{doc + `CONTAINS('don\\\'t')`, doc + `CONTAINS('don\\''t')`},

		// boolean structure
		{doc + "a = 1 AND b = 2", doc + "a = 1 AND b = 2"},
		{doc + "a = 1 OR b = 2 OR c = 3", doc + "a = 1 OR b = 2 OR c = 3"},
		{doc + "a = 1 OR b = 2 AND c = 3", doc + "a = 1 OR (b = 2 AND c = 3)"},
		{doc + "a = 1 AND b = 2 OR c = 3 AND d = 4", doc + "(a = 1 AND b = 2) OR (c = 3 AND d = 4)"},
		{doc + "(a = 1 OR b = 2) AND c = 3", doc + "(a = 1 OR b = 2) AND c = 3"},
		{doc + "a = 1 AND (b = 2 AND c = 3)", doc + "a = 1 AND (b = 2 AND c = 3)"},
		{doc + "NOT a = 1 AND b = 2", doc + "NOT a = 1 AND b = 2"},
		{doc + "NOT (a = 1 AND b = 2)", doc + "NOT (a = 1 AND b = 2)"},
		{doc + "NOT (NOT a = 1)", doc + "NOT (NOT a = 1)"},
		{doc + "((a = 1))", doc + "a = 1"},
		{doc + "NOT a IS NULL OR NOT IN_FOLDER('x')", doc + "NOT a IS NULL OR NOT IN_FOLDER('x')"},

		// ORDER BY
		{"SELECT * FROM cmis:document ORDER BY a, b DESC, c ASC", "SELECT * FROM cmis:document ORDER BY a, b DESC, c"},
		{"SELECT * FROM cmis:document d ORDER BY d.cmis:name desc", "SELECT * FROM cmis:document AS d ORDER BY d.cmis:name DESC"},
		{"SeLeCt cmis:name FrOm cmis:document WhErE cmis:name LiKe 'a%' oRdEr By cmis:name dEsC",
			"SELECT cmis:name FROM cmis:document WHERE cmis:name LIKE 'a%' ORDER BY cmis:name DESC"},
	}
	for _, tt := range tests {
		st, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := st.String(); got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	deep := doc + strings.Repeat("(", maxDepth+1) + "a = 1" + strings.Repeat(")", maxDepth+1)
	tests := []struct{ in, want string }{
		{"", "1:1: expected SELECT, found end of statement"},
		{"   ", "1:4: expected SELECT, found end of statement"},
		{"SELECT", "1:7: expected a column name or *, found end of statement"},
		{"SELECT *", "1:9: expected FROM, found end of statement"},
		{"SELECT FROM cmis:document", "1:8: expected a column name or *, found FROM"},
		{"SELECT ,cmis:name FROM cmis:document", "1:8: expected a column name or *, found ,"},
		{"SELECT cmis:name, FROM cmis:document", "1:19: expected a column name or *, found FROM"},
		{"SELECT * FROM", "1:14: expected a type name, found end of statement"},
		{"SELECT * FROM cmis:document garbage more", "1:37: expected end of statement, found more"},
		{"SELECT * FROM cmis:document;", "1:28: unexpected character ';'"},
		{"SELECT * FROM cmis:document WHERE", "1:34: expected a condition, found end of statement"},
		{doc + "a = 1 AND", "1:44: expected a condition, found end of statement"},
		{doc + "cmis:name = 'abc", "1:47: unterminated string literal"},
		{doc + "cmis:name = 'x'' OR ''1''=''1", "1:47: unterminated string literal"},
		{doc + `cmis:name = 'abc\`, "1:47: unterminated string literal"},
		{"SELECT 'x'' OR ''1''=''1' FROM cmis:document", "1:8: expected a column name or *, found string 'x'' OR ''1''=''1'"},
		{"SELECT * FROM 'x'' OR ''1''=''1'", "1:15: expected a type name, found string"},
		{doc + "'x'' OR ''1''=''1'", "1:53: expected = (a literal on the left needs = ANY column), found end of statement"},
		{doc + "cmis:name = 'x'' OR ''1''=''1' OR 1=1", "1:71: expected ANY, found 1"},
		{doc + "cmis:name = 'x' OR '1'='1'", "1:58: expected ANY, found string '1'"},
		{doc + "t:n = 9223372036854775808", "1:41: integer 9223372036854775808 out of range"},
		{doc + "t:n = -9223372036854775809", "1:41: integer -9223372036854775809 out of range"},
		{doc + "t:n = 1e99999", "1:41: number 1e99999 out of range"},
		{doc + "t:n = 1e", "1:41: malformed number \"1e\""},
		{doc + "t:n = 1.", "1:41: malformed number \"1.\""},
		{doc + "t:n = 5abc", "1:41: malformed number \"5abc\""},
		{doc + "t:n = 1.2.3", "1:41: malformed number \"1.2.3\""},
		{doc + "t:n = - 5", "1:41: unexpected character '-'"},
		{doc + "d = TIMESTAMP 'yesterday'", "1:49: invalid TIMESTAMP 'yesterday'"},
		{doc + "d = TIMESTAMP '2024-02-30T00:00:00Z'", "1:49: invalid TIMESTAMP"},
		{doc + "d = TIMESTAMP 5", "1:49: expected a quoted date and time after TIMESTAMP, found 5"},
		{doc + "a =", "1:38: expected a literal, found end of statement"},
		{doc + "a = b", "1:39: expected a literal, found b"},
		{doc + "a != 1", "1:37: unexpected character '!'"},
		{doc + "a == 1", "1:38: expected a literal, found ="},
		{doc + "a IN ()", "1:41: expected a literal, found )"},
		{doc + "a IN ('x'", "1:44: expected ) or ,, found end of statement"},
		{doc + "a IN 'x'", "1:40: expected (, found string 'x'"},
		{doc + "a LIKE 5", "1:42: expected a string pattern, found 5"},
		{doc + "a IS NUL", "1:40: expected NULL, found NUL"},
		{doc + "a NOT = 1", "1:41: expected IN or LIKE, found ="},
		{doc + "a", "1:36: expected a comparison operator, IN, LIKE or IS, found end of statement"},
		{doc + "(a = 1", "1:41: expected ), found end of statement"},
		{doc + "a = 1)", "1:40: expected end of statement, found )"},
		{doc + "NOT NOT a = 1", "1:39: expected a condition, found NOT"},
		{doc + "1 = cmis:name", "1:39: expected ANY, found cmis:name"},
		{doc + "ANY t:tags = 'x'", "1:46: expected IN, found ="},
		{doc + "ANY = 'x'", "1:39: expected a column name, found ="},
		{doc + `a = 'x\n'`, `1:41: invalid escape \n in string literal`},
		{doc + "CONTAINS()", "1:44: expected a string, found )"},
		{doc + "CONTAINS('')", "1:44: invalid CONTAINS text at column 1 of the text: empty text search expression"},
		{doc + "CONTAINS('a -')", "1:44: invalid CONTAINS text at column 4 of the text: lone negation"},
		{doc + "CONTAINS(d 'x')", "1:46: expected ,, found string 'x'"},
		{doc + "IN_FOLDER(d, x)", "1:48: expected a string, found x"},
		{doc + "IN_TREE 'x'", "1:43: expected (, found string 'x'"},
		{deep, "1:135: parentheses nested too deeply"},
		{"SELECT * FROM cmis:document ORDER cmis:name", "1:35: expected BY, found cmis:name"},
		{"SELECT * FROM cmis:document ORDER BY", "1:37: expected a column name, found end of statement"},
		{"SELECT * FROM cmis:document ORDER BY a DESC ASC", "1:45: expected end of statement, found ASC"},
		{"SELECT * FROM cmis:document ORDER BY SCORE()", "1:38: expected a column name, found SCORE"},
		{"SELECT d. FROM x", "1:11: expected a column name after d., found FROM"},
		{"SELECT SCORE FROM x", "1:14: expected (, found FROM"},
		{"SELECT cmis:name AS FROM x", "1:21: expected an alias, found FROM"},
		{"SELECT * FROM a JOIN", "1:21: expected a type name, found end of statement"},
		{"SELECT * FROM a LEFT b", "1:22: expected JOIN, found b"},
		{"SELECT * FROM a JOIN b ON a.x b.x", "1:31: expected =, found b"},
		{"SELECT * FROM (a JOIN b ON a.x = b.x", "1:37: expected ), found end of statement"},
		{"SELECT *\nFROM cmis:document\nWHERE cmis:name = = 'x'", "3:19: expected a literal, found ="},
		{"SELECT *\nFROM cmis:document\nWHERE cmis:name = 'a\nb' AND", "4:7: expected a condition, found end of statement"},
		{"SELECT * FROM cmis:document WHERE cmis:name = 'ü' AND ü", "1:55: unexpected character 'ü'"},
	}
	for _, tt := range tests {
		st, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want error %q", tt.in, st, tt.want)
			continue
		}
		ce, ok := cmis.AsError(err)
		if !ok || ce.Type != cmis.ErrInvalidArgument {
			t.Errorf("Parse(%q): error %v is not invalidArgument", tt.in, err)
			continue
		}
		if want := "query: " + tt.want; !strings.HasPrefix(ce.Message, want) {
			t.Errorf("Parse(%q)\n got %s\nwant %s…", tt.in, ce.Message, want)
		}
	}
}

// TestParseLiteralValues checks the typed values behind the printed form.
func TestParseLiteralValues(t *testing.T) {
	tests := []struct {
		lit  string
		kind LiteralKind
		want cmis.Value
	}{
		{"'x'' OR ''1''=''1'", LitString, "x' OR '1'='1"},
		{`'a\'b\\c\%d\_e'`, LitString, `a'b\c%d_e`},
		{"42", LitInteger, int64(42)},
		{"-42", LitInteger, int64(-42)},
		{"+0", LitInteger, int64(0)},
		{"3.25", LitDecimal, cmis.Decimal("3.25")},
		{"-1.25e-3", LitDecimal, cmis.Decimal("-0.00125")},
		{"12e2", LitDecimal, cmis.Decimal("1200.0")},
		{"TRUE", LitBoolean, true},
		{"false", LitBoolean, false},
		{"TIMESTAMP '2024-01-31T12:30:00.250-05:00'", LitTimestamp, time.Date(2024, 1, 31, 17, 30, 0, 250e6, time.UTC)},
	}
	for _, tt := range tests {
		st, err := Parse(doc + "p = " + tt.lit)
		if err != nil {
			t.Errorf("%s: %v", tt.lit, err)
			continue
		}
		lit := st.Where.(*CompareExpr).Value
		if lit.Kind != tt.kind || lit.Value != tt.want {
			t.Errorf("%s: got %v %#v, want %v %#v", tt.lit, lit.Kind, lit.Value, tt.kind, tt.want)
		}
		if tm, ok := lit.Value.(time.Time); ok && tm.Location() != time.UTC {
			t.Errorf("%s: timestamp not in UTC", tt.lit)
		}
	}
}

// TestParseInjectionLiteral: the classic injection text is one string
// value, and the WHERE clause is one comparison, not an OR.
func TestParseInjectionLiteral(t *testing.T) {
	st, err := Parse("SELECT * FROM cmis:document WHERE cmis:name = 'x'' OR ''1''=''1'")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := st.Where.(*CompareExpr)
	if !ok {
		t.Fatalf("WHERE is %T, want a single comparison", st.Where)
	}
	if c.Value.Kind != LitString || c.Value.Value != "x' OR '1'='1" {
		t.Fatalf("literal = %v %#v", c.Value.Kind, c.Value.Value)
	}
	// As a LIKE pattern and a CONTAINS text too, it stays one value.
	st, err = Parse("SELECT * FROM cmis:document WHERE cmis:name LIKE 'x'' OR ''1''=''1' AND CONTAINS('x'' OR ''1''=''1')")
	if err != nil {
		t.Fatal(err)
	}
	and := st.Where.(*AndExpr)
	like := and.Terms[0].(*LikeExpr)
	if len(like.Pattern) != 1 || like.Pattern[0].Text != "x' OR '1'='1" {
		t.Fatalf("pattern = %#v", like.Pattern)
	}
	ct := and.Terms[1].(*ContainsExpr)
	if ct.Text != "x' OR '1'='1" || ct.Search.String() != "x' OR '1'='1" || len(ct.Search.Conjuncts) != 2 {
		t.Fatalf("contains = %q / %s", ct.Text, ct.Search)
	}
}

func TestParsePositions(t *testing.T) {
	st, err := Parse("SELECT d.cmis:name\nFROM t:doc d\nWHERE  d.t:amount > 5")
	if err != nil {
		t.Fatal(err)
	}
	if p := st.Select[0].Column.Pos; p != (Pos{1, 8}) {
		t.Errorf("column pos %v", p)
	}
	if p := st.From.(*TableName).Pos; p != (Pos{2, 6}) {
		t.Errorf("table pos %v", p)
	}
	c := st.Where.(*CompareExpr)
	if c.Column.Pos != (Pos{3, 8}) || c.Value.Pos != (Pos{3, 21}) {
		t.Errorf("where pos %v %v", c.Column.Pos, c.Value.Pos)
	}
}
