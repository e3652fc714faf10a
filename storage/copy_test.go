package storage

import (
	"context"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/pgtest"
	"github.com/cmisd/cmisd/pgcontent"
)

// fillEveryKind gives a store every kind of thing a copy must carry:
// custom and secondary types, folders, documents with content and custom
// properties, versions, a private working copy, a relationship, a policy
// applied, ACLs for users and groups, an unfiled document, a deleted one,
// users and groups, and the change log all that wrote.
func fillEveryKind(t *testing.T, db *DB, repo *cmis.RepositoryInfo) {
	t.Helper()
	ctx := context.Background()
	maxLen := int64(64)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := db.CreateType(ctx, repo.ID, &cmis.TypeDefinition{
		ID: "acme:invoice", LocalName: "invoice", QueryName: "acme:invoice", BaseID: cmis.BaseDocument,
		ParentID: "cmis:document", Creatable: true, Fileable: true, Queryable: true, FulltextIndexed: true, IncludedInSupertypeQuery: true,
		ContentStreamAllowed: cmis.ContentAllowed, Versionable: true,
		PropertyDefinitions: []cmis.PropertyDefinition{
			{ID: "acme:title", QueryName: "acme:title", PropertyType: cmis.PropertyString, Cardinality: cmis.Single,
				Updatability: cmis.ReadWrite, MaxLength: &maxLen, Queryable: true},
			{ID: "acme:amount", QueryName: "acme:amount", PropertyType: cmis.PropertyInteger, Cardinality: cmis.Multi,
				Updatability: cmis.ReadWrite, Queryable: true},
		},
	})
	must("invoice type", err)
	_, err = db.CreateType(ctx, repo.ID, &cmis.TypeDefinition{
		ID: "acme:special", LocalName: "special", QueryName: "acme:special", BaseID: cmis.BaseDocument,
		ParentID: "acme:invoice", Creatable: true, Fileable: true, Queryable: true, IncludedInSupertypeQuery: true,
		ContentStreamAllowed: cmis.ContentAllowed, Versionable: true,
	})
	must("subtype of a subtype", err)
	_, err = db.CreateType(ctx, repo.ID, &cmis.TypeDefinition{
		ID: "acme:tagged", LocalName: "tagged", QueryName: "acme:tagged", BaseID: cmis.BaseSecondary,
		ParentID: "cmis:secondary", Queryable: true,
		PropertyDefinitions: []cmis.PropertyDefinition{
			{ID: "acme:tag", QueryName: "acme:tag", PropertyType: cmis.PropertyString, Cardinality: cmis.Single,
				Updatability: cmis.ReadWrite, Queryable: true},
		},
	})
	must("secondary type", err)

	must("user", db.CreateAccount(ctx, "alice", "hash-a"))
	must("user", db.CreateAccount(ctx, "bob", "hash-b"))
	must("group", db.CreateGroup(ctx, "staff"))
	must("member", db.AddGroupMember(ctx, "staff", "alice"))

	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), a.ID, nil)
	plain := mustCreate(t, db, document(repo, "plain.txt"), a.ID, stream("hello copied world"))
	inv := document(repo, "invoice-1")
	inv.TypeID = "acme:invoice"
	inv.SecondaryTypeIDs = []string{"acme:tagged"}
	inv.Properties = map[string][]cmis.Value{"acme:title": {"first"}, "acme:amount": {int64(3), int64(-7)}, "acme:tag": {"red"}}
	inv = mustCreate(t, db, inv, b.ID, stream("invoice body text"))
	special := document(repo, "special")
	special.TypeID = "acme:special"
	mustCreate(t, db, special, b.ID, nil)
	v2 := newVersion(t, db, repo, inv.ID, false, "second version body")
	newVersion(t, db, repo, v2.ID, true, "")
	_, err = db.CheckOut(ctx, repo.ID, plain.ID, "bob")
	must("check out", err)
	mustCreate(t, db, relationship(repo, "rel", plain.ID, b.ID), "", nil)
	p := mustCreate(t, db, policy(repo, "keep"), "", nil)
	must("apply policy", db.ApplyPolicy(ctx, repo.ID, p.ID, plain.ID, "alice"))
	_, err = db.ApplyACL(ctx, repo.ID, a.ID, []cmis.ACE{{Principal: "staff", Permission: cmis.PermWrite}, {Principal: "bob", Permission: cmis.PermRead}}, nil, true, "admin")
	must("acl", err)
	mustCreate(t, db, document(repo, "unfiled"), "", stream("nowhere"))
	gone := mustCreate(t, db, document(repo, "gone"), a.ID, stream("deleted"))
	must("delete", db.DeleteObject(ctx, repo.ID, gone.ID, cmis.Permit{}))
	desc := new("described")
	_, err = db.UpdateObject(ctx, repo.ID, b.ID, nil, cmis.Change{Description: &desc}, "alice")
	must("update", err)
}

