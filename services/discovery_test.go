package services

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/testenv"
	"github.com/cmisd/cmisd/internal/xsd"
)

// queryFixture builds a small repository: a document type with one
// property of each kind, two folders, documents with known values.
func queryFixture(t *testing.T) (*fixture, map[string]string) {
	f := newFixture(t)
	def := func(id string, pt generated.EnumPropertyType, card generated.EnumCardinality) generated.CmisPropertyDefinitionType {
		return generated.CmisPropertyDefinitionType{Id: id, LocalName: id, PropertyType: pt, Cardinality: card,
			Updatability: "readwrite", Queryable: true, Orderable: card == "single"}
	}
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: "q:doc", LocalName: "doc", BaseId: "cmis:document", ParentId: ptr("cmis:document"), Creatable: true, Fileable: true,
		Queryable: true, IncludedInSupertypeQuery: true, ControllableACL: true, FulltextIndexed: true, Versionable: ptr(true), ContentStreamAllowed: ptr(generated.EnumContentStreamAllowed("allowed")),
		PropertyDefinitions: generated.PropertyDefinitionList{
			&generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: def("q:title", "string", "single")},
			&generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: def("q:tags", "string", "multi")},
			&generated.CmisPropertyIntegerDefinitionType{CmisPropertyDefinitionType: def("q:pages", "integer", "single")},
			&generated.CmisPropertyDecimalDefinitionType{CmisPropertyDefinitionType: def("q:price", "decimal", "single")},
			&generated.CmisPropertyDateTimeDefinitionType{CmisPropertyDefinitionType: def("q:due", "datetime", "single")},
			&generated.CmisPropertyBooleanDefinitionType{CmisPropertyDefinitionType: def("q:flag", "boolean", "single")},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	ids["A"] = f.folder(t, f.root, "A")
	ids["B"] = f.folder(t, ids["A"], "B")
	ids["C"] = f.folder(t, f.root, "C")
	type row struct {
		name, folder, title string
		pages               int64
		price               string
		due                 string
		flag                bool
		tags                []string
	}
	for _, r := range []row{
		{"alpha", "A", "Annual report", 10, "9.50", "2026-01-15T00:00:00Z", true, []string{"finance", "2026"}},
		{"beta", "A", "Budget", 3, "120.00", "2026-03-01T12:00:00Z", false, []string{"finance"}},
		{"gamma", "B", "It's 100% done", 42, "0.99", "2025-12-31T23:59:59Z", true, []string{"ops"}},
		{"delta", "B", "x' OR '1'='1", 7, "15", "2026-06-30T00:00:00Z", false, nil},
		{"epsilon", "C", "Annex_1", 0, "-3.25", "2027-01-01T00:00:00Z", true, []string{"legal", "finance"}},
	} {
		p := props("q:doc", r.name, func(p *generated.CmisPropertiesType) {
			p.Properties = append(p.Properties, &generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:title"}, Value: []string{r.title}})
			if r.tags != nil {
				p.Properties = append(p.Properties, &generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:tags"}, Value: r.tags})
			}
			p.Properties = append(p.Properties, &generated.CmisPropertyInteger{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:pages"}, Value: []int64{r.pages}})
			p.Properties = append(p.Properties, &generated.CmisPropertyDecimal{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:price"}, Value: []xsd.Decimal{xsd.Decimal(r.price)}})
			d, _ := xsd.ParseDateTime(r.due)
			p.Properties = append(p.Properties, &generated.CmisPropertyDateTime{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:due"}, Value: []xsd.DateTime{d}})
			p.Properties = append(p.Properties, &generated.CmisPropertyBoolean{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:flag"}, Value: []bool{r.flag}})
		})
		folder := ids[r.folder]
		resp, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder, Properties: p, ContentStream: content(r.name)})
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		ids[r.name] = resp.ObjectId
	}
	f.doc(t, ids["C"], "plain", "") // a cmis:document, not a q:doc
	return f, ids
}

func runQuery(f *fixture, ctx context.Context, stmt string, all bool) ([]string, error) {
	r, err := f.ports.Discovery.QueryContext(ctx, &generated.Query{RepositoryId: repo, Statement: stmt, SearchAllVersions: &all})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, o := range r.Objects.Objects {
		n := "?"
		for _, p := range generated.OfType[*generated.CmisPropertyString](o.Properties.Properties) {
			if p.PropertyDefinitionId == cmis.PropName && len(p.Value) > 0 {
				n = p.Value[0]
			}
		}
		names = append(names, n)
	}
	if *r.Objects.NumItems != int64(len(names)) {
		return nil, cmis.Errorf(cmis.ErrRuntime, "numItems %d for %d results", *r.Objects.NumItems, len(names))
	}
	return names, nil
}

func TestQueries(t *testing.T) {
	f, ids := queryFixture(t)
	sel := "SELECT cmis:name FROM q:doc WHERE "
	cases := []struct {
		stmt    string
		want    string // names, sorted, comma-separated; "!" + error type for faults
		ordered bool
	}{
		{"SELECT cmis:name FROM q:doc", "alpha,beta,delta,epsilon,gamma", false},
		{"SELECT * FROM q:doc", "alpha,beta,delta,epsilon,gamma", false},
		{"SELECT cmis:name FROM cmis:document", "alpha,beta,delta,epsilon,gamma,plain", false},
		{"SELECT cmis:name FROM cmis:folder", "A,B,C,root", false},
		{sel + "q:title = 'Budget'", "beta", false},
		{sel + "q:title <> 'Budget'", "alpha,delta,epsilon,gamma", false},
		{sel + "q:pages = 42", "gamma", false},
		{sel + "q:pages > 7", "alpha,gamma", false},
		{sel + "q:pages >= 7", "alpha,delta,gamma", false},
		{sel + "q:pages < 3", "epsilon", false},
		{sel + "q:pages <= 3", "beta,epsilon", false},
		{sel + "q:pages IN (3, 7, 99)", "beta,delta", false},
		{sel + "q:pages NOT IN (3, 7)", "alpha,epsilon,gamma", false},
		{sel + "q:price > 10", "beta,delta", false},
		{sel + "q:price < 0", "epsilon", false},
		{sel + "q:price = 9.5", "alpha", false},
		{sel + "q:due < TIMESTAMP '2026-01-01T00:00:00Z'", "gamma", false},
		{sel + "q:due >= TIMESTAMP '2026-03-01T12:00:00.000Z'", "beta,delta,epsilon", false},
		{sel + "q:flag = TRUE", "alpha,epsilon,gamma", false},
		{sel + "q:flag = FALSE", "beta,delta", false},
		{sel + "q:title LIKE 'Ann%'", "alpha,epsilon", false},
		{sel + "q:title LIKE 'Annex\\_1'", "epsilon", false},
		{sel + "q:title LIKE 'Annex_1'", "epsilon", false},
		{sel + "q:title LIKE '%100\\%%'", "gamma", false},
		{sel + "q:title NOT LIKE 'A%'", "beta,delta,gamma", false},
		{sel + "q:title LIKE '_udget'", "beta", false},
		{sel + "q:title = 'It''s 100% done'", "gamma", false},
		{sel + "q:title = 'It\\'s 100% done'", "gamma", false},
		{sel + "q:title = 'x'' OR ''1''=''1'", "delta", false},
		{sel + "q:title = 'x OR 1=1'", "", false},
		{sel + "cmis:name = 'x'' OR ''1''=''1'", "", false},
		{sel + "'finance' = ANY q:tags", "alpha,beta,epsilon", false},
		{sel + "ANY q:tags IN ('ops', 'legal')", "epsilon,gamma", false},
		// Set, and none of its values in the list (an unset property is
		// NULL, which matches nothing).
		{sel + "ANY q:tags NOT IN ('finance')", "gamma", false},
		{sel + "q:tags IS NULL", "delta", false},
		{sel + "q:tags IS NOT NULL", "alpha,beta,epsilon,gamma", false},
		{sel + "q:title IS NOT NULL AND q:pages > 5", "alpha,delta,gamma", false},
		{sel + "q:pages > 40 OR q:pages < 1", "epsilon,gamma", false},
		{sel + "NOT (q:pages > 5)", "beta,epsilon", false},
		{sel + "(q:pages > 5 AND q:flag = TRUE) OR cmis:name = 'beta'", "alpha,beta,gamma", false},
		{sel + "IN_FOLDER('" + ids["A"] + "')", "alpha,beta", false},
		{sel + "IN_FOLDER('" + ids["B"] + "')", "delta,gamma", false},
		{sel + "IN_TREE('" + ids["A"] + "')", "alpha,beta,delta,gamma", false},
		{sel + "IN_TREE('" + f.root + "')", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "IN_TREE('" + ids["A"] + "') AND q:pages > 5", "alpha,delta,gamma", false},
		{"SELECT cmis:name FROM cmis:folder WHERE IN_FOLDER('" + ids["A"] + "')", "B", false},
		{"SELECT cmis:name FROM cmis:folder WHERE IN_TREE('" + f.root + "')", "A,B,C", false},
		{sel + "cmis:name IN ('alpha', 'gamma')", "alpha,gamma", false},
		{sel + "cmis:objectId = '" + ids["beta"] + "'", "beta", false},
		{sel + "cmis:createdBy = 'admin'", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "cmis:contentStreamLength = 5", "alpha,delta,gamma", false},
		{sel + "cmis:contentStreamMimeType = 'text/plain' AND cmis:name LIKE 'e%'", "epsilon", false},
		{sel + "cmis:creationDate > TIMESTAMP '2000-01-01T00:00:00Z'", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "cmis:isLatestVersion = TRUE", "alpha,beta,delta,epsilon,gamma", false},
		{"SELECT cmis:name FROM q:doc ORDER BY q:pages DESC", "gamma,alpha,delta,beta,epsilon", true},
		{"SELECT cmis:name FROM q:doc ORDER BY cmis:name", "alpha,beta,delta,epsilon,gamma", true},
		{"SELECT cmis:name FROM q:doc ORDER BY q:price", "epsilon,gamma,alpha,delta,beta", true},
		{"SELECT cmis:name FROM q:doc ORDER BY q:due DESC, cmis:name", "epsilon,delta,beta,alpha,gamma", true},
		{"SELECT d.cmis:name FROM q:doc d WHERE d.q:pages = 10", "alpha", false},
		{"SELECT d.cmis:name AS n FROM q:doc AS d ORDER BY n DESC", "gamma,epsilon,delta,beta,alpha", true},
		// More predicates on system properties.
		{sel + "cmis:name NOT IN ('alpha', 'beta')", "delta,epsilon,gamma", false},
		{sel + "cmis:name > 'c' AND cmis:name < 'f'", "delta,epsilon", false},
		{sel + "cmis:name LIKE '%a'", "alpha,beta,delta,gamma", false},
		{sel + "cmis:name LIKE '%ps%'", "epsilon", false},
		{sel + "cmis:name LIKE '_____'", "alpha,delta,gamma", false},
		{sel + "cmis:objectTypeId = 'q:doc'", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "cmis:baseTypeId = 'cmis:document'", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "cmis:description IS NULL", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "cmis:description IS NOT NULL", "", false},
		{sel + "cmis:versionLabel = '1.0' AND cmis:isMajorVersion = TRUE", "alpha,beta,delta,epsilon,gamma", false},
		{sel + "cmis:contentStreamFileName = 'f.txt' AND cmis:name = 'beta'", "beta", false},
		{sel + "cmis:lastModifiedBy <> 'admin'", "", false},
		{"SELECT cmis:name FROM cmis:folder WHERE cmis:name LIKE '_' ORDER BY cmis:name DESC", "C,B,A", true},
		{"SELECT cmis:name FROM cmis:folder WHERE cmis:parentId = '" + ids["A"] + "'", "B", false},
		{"SELECT cmis:name FROM cmis:folder WHERE cmis:path = '/A/B'", "B", false},
		{"SELECT cmis:name FROM cmis:folder WHERE cmis:path LIKE '/A%'", "A,B", false},
		{"SELECT cmis:name FROM cmis:document WHERE IN_FOLDER('" + ids["C"] + "') ORDER BY cmis:name", "epsilon,plain", true},
		{"SELECT cmis:name FROM cmis:document WHERE cmis:objectTypeId = 'cmis:document'", "plain", false},
		// More on custom properties.
		{sel + "q:pages <> 7", "alpha,beta,epsilon,gamma", false},
		{sel + "q:pages > 1 AND q:pages < 40", "alpha,beta,delta", false},
		{sel + "q:pages IN (0)", "epsilon", false},
		{sel + "q:price >= 0.99 AND q:price <= 15", "alpha,delta,gamma", false},
		{sel + "q:price <> 120", "alpha,delta,epsilon,gamma", false},
		{sel + "q:price = -3.25", "epsilon", false},
		{sel + "q:due <= TIMESTAMP '2026-01-15T00:00:00.000Z'", "alpha,gamma", false},
		{sel + "q:due > TIMESTAMP '2026-06-29T23:00:00-02:00'", "epsilon", false},
		{sel + "q:flag <> TRUE", "beta,delta", false},
		{sel + "q:title IN ('Budget', 'Annex_1', 'nope')", "beta,epsilon", false},
		{sel + "q:title LIKE '%''%'", "delta,gamma", false},
		{sel + "'legal' = ANY q:tags AND 'finance' = ANY q:tags", "epsilon", false},
		{sel + "'2026' = ANY q:tags OR 'ops' = ANY q:tags", "alpha,gamma", false},
		{sel + "NOT ('finance' = ANY q:tags)", "delta,gamma", false},
		{sel + "ANY q:tags IN ('nothing')", "", false},
		{sel + "q:title IS NULL", "", false},
		{sel + "q:flag = TRUE AND NOT (q:pages = 0)", "alpha,gamma", false},
		{sel + "IN_TREE('" + ids["B"] + "') OR cmis:name = 'epsilon'", "delta,epsilon,gamma", false},
		{sel + "NOT IN_FOLDER('" + ids["A"] + "')", "delta,epsilon,gamma", false},
		{"SELECT cmis:name FROM q:doc ORDER BY q:flag DESC, q:pages", "epsilon,alpha,gamma,beta,delta", true},
		{"SELECT cmis:name FROM q:doc WHERE q:pages > 0 ORDER BY q:title", "alpha,beta,gamma,delta", true},
		{"SELECT cmis:name FROM q:doc ORDER BY cmis:contentStreamLength DESC, cmis:name", "epsilon,alpha,delta,gamma,beta", true},
		// Joins on object ids.
		{"SELECT d.cmis:name FROM q:doc d JOIN cmis:document e ON d.cmis:objectId = e.cmis:objectId WHERE e.cmis:name LIKE 'a%'", "alpha", false},
		{"SELECT d.cmis:name FROM q:doc d JOIN cmis:document e ON d.cmis:objectId = e.cmis:objectId WHERE d.q:pages > 5 ORDER BY e.cmis:name", "alpha,delta,gamma", true},
		{"SELECT d.cmis:name FROM q:doc d LEFT JOIN cmis:folder f ON d.cmis:objectId = f.cmis:objectId WHERE f.cmis:objectId IS NULL AND d.q:flag = FALSE", "beta,delta", false},
		{"SELECT d.cmis:name FROM q:doc d INNER JOIN cmis:folder f ON d.cmis:objectId = f.cmis:objectId", "", false},
		{"SELECT d.cmis:name FROM q:doc d RIGHT JOIN cmis:folder f ON d.cmis:objectId = f.cmis:objectId", "!notSupported", false},
		// Faults.
		{"SELECT", "!invalidArgument", false},
		{"SELECT *", "!invalidArgument", false},
		{"SELECT FROM cmis:document", "!invalidArgument", false},
		{"SELECT ,cmis:name FROM cmis:document", "!invalidArgument", false},
		{"SELECT * FROM q:nope", "!invalidArgument", false},
		{sel + "q:nope = 1", "!invalidArgument", false},
		{sel + "q:tags = 'x'", "!invalidArgument", false},
		{"SELECT cmis:name FROM q:doc ORDER BY q:tags", "!invalidArgument", false},
		{sel + "q:pages = 'ten'", "!invalidArgument", false},
		{sel + "IN_FOLDER('" + ids["alpha"] + "')", "!invalidArgument", false},
		{"SELECT cmis:name FROM cmis:folder WHERE CONTAINS('report')", "!invalidArgument", false}, // folders are not full-text indexed
		{sel + "CONTAINS('report') OR cmis:name = 'x'", "!invalidArgument", false},                // CONTAINS only ANDed at the top
		{sel + "q:title = 'unterminated", "!invalidArgument", false},
	}
	for _, c := range cases {
		got, err := runQuery(f, f.ctx, c.stmt, false)
		if strings.HasPrefix(c.want, "!") {
			wantErr(t, c.stmt, err, cmis.ErrorType(c.want[1:]))
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.stmt, err)
			continue
		}
		if !c.ordered {
			sort.Strings(got)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.stmt, strings.Join(got, ","), c.want)
		}
	}
}

func TestQueryPagingAndACLs(t *testing.T) {
	f, ids := queryFixture(t)
	var seen []string
	for skip := int64(0); skip < 6; skip += 2 {
		r, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo, Statement: "SELECT cmis:name FROM q:doc ORDER BY cmis:name",
			MaxItems: ptr(int64(2)), SkipCount: &skip})
		if err != nil {
			t.Fatal(err)
		}
		if *r.Objects.NumItems != 5 || r.Objects.HasMoreItems != (skip+2 < 5) {
			t.Fatalf("skip %d: numItems %d more %v", skip, *r.Objects.NumItems, r.Objects.HasMoreItems)
		}
		for _, o := range r.Objects.Objects {
			seen = append(seen, generated.OfType[*generated.CmisPropertyString](o.Properties.Properties)[0].Value[0])
		}
	}
	if strings.Join(seen, ",") != "alpha,beta,delta,epsilon,gamma" {
		t.Fatalf("pages: %v", seen)
	}
	// bob may read everything under the root (anyone: read) except what
	// no longer grants it.
	bob := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "bob"})
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: ids["alpha"], RemoveACEs: aceList(cmis.PrincipalAnyone, cmis.PermRead)}); err != nil {
		t.Fatal(err)
	}
	got, err := runQuery(f, bob, "SELECT cmis:name FROM q:doc WHERE q:pages > 5", false)
	sort.Strings(got)
	if err != nil || strings.Join(got, ",") != "delta,gamma" {
		t.Fatalf("bob's results: %v %v (numItems must count only what bob sees)", got, err)
	}
	withActions, err := f.ports.Discovery.QueryContext(bob, &generated.Query{RepositoryId: repo, Statement: "SELECT * FROM q:doc WHERE cmis:name = 'gamma'", IncludeAllowableActions: ptr(true)})
	if err != nil || deref(withActions.Objects.Objects[0].AllowableActions.CanUpdateProperties) || !deref(withActions.Objects.Objects[0].AllowableActions.CanGetProperties) {
		t.Fatalf("allowable actions in results: %v", err)
	}
	_ = time.Now
}

