package storage

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
)

// The ACL ids (migration 9 on SQLite, 10 on PostgreSQL) are derived from
// acl_entries by triggers. After each change that alters an object's
// ACL, its id must name its principals, the filings must carry it, and
// what a reader is answered must be what the per-object check
// (acl_entries, as Levels reads them) lets through.
func TestACLIDsFollowACEs(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	read := func(p string) []cmis.ACE { return []cmis.ACE{{Principal: p, Permission: cmis.PermRead}} }
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	x := mustCreate(t, db, folder(repo, "x"), a.ID, nil)
	b, err := db.CreateObject(ctx, folder(repo, "b"), repo.RootFolderID, nil, read("bob"), []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}})
	if err != nil {
		t.Fatal(err)
	}
	var docs []*cmis.Object
	for i, parent := range []string{a.ID, a.ID, x.ID, x.ID, b.ID} {
		docs = append(docs, mustCreate(t, db, document(repo, fmt.Sprintf("d%d.txt", i)), parent, stream("text")))
	}
	checkACLIDs(t, db, repo.ID, "created")

	steps := []struct {
		name string
		do   func() error
	}{
		{"applyACL on a folder, propagated", func() error {
			_, err := db.ApplyACL(ctx, repo.ID, a.ID, read("carol"), nil, true, "admin")
			return err
		}},
		{"applyACL removing from a subtree", func() error {
			_, err := db.ApplyACL(ctx, repo.ID, a.ID, nil, []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}}, true, "admin")
			return err
		}},
		{"applyACL on a document", func() error {
			_, err := db.ApplyACL(ctx, repo.ID, docs[2].ID, read("dave"), nil, false, "admin")
			return err
		}},
		{"move into a folder with another ACL", func() error {
			_, err := db.MoveObject(ctx, repo.ID, docs[0].ID, a.ID, b.ID, "admin")
			return err
		}},
		{"move a folder", func() error {
			_, err := db.MoveObject(ctx, repo.ID, x.ID, a.ID, b.ID, "admin")
			return err
		}},
		{"copy into a folder with another ACL", func() error {
			// createDocumentFromSource: a new document in the target
			// folder, with the ACEs the client adds.
			_, err := db.CreateObject(ctx, document(repo, "copy.txt"), b.ID, stream("text"), read("erin"), nil)
			return err
		}},
		{"check out and in", func() error {
			pwc, err := db.CheckOut(ctx, repo.ID, docs[1].ID, "bob")
			if err != nil {
				return err
			}
			_, err = db.CheckIn(ctx, repo.ID, pwc.ID, cmis.CheckIn{Major: true, User: "bob", Add: read("frank")})
			return err
		}},
		{"the last ACE removed", func() error {
			_, err := db.ApplyACL(ctx, repo.ID, docs[4].ID, nil, read("bob"), false, "admin")
			return err
		}},
		{"delete", func() error { return db.DeleteObject(ctx, repo.ID, docs[3].ID, cmis.Permit{}) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		checkACLIDs(t, db, repo.ID, s.name)
	}
}