// TestCopyTablesCoverMigrations: every table a migration creates is
// copied, or named here with why not; a table added later must be one or
// the other.
func TestCopyTablesCoverMigrations(t *testing.T) {
	notCopied := map[string]string{
		"schema_migrations": "each database's own",
		"cache_generation":  "each database's own counter (the copy's inserts bump it)",
		"fulltext":          "rebuilt in the destination's own form",
		"fulltext_rows":     "rebuilt in the destination's own form",
	}
	re := regexp.MustCompile(`(?i)CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	err := fs.WalkDir(migrations, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(body), -1) {
			if _, skip := notCopied[m[1]]; !skip && !slices.Contains(copyTables, m[1]) {
				t.Errorf("%s creates table %s, which the copy neither carries nor names as left out", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCopySQLite copies a store with every kind of object into a fresh
// one and finds the two the same through the store's API; a second copy
// into the now full store is refused.
func TestCopySQLite(t *testing.T) {
	from, repo := openTest(t)
	fillEveryKind(t, from, repo)
	to := openEmpty(t, t.TempDir())
	copyAndCompare(t, from, to, repo)
	if _, err := from.CopyTo(context.Background(), to, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a copy into a store that has a repository: %v", err)
	}
}

// A store copied from SQLite onto PostgreSQL with content in the
// database, from there onto PostgreSQL with content in a directory, and
// back onto SQLite, is the same store after each move.
func TestCopyAcrossEngines(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	from, err := OpenSQLite(ctx, dir, fileContent(t, dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { from.Close() })
	repo, err := from.EnsureRepository(ctx, "default", "Test", "test repository", "admin")
	if err != nil {
		t.Fatal(err)
	}
	fillEveryKind(t, from, repo)

	url := pgtest.Schema(t)
	pc, err := pgcontent.Open(ctx, url, pgcontent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pc.Close)
	inDB := openOn(t, url, pc)
	copyAndCompare(t, from, inDB, repo)

	filesDir := t.TempDir()
	inFiles := openOn(t, pgtest.Schema(t), fileContent(t, filesDir, nil))
	copyAndCompare(t, inDB, inFiles, repo)

	back := openEmpty(t, t.TempDir())
	copyAndCompare(t, inFiles, back, repo)
	compareStores(t, from, back, repo.ID)

	// The copies go on where the source left off: the next change log
	// event follows the last copied one.
	for _, db := range []*DB{inDB, back} {
		before, _, err := db.ChangeLogState(ctx, repo.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, db, folder(repo, "after the copy"), repo.RootFolderID, nil)
		after, _, err := db.ChangeLogState(ctx, repo.ID)
		if err != nil || after <= before && len(after) <= len(before) {
			t.Errorf("latest change token %s before a write to the copy, %s after (%v)", before, after, err)
		}
	}
}

// openOn opens an empty PostgreSQL store at url with content.
func openOn(t *testing.T, url string, content cmis.ContentStore) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), url, content, Options{SweepGrace: DefaultSweepGrace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openEmpty opens a store without a repository (a copy's destination).
func openEmpty(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := OpenSQLite(context.Background(), dir, fileContent(t, dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// copyAndCompare copies from into to and compares them.
func copyAndCompare(t *testing.T, from, to *DB, repo *cmis.RepositoryInfo) {
	t.Helper()
	stats, err := from.CopyTo(context.Background(), to, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Streams == 0 || stats.Rows["objects"] == 0 || stats.Rows["change_log"] == 0 {
		t.Fatalf("copied %+v", stats)
	}
	compareStores(t, from, to, repo.ID)
	checkACLIDs(t, to, repo.ID, "copied")
}

// compareStores finds two stores the same through their API: repository
// info, every type, every object the change log names (properties,
// content bytes and hash, ACL, parents, versions, policies,
// relationships), users and groups, the change log, check-outs and full
// text.
func compareStores(t *testing.T, a, b *DB, repo string) {
	t.Helper()
	ctx := context.Background()
	same := func(what string, x, y any, errX, errY error) {
		t.Helper()
		if errX != nil || errY != nil {
			if cmis.ErrorTypeOf(errX) != cmis.ErrorTypeOf(errY) || errX == nil || errY == nil {
				t.Errorf("%s: %v / %v", what, errX, errY)
			}
			return
		}
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differs:\n  source %+v\n  copy   %+v", what, x, y)
		}
	}
	ri, e1 := a.Repository(ctx, repo)
	rj, e2 := b.Repository(ctx, repo)
	same("repository", ri, rj, e1, e2)
	compareTypes(t, a, b, repo, "")

	var events []cmis.ChangeEvent
	for _, db := range []*DB{a, b} {
		ev, _, more, err := db.ContentChanges(ctx, repo, nil, 100000)
		if err != nil || more {
			t.Fatalf("change log: %v (more: %v)", err, more)
		}
		if events == nil {
			events = ev
		} else {
			same("change log", events, ev, nil, nil)
		}
	}
	ids := map[string]bool{ri.RootFolderID: true}
	for _, e := range events {
		ids[e.ObjectID] = true
	}
	for id := range ids {
		compareObject(t, a, b, repo, id, same)
	}
	u1, e1 := a.Accounts(ctx)
	u2, e2 := b.Accounts(ctx)
	same("accounts", u1, u2, e1, e2)
	g1, e1 := a.Groups(ctx)
	g2, e2 := b.Groups(ctx)
	same("groups", g1, g2, e1, e2)
	all := cmis.ChildrenQuery{Page: cmis.Page{MaxItems: -1}}
	c1, _, e1 := a.CheckedOut(ctx, repo, all)
	c2, _, e2 := b.CheckedOut(ctx, repo, all)
	same("checked out", withoutContentIDs(c1), withoutContentIDs(c2), e1, e2)
	if a.FullText() {
		for _, word := range []string{"invoice", "copied", "version"} {
			r1, e1 := runQuery(ctx, a, repo, "SELECT cmis:objectId FROM cmis:document WHERE CONTAINS('"+word+"')")
			r2, e2 := runQuery(ctx, b, repo, "SELECT cmis:objectId FROM cmis:document WHERE CONTAINS('"+word+"')")
			same("CONTAINS('"+word+"')", r1, r2, e1, e2)
			if len(r1) == 0 {
				t.Errorf("CONTAINS('%s') finds nothing in the source", word)
			}
		}
	}
}

func compareObject(t *testing.T, a, b *DB, repo, id string, same func(string, any, any, error, error)) {
	t.Helper()
	ctx := context.Background()
	o1, e1 := a.Object(ctx, repo, id)
	o2, e2 := b.Object(ctx, repo, id)
	if e1 == nil && e2 == nil && o1.Content != nil && o2.Content != nil {
		if o1.Content.SHA256 != o2.Content.SHA256 || contentOf(t, a, &cmis.RepositoryInfo{ID: repo}, id) != contentOf(t, b, &cmis.RepositoryInfo{ID: repo}, id) {
			t.Errorf("object %s: content differs", id)
		}
	}
	same("object "+id, withoutContentIDs([]*cmis.Object{o1})[0], withoutContentIDs([]*cmis.Object{o2})[0], e1, e2)
	if e1 != nil {
		return
	}
	acl1, e1 := a.ACL(ctx, repo, id)
	acl2, e2 := b.ACL(ctx, repo, id)
	same("ACL of "+id, acl1, acl2, e1, e2)
	p1, e1 := a.Parents(ctx, repo, id, nil)
	p2, e2 := b.Parents(ctx, repo, id, nil)
	same("parents of "+id, len(p1), len(p2), e1, e2)
	for i := range min(len(p1), len(p2)) {
		same("parent of "+id, p1[i].PathSegment+p1[i].Folder.ID, p2[i].PathSegment+p2[i].Folder.ID, nil, nil)
	}
	v1, e1 := a.Versions(ctx, repo, id, nil)
	v2, e2 := b.Versions(ctx, repo, id, nil)
	same("versions of "+id, withoutContentIDs(v1), withoutContentIDs(v2), e1, e2)
	ap1, e1 := a.AppliedPolicies(ctx, repo, id, nil)
	ap2, e2 := b.AppliedPolicies(ctx, repo, id, nil)
	same("policies of "+id, withoutContentIDs(ap1), withoutContentIDs(ap2), e1, e2)
	r1, e1 := a.RelationshipsOf(ctx, repo, []string{id}, cmis.DirectionEither, nil)
	r2, e2 := b.RelationshipsOf(ctx, repo, []string{id}, cmis.DirectionEither, nil)
	same("relationships of "+id, withoutContentIDs(r1), withoutContentIDs(r2), e1, e2)
}

// withoutContentIDs copies objects with their content ids blanked: each
// content store names its streams (the bytes and hashes are compared).
func withoutContentIDs(objs []*cmis.Object) []*cmis.Object {
	out := make([]*cmis.Object, len(objs))
	for i, o := range objs {
		if o == nil {
			continue
		}
		c := *o
		if c.Content != nil {
			info := *c.Content
			info.ID = ""
			c.Content = &info
		}
		out[i] = &c
	}
	return out
}

func compareTypes(t *testing.T, a, b *DB, repo, parent string) {
	t.Helper()
	ctx := context.Background()
	k1, n1, e1 := a.TypeChildren(ctx, repo, parent, cmis.Page{MaxItems: -1})
	k2, n2, e2 := b.TypeChildren(ctx, repo, parent, cmis.Page{MaxItems: -1})
	if e1 != nil || e2 != nil || n1 != n2 || !reflect.DeepEqual(k1, k2) {
		t.Errorf("types under %q differ: %d vs %d (%v, %v)", parent, n1, n2, e1, e2)
		return
	}
	for _, k := range k1 {
		compareTypes(t, a, b, repo, k.ID)
	}
}

func runQuery(ctx context.Context, db *DB, repo, stmt string) ([]string, error) {
	q, err := query.Prepare(ctx, db, repo, stmt)
	if err != nil {
		return nil, err
	}
	rows, _, err := db.RunQuery(ctx, repo, q, query.Options{Page: cmis.Page{MaxItems: -1}})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.Objects[0].ID)
	}
	slices.Sort(ids)
	return ids, nil
}
