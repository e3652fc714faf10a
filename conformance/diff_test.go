package conformance

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	cases := []struct {
		name, a, b string
		context    int
		want       string
	}{
		{"equal", "x\ny\n", "x\ny\n", 3, ""},
		{"both empty", "", "", 3, ""},
		{"all new", "", "a\nb\n", 3, "+ a\n+ b\n"},
		{"all gone", "a\n", "", 3, "- a\n"},
		{"one changed", "a\nb\nc\n", "a\nB\nc\n", 1, "  a\n- b\n+ B\n  c\n"},
		{"order matters", "a\nb\n", "b\na\n", 1, "- a\n  b\n+ a\n"},
		{"no context", "a\nb\n", "b\na\n", 0, "- a\n@@\n+ a\n"},
		{"context cut", "1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nX\n5\n6\n7\n", 1, "@@\n  3\n- 4\n+ X\n  5\n@@\n"},
		{"duplicates", "a\na\n", "a\n", 0, "@@\n- a\n"},
	}
	for _, c := range cases {
		if got := Diff(c.a, c.b, c.context); got != c.want {
			t.Errorf("%s: Diff =\n%q\nwant\n%q", c.name, got, c.want)
		}
	}
}

// Format is independent of prefixes and of the order of unordered
// children, as Compare is.
func TestFormat(t *testing.T) {
	a := `<S:Envelope xmlns:S="s" xmlns:c="` + strings.Trim(coreNS, "{}") + `"><S:Body><c:properties>` +
		`<c:propertyId propertyDefinitionId="cmis:name"><c:value> n </c:value></c:propertyId>` +
		`<c:propertyId propertyDefinitionId="cmis:objectId"><c:value>id</c:value></c:propertyId>` +
		`</c:properties></S:Body></S:Envelope>`
	b := `<E:Envelope xmlns:E="s"><E:Body><properties xmlns="` + strings.Trim(coreNS, "{}") + `">` +
		`<propertyId propertyDefinitionId="cmis:name"><value>n</value></propertyId>` +
		`<propertyId propertyDefinitionId="cmis:objectId"><value>id</value></propertyId>` +
		`</properties></E:Body></E:Envelope>`
	// Properties in another order: the order is part of the answer.
	reordered := `<properties xmlns="` + strings.Trim(coreNS, "{}") + `">` +
		`<propertyId propertyDefinitionId="cmis:objectId"><value>id</value></propertyId>` +
		`<propertyId propertyDefinitionId="cmis:name"><value>n</value></propertyId></properties>`
	na, err := Parse([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Parse([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	want := "Envelope\n  Body\n    properties\n" +
		"      propertyId propertyDefinitionId=\"cmis:name\"\n        value: n\n" +
		"      propertyId propertyDefinitionId=\"cmis:objectId\"\n        value: id\n"
	if got := na.Format(); got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
	// Instants only have to be there: their values are not shown.
	nd, err := Parse([]byte(`<properties xmlns="` + strings.Trim(coreNS, "{}") + `"><propertyDateTime propertyDefinitionId="cmis:creationDate">` +
		`<value>2026-01-02T03:04:05Z</value></propertyDateTime></properties>`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := nd.Format(), "properties\n  propertyDateTime propertyDefinitionId=\"cmis:creationDate\"\n    value: …\n"; got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
	if na.Format() != nb.Format() {
		t.Errorf("prefixes changed the text:\n%s\n%s", na.Format(), nb.Format())
	}
	nr, err := Parse([]byte(reordered))
	if err != nil {
		t.Fatal(err)
	}
	if got := nr.Format(); strings.Index(got, "cmis:objectId") > strings.Index(got, "cmis:name") {
		t.Errorf("Format sorted the properties:\n%s", got)
	}
}

// What -update shows for a rewritten answer: the change, not the ids that
// differ only because they are bound to live ones.
func TestRewriteReport(t *testing.T) {
	env := func(id, name string) *answer {
		e := `<S:Envelope xmlns:S="s" xmlns:c="c"><S:Body><c:getObjectResponse><c:objectId>` + id +
			`</c:objectId><c:name>` + name + `</c:name></c:getObjectResponse></S:Body></S:Envelope>`
		return &answer{status: 200, ct: "text/xml; charset=utf-8", body: []byte(e), env: []byte(e)}
	}
	b := Bindings{"recorded-id-0001": "live-id-0001"}
	got := rewriteReport("cases/x/0001-getObject.response.http", env("recorded-id-0001", "old name"), env("live-id-0001", "new name"), b,
		[]string{"/Envelope/Body/getObjectResponse/name: text \"old name\", got \"new name\""})
	for _, want := range []string{"-update rewrote cases/x/0001-getObject.response.http", "text \"old name\"",
		"\n-       name: old name\n+       name: new name\n", "\n        objectId: live-id-0001\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "recorded-id-0001") {
		t.Errorf("a bound id shows as a change:\n%s", got)
	}
	fresh := rewriteReport("cases/x/0002-getObject.response.http", nil, env("live-id-0001", "n"), b, nil)
	if !strings.Contains(fresh, "(there was none)") || !strings.Contains(fresh, "+ HTTP 200 text/xml") || !strings.Contains(fresh, "\n+       name: n\n") {
		t.Errorf("a new answer:\n%s", fresh)
	}
}
