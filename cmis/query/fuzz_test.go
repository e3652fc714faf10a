package query

import (
	"reflect"
	"testing"
)

// stripPos zeroes every Pos in a parsed tree, so that trees from
// differently spaced text compare equal.
func stripPos(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripPos(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			stripPos(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Pos]() {
			if v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		// Only this package's structs hold positions (not time.Time).
		if v.Type().PkgPath() != reflect.TypeFor[Pos]().PkgPath() {
			return
		}
		for i := range v.NumField() {
			stripPos(v.Field(i))
		}
	}
}

// checkRoundTrip: String() of a parse parses again to an equal tree and
// prints the same.
func checkRoundTrip(t *testing.T, in string) {
	t.Helper()
	st, err := Parse(in)
	if err != nil {
		return
	}
	out := st.String()
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(%q) printed %q, which does not parse: %v", in, out, err)
	}
	if again.String() != out {
		t.Fatalf("String() not stable:\n%q\n%q", out, again.String())
	}
	stripPos(reflect.ValueOf(st))
	stripPos(reflect.ValueOf(again))
	if !reflect.DeepEqual(st, again) {
		t.Fatalf("round trip of %q through %q changed the tree", in, out)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, in := range fuzzSeeds {
		checkRoundTrip(t, in)
	}
}

var fuzzSeeds = []string{
	"SELECT * FROM cmis:document",
	"SELECT cmis:name, d.t:amount FROM t:doc d WHERE d.t:amount > 5 AND IN_FOLDER(d, 'abc') ORDER BY cmis:name",
	"SELECT d.*, SCORE() s FROM cmis:document d LEFT OUTER JOIN s:sec x ON d.cmis:objectId = x.cmis:objectId WHERE CONTAINS(d, 'a -\"b c\" OR d') ORDER BY s DESC",
	"SELECT * FROM a JOIN (b JOIN c ON b.i = c.i) ON a.i = b.i",
	"SELECT * FROM (a JOIN b ON a.i = b.i) RIGHT JOIN c ON b.i = c.i",
	"SELECT * FROM cmis:document WHERE cmis:name = 'x'' OR ''1''=''1'",
	`SELECT * FROM cmis:document WHERE cmis:name LIKE 'a\%b\_c\\d%_' AND NOT cmis:name NOT LIKE ''`,
	"SELECT * FROM cmis:document WHERE a = 1 OR b = 2 AND NOT (c = 3 OR d <> 1.5e3) OR ((e IS NULL))",
	"SELECT * FROM cmis:document WHERE 'x' = ANY t:tags AND ANY t:tags NOT IN ('a', 'b') AND t:n IN (1, -2, 3.5)",
	"SELECT * FROM cmis:document WHERE cmis:creationDate > TIMESTAMP '2024-01-31T12:00:00.123+01:00' AND t:b = FALSE",
	"SELECT * FROM cmis:document WHERE IN_TREE('f') AND NOT (NOT IN_FOLDER(x, 'g'))",
	"SELECT * FROM cmis:document WHERE SCORE() >= 0.25 AND CONTAINS('x\\\\y')",
	"SELECT * FROM cmis:document WHERE a = 'line\nbreak' ORDER BY a, b DESC",
	"SELECT", "SELECT *", "SELECT FROM cmis:document", "SELECT ,cmis:name FROM cmis:document",
	"SELECT * FROM x WHERE a = 'unterminated",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkRoundTrip(t, in)
		// Full-text texts get the same treatment.
		if ts, err := ParseTextSearch(in); err == nil {
			again, err := ParseTextSearch(ts.String())
			if err != nil || !reflect.DeepEqual(ts, again) {
				t.Fatalf("text search %q printed %q: %v", in, ts.String(), err)
			}
		}
	})
}
