package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// fakeTypes is a TypeResolver over the base types and a few test types.
type fakeTypes map[string]*cmis.TypeDefinition

func (f fakeTypes) TypeByQueryName(name string) (*cmis.TypeDefinition, error) {
	if name == "t:broken" {
		return nil, errors.New("database is down")
	}
	if t, ok := f[name]; ok {
		return t, nil
	}
	return nil, cmis.Errorf(cmis.ErrObjectNotFound, "type %s not found", name)
}

func prop(id string, pt cmis.PropertyType, card cmis.Cardinality, queryable, orderable bool) cmis.PropertyDefinition {
	return cmis.PropertyDefinition{ID: id, LocalName: id, QueryName: id, DisplayName: id,
		PropertyType: pt, Cardinality: card, Updatability: cmis.ReadWrite, Queryable: queryable, Orderable: orderable}
}

// subtype derives a type from parent: inherited definitions first, then own.
func subtype(parent *cmis.TypeDefinition, id string, own ...cmis.PropertyDefinition) *cmis.TypeDefinition {
	t := *parent
	t.ID, t.LocalName, t.QueryName, t.DisplayName, t.ParentID = id, id, id, id, parent.ID
	t.PropertyDefinitions = nil
	for _, p := range parent.PropertyDefinitions {
		p.Inherited = true
		t.PropertyDefinitions = append(t.PropertyDefinitions, p)
	}
	t.PropertyDefinitions = append(t.PropertyDefinitions, own...)
	return &t
}

func testTypes() fakeTypes {
	f := fakeTypes{}
	for _, t := range cmis.BaseTypes() {
		f[t.QueryName] = t
	}
	d := f["cmis:document"]
	f["t:doc"] = subtype(d, "t:doc",
		prop("t:str", cmis.PropertyString, cmis.Single, true, true),
		prop("t:amount", cmis.PropertyInteger, cmis.Single, true, true),
		prop("t:price", cmis.PropertyDecimal, cmis.Single, true, true),
		prop("t:due", cmis.PropertyDateTime, cmis.Single, true, true),
		prop("t:flag", cmis.PropertyBoolean, cmis.Single, true, true),
		prop("t:ref", cmis.PropertyID, cmis.Single, true, true),
		prop("t:html", cmis.PropertyHTML, cmis.Single, true, true),
		prop("t:tags", cmis.PropertyString, cmis.Multi, true, false),
		prop("t:nums", cmis.PropertyInteger, cmis.Multi, true, false),
		prop("t:secret", cmis.PropertyString, cmis.Single, false, false),
	)
	nofts := subtype(d, "t:nofts")
	nofts.FulltextIndexed = false
	f["t:nofts"] = nofts
	hidden := subtype(d, "t:hidden")
	hidden.Queryable = false
	f["t:hidden"] = hidden
	f["s:sec"] = subtype(f["cmis:secondary"], "s:sec",
		prop("s:label", cmis.PropertyString, cmis.Single, true, true),
		prop("s:level", cmis.PropertyInteger, cmis.Single, true, true),
		prop("s:codes", cmis.PropertyID, cmis.Multi, true, false),
	)
	return f
}

const (
	tdoc = "SELECT cmis:name FROM t:doc WHERE "
	djf  = "SELECT d.cmis:name FROM cmis:document d JOIN cmis:folder f ON d.cmis:createdBy = f.cmis:createdBy"
	dsec = "SELECT d.cmis:name, s.s:label FROM t:doc d JOIN s:sec s ON d.cmis:objectId = s.cmis:objectId"
)

