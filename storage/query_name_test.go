package storage

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
)

// IN_FOLDER with cmis:name equality finds the one filing of that name
// through containment's (parent_id, name) index, rather than probing every
// child of the folder, and still answers exactly the objects of that name
// there: after a rename, in a second folder of a multi-filed document and
// for the new version a check-in files.
func TestNameInFolderReadsOneFiling(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	g := mustCreate(t, db, folder(repo, "g"), repo.RootFolderID, nil)
	ids := map[string]string{}
	for _, n := range strings.Split("a,b,c,d", ",") {
		ids[n] = mustCreate(t, db, document(repo, n), f.ID, nil).ID
	}
	renamed := "e"
	if _, err := db.UpdateObject(ctx, repo.ID, ids["d"], nil, cmis.Change{Name: &renamed}, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := db.AddToFolder(ctx, repo.ID, ids["b"], g.ID); err != nil {
		t.Fatal(err)
	}
	v2 := newVersion(t, db, repo, ids["c"], true, "")
	named := func(folderID, name string) string {
		t.Helper()
		q, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:objectId FROM cmis:document WHERE IN_FOLDER('"+folderID+"') AND cmis:name = '"+name+"'")
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := db.RunQuery(ctx, repo.ID, q, query.Options{Page: cmis.Page{MaxItems: 10}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Objects[0].ID)
		}
		return strings.Join(got, ",")
	}
	for _, c := range []struct{ folder, name, want string }{
		{f.ID, "a", ids["a"]},
		{f.ID, "b", ids["b"]},
		{g.ID, "b", ids["b"]},
		{g.ID, "a", ""},
		{f.ID, "c", v2.ID},
		{f.ID, "d", ""},
		{f.ID, "e", ids["d"]},
		{f.ID, "z", ""},
	} {
		if got := named(c.folder, c.name); got != c.want {
			t.Errorf("%s in %s: %q, want %q", c.name, c.folder, got, c.want)
		}
	}
	q, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:objectId FROM cmis:document WHERE IN_FOLDER('"+f.ID+"') AND cmis:name = 'a'")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := db.ExplainQuery(IndexedPlans(ctx), repo.ID, q, query.Options{Page: cmis.Page{MaxItems: 10}})
	if err != nil {
		t.Fatal(err)
	}
	// SQLite: "SEARCH fc USING INDEX … (parent_id=? AND name=?)";
	// PostgreSQL: "Index Cond: ((parent_id = $1) AND (name = $2))".
	t.Log(plan)
	if !seeksName.MatchString(plan) {
		t.Errorf("the folder's filings are not searched by name:\n%s", plan)
	}
}

var seeksName = regexp.MustCompile(`(?m)(^SEARCH fc USING .*\bname=\?)|(Index Cond: .*\bname = )`)

// IN_FOLDER reads its folder's filings without first checking that the
// folder is one; a page that finds nothing checks: a document, an
// unknown id or another repository's folder is invalidArgument, an empty
// folder no rows.
func TestInFolderOfNoFolderFails(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	empty := mustCreate(t, db, folder(repo, "empty"), repo.RootFolderID, nil)
	doc := mustCreate(t, db, document(repo, "d"), f.ID, nil)
	other, err := db.EnsureRepository(ctx, "other", "Other", "", cmis.AdminUser)
	if err != nil {
		t.Fatal(err)
	}
	foreign := mustCreate(t, db, folder(other, "g"), other.RootFolderID, nil)
	mustCreate(t, db, document(other, "d"), foreign.ID, nil)
	for _, c := range []struct {
		folder string
		rows   int
		fails  bool
	}{{f.ID, 1, false}, {empty.ID, 0, false}, {doc.ID, 0, true}, {"no-such-id", 0, true}, {foreign.ID, 0, true}} {
		for _, where := range []string{"", " AND cmis:name = 'd'"} {
			q, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:objectId FROM cmis:document WHERE IN_FOLDER('"+c.folder+"')"+where)
			if err != nil {
				t.Fatal(err)
			}
			rows, _, err := db.RunQuery(ctx, repo.ID, q, query.Options{Page: cmis.Page{MaxItems: 10}})
			if c.fails {
				if cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
					t.Errorf("IN_FOLDER(%s)%s: %v, want invalidArgument", c.folder, where, err)
				}
				continue
			}
			if err != nil || len(rows) != c.rows {
				t.Errorf("IN_FOLDER(%s)%s: %d rows, %v; want %d", c.folder, where, len(rows), err, c.rows)
			}
		}
	}
}