func TestFullText(t *testing.T) {
	f, _ := queryFixture(t)
	if !f.fullText {
		_, err := runQuery(f, f.ctx, "SELECT cmis:name FROM q:doc WHERE CONTAINS('report')", false)
		wantErr(t, "CONTAINS without full text in this build", err, cmis.ErrNotSupported)
	}
	testenv.Require(t, testenv.FullText, f.fullText, "CONTAINS answers notSupported in this build")
	sel := "SELECT cmis:name FROM q:doc WHERE "
	cases := []struct{ stmt, want string }{
		{sel + "CONTAINS('report')", "alpha"},                  // a string property
		{sel + "CONTAINS('gamma')", "gamma"},                   // the name, and the text/plain content
		{sel + "CONTAINS('REPORT')", "alpha"},                  // case-insensitive
		{sel + "CONTAINS('\"annual report\"')", "alpha"},       // a phrase
		{sel + "CONTAINS('\"report annual\"')", ""},            // word order matters in a phrase
		{sel + "CONTAINS('finance -legal')", "alpha,beta"},     // multi-valued tags, negation
		{sel + "CONTAINS('ops OR legal')", "epsilon,gamma"},    // OR
		{sel + "CONTAINS('finance') AND q:pages > 5", "alpha"}, // combined with metadata
		{sel + "CONTAINS('NEAR(annual report) report*')", ""},  // FTS5 syntax in the text stays words
		{"SELECT cmis:name FROM cmis:document WHERE CONTAINS('budget')", "beta"},
	}
	for _, c := range cases {
		got, err := runQuery(f, f.ctx, c.stmt, false)
		if err != nil {
			t.Errorf("%s: %v", c.stmt, err)
			continue
		}
		sort.Strings(got)
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.stmt, strings.Join(got, ","), c.want)
		}
	}
	_, err := runQuery(f, f.ctx, sel+"CONTAINS('-finance')", false)
	wantErr(t, "only a negation", err, cmis.ErrInvalidArgument)

	r, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo,
		Statement: "SELECT cmis:name, SCORE() AS relevance FROM q:doc WHERE CONTAINS('finance') ORDER BY relevance DESC"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Objects.Objects) != 3 {
		t.Fatalf("%d results", len(r.Objects.Objects))
	}
	last := 2.0
	for _, o := range r.Objects.Objects {
		d := generated.OfType[*generated.CmisPropertyDecimal](o.Properties.Properties)
		if len(d) != 1 || d[0].QueryName != "relevance" {
			t.Fatalf("score column: %+v", d)
		}
		v, _ := d[0].Value[0].Float64()
		if v <= 0 || v >= 1 || v > last {
			t.Fatalf("scores not in (0,1) and descending: %v after %v", v, last)
		}
		last = v
	}
	// The index follows changes in the same transaction.
	id := f.doc(t, f.root, "late", "a quokka appears")
	if got, _ := runQuery(f, f.ctx, "SELECT cmis:name FROM cmis:document WHERE CONTAINS('quokka')", false); strings.Join(got, ",") != "late" {
		t.Fatalf("new content not indexed: %v", got)
	}
	if _, err := f.ports.Object.SetContentStreamContext(f.ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: id, ContentStream: content("now a wombat")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := runQuery(f, f.ctx, "SELECT cmis:name FROM cmis:document WHERE CONTAINS('quokka')", false); len(got) != 0 {
		t.Fatalf("replaced content still found: %v", got)
	}
	if _, err := f.ports.Object.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: id}); err != nil {
		t.Fatal(err)
	}
	if got, _ := runQuery(f, f.ctx, "SELECT cmis:name FROM cmis:document WHERE CONTAINS('wombat')", false); len(got) != 0 {
		t.Fatalf("deleted document still found: %v", got)
	}
}