// A bulk load and CreateObject insert an object whose ACEs name its
// folder's principals with its folder's ACL id (in one load, a folder's
// created with an ACL of its own too): each must be the id of its ACEs,
// whether that hint or the triggers set it.
func TestACLIDsOfBulkLoads(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	read := func(p string) []cmis.ACE { return []cmis.ACE{{Principal: p, Permission: cmis.PermRead}} }
	anyone := []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}}
	var own, sub *cmis.Object
	err := db.BulkCreate(ctx, BulkOptions{RepositoryID: repo.ID}, func(create BulkCreateFunc) error {
		own, sub = folder(repo, "own"), folder(repo, "sub")
		plain := folder(repo, "plain")
		steps := []struct {
			o           *cmis.Object
			parent      func() string
			add, remove []cmis.ACE
		}{
			{own, func() string { return repo.RootFolderID }, read("bob"), anyone},
			{document(repo, "o1.txt"), func() string { return own.ID }, nil, nil},
			{sub, func() string { return own.ID }, nil, nil},
			{document(repo, "s1.txt"), func() string { return sub.ID }, nil, nil},
			{document(repo, "o2.txt"), func() string { return own.ID }, read("carol"), nil},
			{document(repo, "o4.txt"), func() string { return own.ID }, read("bob"), nil},
			{plain, func() string { return repo.RootFolderID }, nil, nil},
			{document(repo, "p1.txt"), func() string { return plain.ID }, nil, nil},
		}
		for _, s := range steps {
			if err := create(s.o, s.parent(), s.add, s.remove); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkACLIDs(t, db, repo.ID, "bulk loaded")
	// A second load into folders of the first (read from the store).
	err = db.BulkCreate(ctx, BulkOptions{RepositoryID: repo.ID}, func(create BulkCreateFunc) error {
		if err := create(document(repo, "s2.txt"), sub.ID, nil, nil); err != nil {
			return err
		}
		return create(document(repo, "o3.txt"), own.ID, nil, read("bob"))
	})
	if err != nil {
		t.Fatal(err)
	}
	checkACLIDs(t, db, repo.ID, "loaded into folders there")
	mustCreate(t, db, document(repo, "s3.txt"), sub.ID, stream("text"))
	// Adding a principal the folder names (bob), one it does not (dave),
	// both, and removing one.
	for i, c := range []struct{ add, remove []cmis.ACE }{
		{read("bob"), nil}, {read("dave"), nil}, {append(read("bob"), read("dave")...), nil}, {nil, read("bob")},
	} {
		if _, err := db.CreateObject(ctx, document(repo, fmt.Sprintf("c%d.txt", i)), sub.ID, stream("text"), c.add, c.remove); err != nil {
			t.Fatal(err)
		}
	}
	checkACLIDs(t, db, repo.ID, "created in a loaded folder")
}

// checkACLIDs checks every object's ACL id against its ACEs, and every
// folder's children and the whole repository's query for a few readers
// against the per-object check.
func checkACLIDs(t *testing.T, db *DB, repo, when string) {
	t.Helper()
	ctx := context.Background()
	var rows []struct {
		ID      string  `db:"id"`
		ACLID   *int64  `db:"acl_id"`
		Readers *string `db:"readers"`
	}
	if err := db.db.SelectContext(ctx, &rows, `SELECT o.id, o.acl_id, a.readers FROM objects o LEFT JOIN acls a ON a.id = o.acl_id`); err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Object    string `db:"object_id"`
		Principal string `db:"principal_id"`
	}
	if err := db.db.SelectContext(ctx, &entries, `SELECT DISTINCT object_id, principal_id FROM acl_entries ORDER BY object_id, principal_id`); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, e := range entries {
		want[e.Object] += fmt.Sprintf("%d:%s", len(e.Principal), e.Principal)
	}
	for _, r := range rows {
		got := ""
		if r.Readers != nil {
			got = *r.Readers
		}
		if got != want[r.ID] || (r.ACLID == nil) != (want[r.ID] == "") {
			t.Errorf("%s: object %s has ACL %v (%q), its ACEs name %q", when, r.ID, r.ACLID, got, want[r.ID])
		}
	}
	var stale []string
	if err := db.db.SelectContext(ctx, &stale, `SELECT c.child_id FROM containment c JOIN objects o ON o.id = c.child_id
		WHERE c.acl_id IS NULL AND o.acl_id IS NOT NULL OR c.acl_id IS NOT NULL AND o.acl_id IS NULL OR c.acl_id <> o.acl_id`); err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("%s: filings of %v carry another ACL id than their object", when, stale)
	}
	checkRowFilters(t, db, when)
	var readers []struct {
		ACL       int64  `db:"acl_id"`
		Principal string `db:"principal_id"`
		Readers   string `db:"readers"`
	}
	if err := db.db.SelectContext(ctx, &readers, `SELECT ar.acl_id, ar.principal_id, a.readers FROM acl_readers ar JOIN acls a ON a.id = ar.acl_id`); err != nil {
		t.Fatal(err)
	}
	named := map[int64]string{}
	for _, r := range readers {
		if !strings.Contains(r.Readers, fmt.Sprintf("%d:%s", len(r.Principal), r.Principal)) {
			t.Errorf("%s: ACL %d (%q) lists reader %s", when, r.ACL, r.Readers, r.Principal)
		}
		named[r.ACL] += fmt.Sprintf("%d:%s", len(r.Principal), r.Principal)
	}
	for _, r := range rows {
		if r.ACLID != nil && len(named[*r.ACLID]) != len(*r.Readers) {
			t.Errorf("%s: ACL %d (%q) has readers %q", when, *r.ACLID, *r.Readers, named[*r.ACLID])
		}
	}
	for _, p := range []string{"bob", "carol", "dave", "erin", "frank", cmis.PrincipalAnyone} {
		checkReader(t, db, repo, when, &cmis.Access{Principals: []string{p}})
	}
	checkReader(t, db, repo, when, &cmis.Access{Principals: []string{"bob", "carol", cmis.PrincipalAnyone}})
}

