package storage

import (
	"context"
	"io"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

func contentOf(t *testing.T, db *DB, repo *cmis.RepositoryInfo, id string) string {
	t.Helper()
	c, err := db.OpenContent(context.Background(), repo.ID, id, 0, -1)
	if err != nil {
		t.Fatalf("content of %s: %v", id, err)
	}
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func errType(err error) cmis.ErrorType {
	if err == nil {
		return ""
	}
	return cmis.ErrorTypeOf(err)
}

// newVersion checks a series out and in again.
func newVersion(t *testing.T, db *DB, repo *cmis.RepositoryInfo, id string, major bool, body string) *cmis.Object {
	t.Helper()
	ctx := context.Background()
	pwc, err := db.CheckOut(ctx, repo.ID, id, "bob")
	if err != nil {
		t.Fatalf("check out %s: %v", id, err)
	}
	var c *cmis.ContentStream
	if body != "" {
		c = stream(body)
	}
	v, err := db.CheckIn(ctx, repo.ID, pwc.ID, cmis.CheckIn{Major: major, Content: c, User: "bob"})
	if err != nil {
		t.Fatalf("check in %s: %v", pwc.ID, err)
	}
	return v
}

func TestLabels(t *testing.T) {
	cases := []struct {
		prev  string
		major bool
		want  string
	}{
		{"1.0", true, "2.0"},
		{"1.0", false, "1.1"},
		{"1.9", false, "1.10"},
		{"1.10", true, "2.0"},
		{"0.1", false, "0.2"},
		{"", true, "1.0"},
		{"", false, "0.1"},
	}
	for _, c := range cases {
		if got := nextLabel(c.prev, c.major); got != c.want {
			t.Errorf("after %q (major %v): %q, want %q", c.prev, c.major, got, c.want)
		}
	}
	if !newer("1.10", 0, "a", "1.9", 5, "b") || newer("1.0", 9, "a", "2.0", 0, "b") {
		t.Error("labels do not order numerically")
	}
}

func TestCheckOutShareContentThenCheckIn(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	doc := mustCreate(t, db, document(repo, "d.txt"), a.ID, stream("one"))
	files := contentFiles(t, db)

	pwc, err := db.CheckOut(ctx, repo.ID, doc.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if !pwc.IsPrivateWorkingCopy || pwc.IsLatestVersion || pwc.IsMajorVersion || pwc.IsLatestMajorVersion ||
		pwc.VersionSeriesID != doc.VersionSeriesID || pwc.Name != "d.txt" || pwc.CreatedBy != "bob" {
		t.Fatalf("pwc: %+v", pwc)
	}
	if pwc.Content == nil || pwc.Content.ID != doc.Content.ID || contentFiles(t, db) != files {
		t.Fatal("the PWC does not share its source's content (or copied bytes)")
	}
	for _, id := range []string{doc.ID, pwc.ID} {
		o, _ := db.Object(ctx, repo.ID, id)
		if o.VersionSeriesCheckedOutID != pwc.ID || o.VersionSeriesCheckedOutBy != "bob" {
			t.Fatalf("%s: checked out %q by %q", id, o.VersionSeriesCheckedOutID, o.VersionSeriesCheckedOutBy)
		}
	}
	if ps, _ := db.Parents(ctx, repo.ID, pwc.ID, nil); len(ps) != 1 || ps[0].Folder.ID != a.ID {
		t.Fatalf("parents of the PWC: %+v", ps)
	}
	if kids, n, _ := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: a.ID, Page: cmis.Page{MaxItems: -1}}); n.Total != 1 || kids[0].ID != doc.ID {
		t.Fatalf("the PWC is filed: %d children", n.Total)
	}
	acl, _ := db.ACL(ctx, repo.ID, pwc.ID)
	bobAll := false
	for _, e := range acl {
		bobAll = bobAll || (e.Principal == "bob" && e.Permission == cmis.PermAll && e.Direct)
	}
	if !bobAll {
		t.Fatalf("the checker-out has no cmis:all on the PWC: %+v", acl)
	}

	faults := []struct {
		name string
		err  error
		want cmis.ErrorType
	}{
		{"check out twice", func() error { _, err := db.CheckOut(ctx, repo.ID, doc.ID, "bob"); return err }(), cmis.ErrVersioning},
		{"check out the PWC", func() error { _, err := db.CheckOut(ctx, repo.ID, pwc.ID, "bob"); return err }(), cmis.ErrVersioning},
		{"check out a folder", func() error { _, err := db.CheckOut(ctx, repo.ID, a.ID, "bob"); return err }(), cmis.ErrConstraint},
		{"check in a version", func() error { _, err := db.CheckIn(ctx, repo.ID, doc.ID, cmis.CheckIn{Major: true}); return err }(), cmis.ErrVersioning},
		{"cancel a version", db.CancelCheckOut(ctx, repo.ID, doc.ID, cmis.Permit{}), cmis.ErrVersioning},
	}
	for _, f := range faults {
		if got := errType(f.err); got != f.want {
			t.Errorf("%s: %v, want %s", f.name, f.err, f.want)
		}
	}

	// Replacing the PWC's content leaves the original's bytes alone.
	if _, err := db.SetContent(ctx, repo.ID, pwc.ID, nil, stream("two"), true, false, "bob"); err != nil {
		t.Fatal(err)
	}
	if got := contentOf(t, db, repo, doc.ID); got != "one" {
		t.Fatalf("original's content became %q", got)
	}
	name := "renamed.txt"
	v2, err := db.CheckIn(ctx, repo.ID, pwc.ID, cmis.CheckIn{Major: false, Comment: &name, User: "bob",
		Change: cmis.Change{Name: &name, Properties: map[string][]cmis.Value{"x:n": {int64(2)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if v2.ID != pwc.ID || v2.VersionLabel != "1.1" || !v2.IsLatestVersion || v2.IsMajorVersion || v2.IsLatestMajorVersion ||
		v2.IsPrivateWorkingCopy || v2.VersionSeriesCheckedOutID != "" || v2.Name != name || *v2.CheckinComment != name ||
		len(v2.Properties["x:n"]) != 1 {
		t.Fatalf("new version: %+v", v2)
	}
	old, _ := db.Object(ctx, repo.ID, doc.ID)
	if old.IsLatestVersion || !old.IsLatestMajorVersion || old.VersionSeriesCheckedOutID != "" {
		t.Fatalf("previous version after a minor check-in: %+v", old)
	}
	if o, err := db.ObjectByPath(ctx, repo.ID, "/a/renamed.txt"); err != nil || o.ID != v2.ID {
		t.Fatalf("filing did not move to the new version under its name: %v", err)
	}
	if ps, _ := db.Parents(ctx, repo.ID, doc.ID, nil); len(ps) != 1 || ps[0].PathSegment != name {
		t.Fatalf("parents of the old version: %+v", ps)
	}
	acl, _ = db.ACL(ctx, repo.ID, v2.ID)
	for _, e := range acl {
		if e.Principal == "bob" {
			t.Fatalf("the checker-out's cmis:all on the PWC carried over to the new version: %+v", acl)
		}
	}

	v3 := newVersion(t, db, repo, v2.ID, true, "three")
	if v3.VersionLabel != "2.0" || !v3.IsLatestMajorVersion {
		t.Fatalf("major check-in: %+v", v3)
	}
	old, _ = db.Object(ctx, repo.ID, doc.ID)
	if old.IsLatestMajorVersion {
		t.Fatal("1.0 is still the latest major version after 2.0")
	}
	vs, err := db.Versions(ctx, repo.ID, doc.VersionSeriesID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, v := range vs {
		labels = append(labels, v.VersionLabel)
	}
	if len(labels) != 3 || labels[0] != "2.0" || labels[1] != "1.1" || labels[2] != "1.0" {
		t.Fatalf("versions: %v", labels)
	}
	for id, want := range map[string]string{doc.ID: "one", v2.ID: "two", v3.ID: "three"} {
		if got := contentOf(t, db, repo, id); got != want {
			t.Errorf("content of %s: %q, want %q", id, got, want)
		}
	}
}

func TestLatestVersionLookups(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	minor := document(repo, "minor")
	minor.IsMajorVersion, minor.IsLatestMajorVersion, minor.VersionLabel = false, false, "0.1"
	m := mustCreate(t, db, minor, repo.RootFolderID, nil)
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	cases := []struct {
		name   string
		id     string
		major  bool
		wantID string
		want   cmis.ErrorType
	}{
		{"by object id", m.ID, false, m.ID, ""},
		{"by series id", m.VersionSeriesID, false, m.ID, ""},
		{"no major version", m.ID, true, "", cmis.ErrObjectNotFound},
		{"unknown", "nope", false, "", cmis.ErrObjectNotFound},
		{"a folder", f.ID, false, "", cmis.ErrInvalidArgument},
	}
	for _, c := range cases {
		o, err := db.LatestVersion(ctx, repo.ID, c.id, c.major)
		if got := errType(err); got != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
			continue
		}
		if err == nil && o.ID != c.wantID {
			t.Errorf("%s: %s, want %s", c.name, o.ID, c.wantID)
		}
	}
	// A series id names a series of its own repository only.
	other, err := db.EnsureRepository(ctx, "other", "Other", "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LatestVersion(ctx, other.ID, m.VersionSeriesID, false); errType(err) != cmis.ErrObjectNotFound {
		t.Errorf("series id in another repository: %v, want %s", err, cmis.ErrObjectNotFound)
	}
}

func TestDeleteVersions(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	v1 := mustCreate(t, db, document(repo, "d"), a.ID, stream("1"))
	v2 := newVersion(t, db, repo, v1.ID, true, "2")
	v3 := newVersion(t, db, repo, v2.ID, false, "3")
	child := func() string {
		t.Helper()
		kids, n, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: a.ID, Page: cmis.Page{MaxItems: -1}})
		if err != nil || n.Total != 1 {
			t.Fatalf("children: %d %v", n.Total, err)
		}
		return kids[0].ID
	}
	if child() != v3.ID {
		t.Fatal("the folder does not list the latest version")
	}
	// Deleting the latest version: the previous one becomes latest and
	// takes the filing.
	if err := db.DeleteVersion(ctx, repo.ID, v3.ID, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	if child() != v2.ID {
		t.Fatal("the filing did not move to the previous version")
	}
	o, _ := db.Object(ctx, repo.ID, v2.ID)
	if !o.IsLatestVersion || !o.IsLatestMajorVersion {
		t.Fatalf("previous version: %+v", o)
	}
	// Deleting an older version leaves the latest alone.
	if err := db.DeleteVersion(ctx, repo.ID, v1.ID, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	if child() != v2.ID {
		t.Fatal("deleting an old version changed the filing")
	}
	pwc, err := db.CheckOut(ctx, repo.ID, v2.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	// The only checked-in version goes with its series, PWC included.
	if err := db.DeleteVersion(ctx, repo.ID, v2.ID, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{v1.ID, v2.ID, v3.ID, pwc.ID} {
		if _, err := db.Object(ctx, repo.ID, id); errType(err) != cmis.ErrObjectNotFound {
			t.Errorf("%s survived: %v", id, err)
		}
	}
	if n := contentFiles(t, db); n != 0 {
		t.Fatalf("%d content files left", n)
	}

	// DeleteObject and DeleteTree take whole series; deleting a PWC alone
	// cancels the check-out.
	w1 := mustCreate(t, db, document(repo, "w"), a.ID, stream("w"))
	w2 := newVersion(t, db, repo, w1.ID, true, "")
	pwc, _ = db.CheckOut(ctx, repo.ID, w2.ID, "bob")
	if err := db.DeleteObject(ctx, repo.ID, pwc.ID, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.Object(ctx, repo.ID, w2.ID); o.VersionSeriesCheckedOutID != "" {
		t.Fatal("deleting the PWC did not cancel the check-out")
	}
	pwc, _ = db.CheckOut(ctx, repo.ID, w2.ID, "bob")
	if err := db.DeleteObject(ctx, repo.ID, w1.ID, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{w1.ID, w2.ID, pwc.ID} {
		if _, err := db.Object(ctx, repo.ID, id); errType(err) != cmis.ErrObjectNotFound {
			t.Errorf("deleteObject left %s: %v", id, err)
		}
	}
	x1 := mustCreate(t, db, document(repo, "x"), a.ID, stream("x"))
	x2 := newVersion(t, db, repo, x1.ID, true, "y")
	pwc, _ = db.CheckOut(ctx, repo.ID, x2.ID, "bob")
	if _, err := db.DeleteTree(ctx, repo.ID, a.ID, cmis.UnfileDelete, false, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{x1.ID, x2.ID, pwc.ID} {
		if _, err := db.Object(ctx, repo.ID, id); errType(err) != cmis.ErrObjectNotFound {
			t.Errorf("deleteTree left %s: %v", id, err)
		}
	}
	if n := contentFiles(t, db); n != 0 {
		t.Fatalf("%d content files left", n)
	}
}

func TestCheckedOutListing(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), repo.RootFolderID, nil)
	var inA []string
	for _, n := range []string{"c", "a", "b"} {
		d := mustCreate(t, db, document(repo, n), a.ID, nil)
		pwc, err := db.CheckOut(ctx, repo.ID, d.ID, "bob")
		if err != nil {
			t.Fatal(err)
		}
		inA = append(inA, pwc.ID)
	}
	d := mustCreate(t, db, document(repo, "z"), b.ID, nil)
	if _, err := db.CheckOut(ctx, repo.ID, d.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, db, document(repo, "not checked out"), a.ID, nil)

	cases := []struct {
		name      string
		q         cmis.ChildrenQuery
		wantNames string
		wantTotal int64
	}{
		{"repository", cmis.ChildrenQuery{Page: cmis.Page{MaxItems: -1}}, "a,b,c,z", 4},
		{"folder a", cmis.ChildrenQuery{FolderID: a.ID, Page: cmis.Page{MaxItems: -1}}, "a,b,c", 3},
		{"page", cmis.ChildrenQuery{Page: cmis.Page{MaxItems: 2, SkipCount: 1}}, "b,c", 4},
		{"descending", cmis.ChildrenQuery{FolderID: a.ID, Page: cmis.Page{MaxItems: 1}, OrderBy: []cmis.Order{{PropertyID: cmis.PropName, Descending: true}}}, "c", 3},
		{"reader without access", cmis.ChildrenQuery{Page: cmis.Page{MaxItems: -1}, Reader: &cmis.Access{Principals: []string{"eve"}}}, "", 0},
		{"the checker-out", cmis.ChildrenQuery{Page: cmis.Page{MaxItems: -1}, Reader: &cmis.Access{Principals: []string{"bob"}}}, "a,b,c,z", 4},
	}
	for _, c := range cases {
		objs, total, err := db.CheckedOut(ctx, repo.ID, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		names := ""
		for i, o := range objs {
			if i > 0 {
				names += ","
			}
			names += o.Name
			if !o.IsPrivateWorkingCopy || o.VersionSeriesCheckedOutID != o.ID {
				t.Fatalf("%s: %+v is not a PWC with its check-out loaded", c.name, o)
			}
		}
		if names != c.wantNames || total.Total != c.wantTotal {
			t.Errorf("%s: %q (%d), want %q (%d)", c.name, names, total.Total, c.wantNames, c.wantTotal)
		}
	}
	// A page of children gets the check-out of every document.
	kids, _, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: a.ID, Page: cmis.Page{MaxItems: -1}})
	if err != nil {
		t.Fatal(err)
	}
	out := 0
	for _, k := range kids {
		if k.VersionSeriesCheckedOutID != "" {
			out++
		}
	}
	if out != 3 {
		t.Fatalf("%d of 4 children are checked out, want 3", out)
	}
}

// TestCheckInMergesFilings: a PWC filed by multi-filing in a folder that
// holds its series already ends up filed there once, as the new version.
func TestCheckInMergesFilings(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), repo.RootFolderID, nil)
	v1 := mustCreate(t, db, document(repo, "d"), a.ID, nil)
	pwc, err := db.CheckOut(ctx, repo.ID, v1.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	name := "p"
	if _, err := db.UpdateObject(ctx, repo.ID, pwc.ID, nil, cmis.Change{Name: &name}, "bob"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{a.ID, b.ID} {
		if err := db.AddToFolder(ctx, repo.ID, pwc.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CheckIn(ctx, repo.ID, pwc.ID, cmis.CheckIn{Major: true, User: "bob"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{a.ID, b.ID} {
		kids, n, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f, Page: cmis.Page{MaxItems: -1}})
		if err != nil || n.Total != 1 || kids[0].ID != pwc.ID || kids[0].Name != "p" {
			t.Fatalf("folder %s after check-in: %d children %v", f, n.Total, err)
		}
	}
}

// A document's row brings its series' check-out (the PWC's id and
// creator, read as one value): a creator's name comes whole, spaces and
// all, on the document and on its PWC.
func TestCheckedOutByKeepsTheWholeName(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	doc := mustCreate(t, db, document(repo, "d"), repo.RootFolderID, nil)
	const user = "ann o' brien "
	pwc, err := db.CheckOut(ctx, repo.ID, doc.ID, user)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{doc.ID, pwc.ID} {
		o, err := db.Object(ctx, repo.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.VersionSeriesCheckedOutID != pwc.ID || o.VersionSeriesCheckedOutBy != user {
			t.Errorf("%s: checked out %q by %q, want %q by %q", id, o.VersionSeriesCheckedOutID, o.VersionSeriesCheckedOutBy, pwc.ID, user)
		}
	}
}