// Old versions are searched only with searchAllVersions; private working
// copies never (capabilityPWCSearchable is false).
func TestQuerySearchAllVersions(t *testing.T) {
	f, ids := queryFixture(t)
	co, err := f.ports.Versioning.CheckOutContext(f.ctx, &generated.CheckOut{RepositoryId: repo, ObjectId: ids["beta"]})
	if err != nil {
		t.Fatal(err)
	}
	stmt := "SELECT cmis:name, cmis:versionLabel FROM q:doc WHERE cmis:name = 'beta'"
	labels := func(all bool) string {
		r, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo, Statement: stmt, SearchAllVersions: &all})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range r.Objects.Objects {
			l, _ := value(o, cmis.PropVersionLabel)
			out = append(out, l)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	if got := labels(false); got != "1.0" {
		t.Fatalf("checked out, latest only: %q (the PWC must not be found)", got)
	}
	if _, err := f.ports.Versioning.CheckInContext(f.ctx, &generated.CheckIn{RepositoryId: repo, ObjectId: co.ObjectId, Major: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if got := labels(false); got != "1.1" {
		t.Fatalf("latest only: %q", got)
	}
	if got := labels(true); got != "1.0,1.1" {
		t.Fatalf("all versions: %q", got)
	}
}

// TestQueryColumnValues holds each kind of select column to its values:
// a select list of system properties alone reads the objects without
// their custom values and secondary types (query.Options.SystemOnly),
// and one that names either reads them.
func TestQueryColumnValues(t *testing.T) {
	f, _ := queryFixture(t)
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: "q:marked", LocalName: "marked", BaseId: "cmis:secondary", ParentId: ptr("cmis:secondary"), Queryable: true}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &f.root,
		Properties: props("q:doc", "zeta", func(p *generated.CmisPropertiesType) {
			p.Properties = append(p.Properties,
				&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropSecondaryObjectTypeIDs}, Value: []string{"q:marked"}},
				&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "q:title"}, Value: []string{"Zeta"}})
		})})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ stmt, column, want string }{
		{"SELECT cmis:objectId, cmis:name FROM q:doc WHERE cmis:name = 'zeta'", cmis.PropName, "zeta"},
		{"SELECT cmis:name, cmis:versionLabel FROM q:doc WHERE cmis:name = 'zeta'", cmis.PropVersionLabel, "1.0"},
		{"SELECT cmis:name, q:title FROM q:doc WHERE cmis:name = 'zeta'", "q:title", "Zeta"},
		{"SELECT cmis:name, cmis:secondaryObjectTypeIds FROM q:doc WHERE cmis:name = 'zeta'", cmis.PropSecondaryObjectTypeIDs, "q:marked"},
		{"SELECT * FROM q:doc WHERE cmis:name = 'zeta'", "q:title", "Zeta"},
		{"SELECT * FROM q:doc WHERE cmis:name = 'zeta'", cmis.PropSecondaryObjectTypeIDs, "q:marked"},
	}
	for _, c := range cases {
		r, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo, Statement: c.stmt})
		if err != nil {
			t.Fatalf("%s: %v", c.stmt, err)
		}
		if len(r.Objects.Objects) != 1 {
			t.Fatalf("%s: %d results", c.stmt, len(r.Objects.Objects))
		}
		if got, _ := value(r.Objects.Objects[0], c.column); got != c.want {
			t.Errorf("%s: %s = %q, want %q", c.stmt, c.column, got, c.want)
		}
	}
}