// checkReader compares what reader is answered by getChildren of every
// folder and by queries (a folder's, a subtree's, a type's) with the
// administrator's answers filtered by the per-object check.
func checkReader(t *testing.T, db *DB, repo, when string, reader *cmis.Access) {
	t.Helper()
	ctx := context.Background()
	visible := func(all []string) []string {
		levels, err := db.Levels(ctx, all, reader)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(slices.Clone(all), func(id string) bool { return levels[id] < cmis.CanRead })
	}
	var folders []string
	if err := db.db.SelectContext(ctx, &folders, `SELECT id FROM objects WHERE base_type_id = 'cmis:folder' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	admin := &cmis.Access{Admin: true}
	for _, f := range folders {
		for _, order := range [][]cmis.Order{nil, {{PropertyID: cmis.PropCreationDate, Descending: true}}} {
			ids := func(r *cmis.Access) []string {
				kids, _, err := db.Children(ctx, repo, cmis.ChildrenQuery{FolderID: f, OrderBy: order, Reader: r, Page: cmis.Page{MaxItems: -1}})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, k := range kids {
					out = append(out, k.ID)
				}
				return out
			}
			if got, want := ids(reader), visible(ids(admin)); !slices.Equal(got, want) {
				t.Errorf("%s: %v's children of %s: %v, want %v", when, reader.Principals, f, got, want)
			}
		}
		for _, stmt := range []string{"SELECT cmis:objectId FROM cmis:document WHERE IN_FOLDER('" + f + "')",
			"SELECT cmis:objectId FROM cmis:document WHERE IN_TREE('" + f + "') ORDER BY cmis:name"} {
			checkQuery(t, db, repo, when, stmt, reader, visible)
		}
	}
	checkQuery(t, db, repo, when, "SELECT cmis:objectId FROM cmis:document", reader, visible)
	checkQuery(t, db, repo, when, "SELECT cmis:objectId FROM cmis:document WHERE CONTAINS('text')", reader, visible)
}

// checkQuery compares a query's answer to reader with the
// administrator's filtered by visible.
func checkQuery(t *testing.T, db *DB, repo, when, stmt string, reader *cmis.Access, visible func([]string) []string) {
	t.Helper()
	if got, want := queryIDs(t, db, repo, stmt, reader), visible(queryIDs(t, db, repo, stmt, &cmis.Access{Admin: true})); !slices.Equal(got, want) {
		t.Errorf("%s: %v: %s: %v, want %v", when, reader.Principals, stmt, got, want)
	}
}

// queryIDs runs a query as r and returns the ids it answers, sorted
// unless it has an ORDER BY.
func queryIDs(t *testing.T, db *DB, repo, stmt string, r *cmis.Access) []string {
	t.Helper()
	ctx := context.Background()
	q, err := query.Prepare(ctx, db, repo, stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	rows, _, err := db.RunQuery(ctx, repo, q, query.Options{Reader: r, Page: cmis.Page{MaxItems: -1}})
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	var out []string
	for _, row := range rows {
		out = append(out, row.Objects[0].ID)
	}
	if !strings.Contains(stmt, "ORDER BY") {
		sort.Strings(out)
	}
	return out
}

// A propagated ACL change writes each ACE in statements of many objects:
// the statements it sends do not grow with the subtree (one per object,
// a folder of 20,000 documents took a minute on PostgreSQL).
func TestApplyACLStatementsDoNotGrowWithSubtree(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	statements := func(docs int) int64 {
		f := mustCreate(t, db, folder(repo, fmt.Sprintf("f%d", docs)), repo.RootFolderID, nil)
		sub := mustCreate(t, db, folder(repo, "sub"), f.ID, nil)
		for i := range docs {
			mustCreate(t, db, document(repo, fmt.Sprintf("d%d", i)), sub.ID, nil)
		}
		before := db.Statements()
		ace := []cmis.ACE{{Principal: "carol", Permission: cmis.PermRead}, {Principal: "dave", Permission: cmis.PermWrite}}
		if _, err := db.ApplyACL(ctx, repo.ID, f.ID, ace, []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}}, true, "admin"); err != nil {
			t.Fatal(err)
		}
		n := db.Statements() - before
		// One security event per object, the folder's first.
		var logged []string
		if err := db.db.SelectContext(ctx, &logged, `SELECT object_id FROM change_log WHERE change_type = ? ORDER BY token`, changeSecurity); err != nil {
			t.Fatal(err)
		}
		logged = logged[max(0, len(logged)-docs-2):]
		if len(logged) != docs+2 || logged[0] != f.ID || !slices.Contains(logged, sub.ID) {
			t.Errorf("applyACL on a subtree of %d documents logged %v, want the folder %s, then its %d objects", docs, logged, f.ID, docs+1)
		}
		return n
	}
	small, large := statements(3), statements(60)
	if large > small {
		t.Errorf("applyACL on a subtree of 3 documents: %d statements, of 60: %d; want as many", small, large)
	}
	checkACLIDs(t, db, repo.ID, "propagated")
}