func TestBind(t *testing.T) {
	types := testTypes()
	tests := []struct {
		in   string
		want string // Query.String(), or "error: <message prefix after 'query: '>"
	}{
		{"SELECT cmis:name, d.t:amount FROM t:doc d WHERE d.t:amount > 5 AND IN_FOLDER(d, 'abc') ORDER BY cmis:name",
			"FROM t:doc d | SELECT cmis:name=d.cmis:name, t:amount=d.t:amount | WHERE d.t:amount > 5 AND IN_FOLDER(d, 'abc') | ORDER BY d.cmis:name"},
		{"SELECT cmis:name AS folderName, cmis:objectId AS folderId FROM cmis:folder WHERE cmis:objectId = 'root'",
			"FROM cmis:folder | SELECT folderName=cmis:folder.cmis:name, folderId=cmis:folder.cmis:objectId | WHERE cmis:folder.cmis:objectId = 'root'"},
		{"SELECT cmis:objectId FROM cmis:folder WHERE cmis:creationDate > TIMESTAMP '2024-01-01T00:00:00Z' AND cmis:creationDate < TIMESTAMP '2024-01-02T00:00:00+01:00'",
			"FROM cmis:folder | SELECT cmis:objectId=cmis:folder.cmis:objectId | WHERE cmis:folder.cmis:creationDate > TIMESTAMP '2024-01-01T00:00:00Z' AND cmis:folder.cmis:creationDate < TIMESTAMP '2024-01-01T23:00:00Z'"},
		{"SELECT cmis:name FROM cmis:document WHERE cmis:objectId IN ('a', 'b') OR cmis:name LIKE 'c%' ORDER BY cmis:creationDate DESC",
			"FROM cmis:document | SELECT cmis:name=cmis:document.cmis:name | WHERE cmis:document.cmis:objectId IN ('a', 'b') OR cmis:document.cmis:name LIKE 'c%' | ORDER BY cmis:document.cmis:creationDate DESC"},
		{"SELECT cmis:name FROM cmis:document WHERE cmis:name = 'x'' OR ''1''=''1'",
			"FROM cmis:document | SELECT cmis:name=cmis:document.cmis:name | WHERE cmis:document.cmis:name = 'x'' OR ''1''=''1'"},
		{"SELECT d.* FROM s:sec d", "FROM s:sec d | SELECT s:label=d.s:label, s:level=d.s:level, s:codes=d.s:codes"},
		{"SELECT s.cmis:objectId, s.s:label FROM s:sec s WHERE ANY s:codes IN ('c1')",
			"FROM s:sec s | SELECT cmis:objectId=s.cmis:objectId, s:label=s.s:label | WHERE ANY s.s:codes IN ('c1')"},

		// types and literals
		{tdoc + "t:price = 5", "FROM t:doc | SELECT cmis:name=t:doc.cmis:name | WHERE t:doc.t:price = 5d"},
		{tdoc + "t:amount < 2.5 AND t:amount >= -3", "FROM t:doc | SELECT cmis:name=t:doc.cmis:name | WHERE t:doc.t:amount < 2.5d AND t:doc.t:amount >= -3"},
		{tdoc + "t:flag = TRUE AND t:ref <> 'r1' AND t:html = '<b>'", "FROM t:doc | SELECT cmis:name=t:doc.cmis:name | WHERE t:doc.t:flag = TRUE AND t:doc.t:ref <> 'r1' AND t:doc.t:html = '<b>'"},
		{tdoc + "t:due <= TIMESTAMP '2024-05-01T10:00:00Z'", "FROM t:doc | SELECT cmis:name=t:doc.cmis:name | WHERE t:doc.t:due <= TIMESTAMP '2024-05-01T10:00:00Z'"},
		{tdoc + "t:amount = '5'", "error: 1:46: string literal does not fit integer property t:amount"},
		{tdoc + "t:str = 5", "error: 1:43: integer literal does not fit string property t:str"},
		{tdoc + "t:due = '2024-05-01'", "error: 1:43: string literal does not fit datetime property t:due"},
		{tdoc + "t:flag = 1", "error: 1:44: integer literal does not fit boolean property t:flag"},
		{tdoc + "t:flag < TRUE", "error: 1:44: operator < does not apply to boolean property t:flag"},
		{tdoc + "cmis:objectId > 'a'", "error: 1:51: operator > does not apply to id property cmis:objectId"},
		{tdoc + "t:str IN ('a', 2)", "error: 1:50: integer literal does not fit string property t:str"},
		{tdoc + "t:ref LIKE 'ab%' AND t:str NOT LIKE '%\\_'", "FROM t:doc | SELECT cmis:name=t:doc.cmis:name | WHERE t:doc.t:ref LIKE 'ab%' AND t:doc.t:str NOT LIKE '%\\_'"},
		{tdoc + "t:amount LIKE '1%'", "error: 1:35: LIKE needs a string property; t:amount is integer"},
		{tdoc + "t:html LIKE '<%'", "error: 1:35: LIKE needs a string property; t:html is html"},

		// queryable, orderable, cardinality
		{"SELECT t:secret FROM t:doc", "FROM t:doc | SELECT t:secret=t:doc.t:secret"},
		{tdoc + "t:secret = 'x'", "error: 1:35: property t:secret is not queryable"},
		{tdoc + "t:secret IS NULL", "error: 1:35: property t:secret is not queryable"},
		{"SELECT * FROM t:doc ORDER BY cmis:isLatestVersion", "error: 1:30: property cmis:isLatestVersion is not orderable"},
		{"SELECT * FROM t:doc ORDER BY t:tags", "error: 1:30: property t:tags is not orderable"},
		{tdoc + "t:tags = 'x'", "error: 1:35: multi-valued property t:tags can only be used with ANY or IS [NOT] NULL"},
		{tdoc + "t:tags IN ('x')", "error: 1:35: multi-valued property t:tags can only be used with ANY"},
		{tdoc + "t:tags LIKE 'x%'", "error: 1:35: multi-valued property t:tags can only be used with ANY"},
		{tdoc + "'x' = ANY cmis:name", "error: 1:45: ANY needs a multi-valued property; cmis:name is single-valued"},
		{tdoc + "ANY t:amount IN (1)", "error: 1:39: ANY needs a multi-valued property"},
		{tdoc + "'x' = ANY t:tags AND ANY t:nums NOT IN (1, 2) AND t:tags IS NOT NULL",
			"FROM t:doc | SELECT cmis:name=t:doc.cmis:name | WHERE ANY t:doc.t:tags IN ('x') AND ANY t:doc.t:nums NOT IN (1, 2) AND t:doc.t:tags IS NOT NULL"},
		{tdoc + "5 = ANY t:tags", "error: 1:35: integer literal does not fit string property t:tags"},

		// names
		{"SELECT * FROM t:nope", "error: 1:15: unknown type t:nope"},
		{"SELECT * FROM t:hidden", "error: 1:15: type t:hidden is not queryable"},
		{"SELECT t:nope FROM t:doc", "error: 1:8: unknown property t:nope"},
		{"SELECT d.t:nope FROM t:doc d", "error: 1:8: unknown property t:nope of type t:doc"},
		{"SELECT x.cmis:name FROM t:doc d", "error: 1:8: unknown table x"},
		{"SELECT t:doc.cmis:name FROM t:doc d", "error: 1:8: unknown table t:doc"},
		{"SELECT x.* FROM t:doc d", "error: 1:8: unknown table x"},
		{"SELECT t:amount FROM cmis:document", "error: 1:8: unknown property t:amount"},
		{"SELECT * FROM cmis:document d JOIN cmis:document d ON d.cmis:objectId = d.cmis:objectId", "error: 1:36: table name d used twice"},
		{"SELECT * FROM cmis:document JOIN cmis:document ON cmis:objectId = cmis:objectId", "error: 1:34: table name cmis:document used twice"},
		{"SELECT * FROM t:broken", "error: database is down"},

		// joins
		{dsec + " WHERE s.s:level > 2 ORDER BY s.s:label",
			"FROM t:doc d JOIN s:sec s ON d.cmis:objectId = s.cmis:objectId | SELECT cmis:name=d.cmis:name, s:label=s.s:label | WHERE s.s:level > 2 | ORDER BY s.s:label"},
		{"SELECT d.cmis:name FROM t:doc d LEFT OUTER JOIN s:sec s ON s.cmis:objectId = d.cmis:objectId",
			"FROM t:doc d LEFT JOIN s:sec s ON d.cmis:objectId = s.cmis:objectId | SELECT cmis:name=d.cmis:name"},
		{"SELECT d.cmis:name FROM t:doc d JOIN s:sec s ON d.t:ref = s.cmis:objectId", "error: 1:49: a secondary type joins on cmis:objectId = cmis:objectId only"},
		{"SELECT d.cmis:name FROM t:doc d JOIN s:sec s ON d.cmis:objectId = s.s:label", "error: 1:49: a secondary type joins on cmis:objectId"},
		{djf + " WHERE cmis:name = 'x'", "error: 1:105: column cmis:name is ambiguous: qualify it with d or f"},
		{djf + " WHERE IN_FOLDER('x')", "error: 1:105: IN_FOLDER needs a table qualifier when the query joins tables"},
		{djf + " WHERE IN_TREE(z, 'x')", "error: 1:105: IN_TREE: unknown table z"},
		{djf + " WHERE IN_TREE(f, 'x')",
			"FROM cmis:document d JOIN cmis:folder f ON d.cmis:createdBy = f.cmis:createdBy | SELECT cmis:name=d.cmis:name | WHERE IN_TREE(f, 'x')"},
		{"SELECT d.cmis:name, f.cmis:name, cmis:path FROM cmis:document d RIGHT JOIN cmis:folder f ON d.cmis:createdBy = f.cmis:createdBy",
			"FROM cmis:document d RIGHT JOIN cmis:folder f ON d.cmis:createdBy = f.cmis:createdBy | SELECT d.cmis:name=d.cmis:name, f.cmis:name=f.cmis:name, cmis:path=f.cmis:path"},
		{"SELECT d.cmis:name AS x, f.cmis:name AS x FROM cmis:document d JOIN cmis:folder f ON d.cmis:createdBy = f.cmis:createdBy", "error: 1:26: alias x used twice"},
		{"SELECT d.cmis:name, f.cmis:objectId AS cmis:name FROM cmis:document d JOIN cmis:folder f ON d.cmis:createdBy = f.cmis:createdBy", "error: 1:21: column name cmis:name used twice"},
		{"SELECT * FROM cmis:document d JOIN cmis:folder f ON d.cmis:creationDate = f.cmis:name", "error: 1:75: cannot join d.cmis:creationDate (datetime) with f.cmis:name (string)"},
		{"SELECT * FROM cmis:document d JOIN cmis:folder f ON d.cmis:name = d.cmis:description", "error: 1:53: ON must compare a column of f with a column of a table joined before it"},
		{"SELECT * FROM t:doc d JOIN cmis:folder f ON d.t:tags = f.cmis:name", "error: 1:45: multi-valued property d.t:tags can only be used with ANY"},
		{"SELECT * FROM t:doc d JOIN cmis:folder f ON d.t:secret = f.cmis:name", "error: 1:45: property d.t:secret is not queryable"},
		{"SELECT * FROM t:doc d JOIN cmis:folder f", "error: 1:23: JOIN needs ON column = column"},

		// CONTAINS and SCORE
		{"SELECT cmis:name, SCORE() AS rel FROM cmis:document WHERE CONTAINS('a -b') AND cmis:name LIKE 'x%' ORDER BY rel DESC, cmis:name",
			"FROM cmis:document | SELECT cmis:name=cmis:document.cmis:name, rel=SCORE() | WHERE CONTAINS(cmis:document, a -b) AND cmis:document.cmis:name LIKE 'x%' | ORDER BY SCORE() DESC, cmis:document.cmis:name"},
		{"SELECT SCORE() FROM cmis:document WHERE cmis:name = 'a' AND (cmis:name <> 'b' AND CONTAINS('\"x y\" OR z')) AND SCORE() > 0.5",
			"FROM cmis:document | SELECT SEARCH_SCORE=SCORE() | WHERE cmis:document.cmis:name = 'a' AND (cmis:document.cmis:name <> 'b' AND CONTAINS(cmis:document, \"x y\" OR z)) AND SCORE() > 0.5d"},
		{"SELECT SCORE() FROM cmis:document", "error: 1:8: SCORE() needs a CONTAINS predicate"},
		{"SELECT * FROM cmis:document WHERE SCORE() > 1", "error: 1:35: SCORE() needs a CONTAINS predicate"},
		{"SELECT * FROM cmis:document WHERE CONTAINS('a') AND SCORE() > 'x'", "error: 1:63: SCORE() compares with a number, not a string literal"},
		{"SELECT * FROM cmis:document WHERE CONTAINS('a') OR cmis:name = 'x'", "error: 1:35: CONTAINS must be ANDed at the top level"},
		{"SELECT * FROM cmis:document WHERE NOT CONTAINS('a')", "error: 1:39: CONTAINS must be ANDed at the top level"},
		{"SELECT * FROM cmis:document WHERE CONTAINS('a') AND CONTAINS('b')", "error: 1:53: at most one CONTAINS is allowed"},
		{"SELECT * FROM t:nofts WHERE CONTAINS('a')", "error: 1:29: type t:nofts is not full-text indexed"},
		{"SELECT * FROM t:doc d JOIN s:sec s ON d.cmis:objectId = s.cmis:objectId WHERE CONTAINS(s, 'a')", "error: 1:79: type s:sec is not full-text indexed"},
		{"SELECT * FROM t:doc d JOIN s:sec s ON d.cmis:objectId = s.cmis:objectId WHERE CONTAINS('a')", "error: 1:79: CONTAINS needs a table qualifier"},

		// ORDER BY through aliases
		{"SELECT cmis:name AS n FROM cmis:document ORDER BY n DESC", "FROM cmis:document | SELECT n=cmis:document.cmis:name | ORDER BY cmis:document.cmis:name DESC"},
		{"SELECT cmis:isImmutable AS i FROM cmis:document ORDER BY i", "error: 1:58: property cmis:document.cmis:isImmutable is not orderable"},
		{"SELECT cmis:name, cmis:name, cmis:objectId FROM cmis:document", "FROM cmis:document | SELECT cmis:name=cmis:document.cmis:name, cmis:objectId=cmis:document.cmis:objectId"},

		// FROM shapes Bind does not take
		{"SELECT * FROM cmis:document a JOIN (cmis:document b JOIN cmis:document c ON b.cmis:objectId = c.cmis:objectId) ON a.cmis:objectId = b.cmis:objectId",
			"error: 1:31: a parenthesised join on the right of JOIN is not supported"},
	}
	for _, tt := range tests {
		st, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		q, err := Bind(st, types)
		if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
			if err == nil {
				t.Errorf("Bind(%q) = %s, want error %s", tt.in, q, want)
				continue
			}
			msg := err.Error()
			if ce, ok := cmis.AsError(err); ok {
				msg = strings.TrimPrefix(ce.Message, "query: ")
				wantType := cmis.ErrInvalidArgument
				if strings.Contains(want, "not supported") {
					wantType = cmis.ErrNotSupported
				}
				if ce.Type != wantType {
					t.Errorf("Bind(%q): error type %s, want %s", tt.in, ce.Type, wantType)
				}
			}
			if !strings.HasPrefix(msg, want) {
				t.Errorf("Bind(%q)\n got error %s\nwant error %s…", tt.in, msg, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("Bind(%q): %v", tt.in, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Bind(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

// TestBindSelectAll: * expands to every property of the type in
// definition order, and the bound pieces point into the type.
func TestBindSelectAll(t *testing.T) {
	types := testTypes()
	st, err := Parse("SELECT * FROM t:doc")
	if err != nil {
		t.Fatal(err)
	}
	q, err := Bind(st, types)
	if err != nil {
		t.Fatal(err)
	}
	defs := types["t:doc"].PropertyDefinitions
	if len(q.Columns) != len(defs) {
		t.Fatalf("%d columns, want %d", len(q.Columns), len(defs))
	}
	for i, c := range q.Columns {
		if c.Column.Property != &defs[i] || c.QueryName != defs[i].QueryName || c.Column.Table != q.Tables[0] {
			t.Errorf("column %d = %s (%s), want %s", i, c.QueryName, c.Column, defs[i].QueryName)
		}
	}
	if q.Tables[0].Type != types["t:doc"] || q.Tables[0].Join != JoinNone || q.Score || q.Contains != nil {
		t.Errorf("table/flags wrong: %+v", q)
	}
}

// TestBindValues checks the Go types of bound values, which the SQL
// compiler binds as parameters.
func TestBindValues(t *testing.T) {
	st, err := Parse(tdoc + "t:str = 'x'' OR ''1''=''1' AND t:amount = 7 AND t:price > 7 AND t:due < TIMESTAMP '2024-01-01T00:00:00Z' AND t:flag = FALSE AND CONTAINS('w')")
	if err != nil {
		t.Fatal(err)
	}
	q, err := Bind(st, testTypes())
	if err != nil {
		t.Fatal(err)
	}
	terms := q.Where.(*AndCond).Terms
	want := []cmis.Value{"x' OR '1'='1", int64(7), cmis.Decimal("7"), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false}
	for i, w := range want {
		if got := terms[i].(*CompareCond).Value; got != w {
			t.Errorf("term %d: value %#v, want %#v", i, got, w)
		}
		c := terms[i].(*CompareCond).Column
		if !cmis.CheckValue(c.Property.PropertyType, terms[i].(*CompareCond).Value) {
			t.Errorf("term %d: value does not fit %s", i, c.Property.PropertyType)
		}
	}
	if q.Contains == nil || q.Contains != terms[5] || q.Contains.Search.String() != "w" {
		t.Errorf("Contains = %v", q.Contains)
	}
}
