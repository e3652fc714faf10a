package storage

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// A filing's listed_type and multi (migration 11 on SQLite, 12 on
// PostgreSQL) are derived from objects and containment by triggers.
// After each change that files, unfiles, refiles or versions a document,
// every filing must carry what its child and its other filings say, and a
// subtree query, which tests them in the index, must answer what the same
// query answers testing each object's row.
func TestFilingFiltersFollowChanges(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	top := mustCreate(t, db, folder(repo, "top"), repo.RootFolderID, nil)
	a := mustCreate(t, db, folder(repo, "a"), top.ID, nil)
	b := mustCreate(t, db, folder(repo, "b"), top.ID, nil)
	out := mustCreate(t, db, folder(repo, "out"), repo.RootFolderID, nil)
	var docs []*cmis.Object
	for i, parent := range []string{a.ID, a.ID, b.ID, out.ID} {
		docs = append(docs, mustCreate(t, db, document(repo, string(rune('p'+i))+".txt"), parent, stream("text")))
	}
	checkedOut := document(repo, "draft.txt")
	checkedOut.IsPrivateWorkingCopy, checkedOut.IsLatestVersion, checkedOut.IsMajorVersion, checkedOut.IsLatestMajorVersion, checkedOut.VersionLabel = true, false, false, false, "pwc"
	draft := mustCreate(t, db, checkedOut, b.ID, stream("draft"))
	checkFilingFilters(t, db, repo.ID, "created")

	var pwc *cmis.Object
	steps := []struct {
		name string
		do   func() error
	}{
		{"filed in a second folder of the subtree", func() error { return db.AddToFolder(ctx, repo.ID, docs[0].ID, b.ID) }},
		{"filed in a third folder, outside", func() error { return db.AddToFolder(ctx, repo.ID, docs[0].ID, out.ID) }},
		{"filed twice from outside", func() error { return db.AddToFolder(ctx, repo.ID, docs[3].ID, a.ID) }},
		{"unfiled from one folder", func() error { return db.RemoveFromFolders(ctx, repo.ID, docs[0].ID, []string{a.ID}) }},
		{"checked out", func() (err error) {
			pwc, err = db.CheckOut(ctx, repo.ID, docs[0].ID, "bob")
			return err
		}},
		{"checked in", func() error {
			_, err := db.CheckIn(ctx, repo.ID, pwc.ID, cmis.CheckIn{Major: true, User: "bob"})
			return err
		}},
		{"created checked out, checked in", func() error {
			_, err := db.CheckIn(ctx, repo.ID, draft.ID, cmis.CheckIn{Major: true, User: "alice"})
			return err
		}},
		{"latest version deleted", func() error { return db.DeleteVersion(ctx, repo.ID, pwc.ID, cmis.Permit{}) }},
		{"folder moved out of the subtree", func() error {
			_, err := db.MoveObject(ctx, repo.ID, b.ID, top.ID, out.ID, "admin")
			return err
		}},
		{"multi-filed document deleted", func() error { return db.DeleteObject(ctx, repo.ID, docs[3].ID, cmis.Permit{}) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		checkFilingFilters(t, db, repo.ID, s.name)
	}
}

// checkFilingFilters checks every filing's listed_type and multi against
// its child's row and the child's other filings, and every folder's
// subtree query against the one that probes each object's row.
func checkFilingFilters(t *testing.T, db *DB, repo, when string) {
	t.Helper()
	ctx := context.Background()
	var stale []string
	if err := db.db.SelectContext(ctx, &stale, `SELECT c.parent_id || '/' || c.child_id FROM containment c JOIN objects o ON o.id = c.child_id
		WHERE COALESCE(c.listed_type, '') <> CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id ELSE '' END
		OR c.multi <> CASE WHEN EXISTS (SELECT 1 FROM containment d WHERE d.child_id = c.child_id AND d.parent_id <> c.parent_id) THEN 1 ELSE 0 END`); err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("%s: filings %v carry another listed type or multi-filing than their child's", when, stale)
	}
	checkRowFilters(t, db, when)
	var folders []string
	if err := db.db.SelectContext(ctx, &folders, `SELECT id FROM objects WHERE base_type_id = 'cmis:folder' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	reader := &cmis.Access{Principals: []string{"bob", cmis.PrincipalAnyone}}
	for _, f := range folders {
		for _, r := range []*cmis.Access{{Admin: true}, reader} {
			for _, order := range []string{"", " ORDER BY cmis:name"} {
				tree := "SELECT cmis:objectId FROM cmis:document WHERE IN_TREE('" + f + "')"
				// A condition of the object's row takes the probe of each row.
				probed := tree + " AND cmis:objectId IS NOT NULL"
				got, listed := treeIDs(t, db, repo, tree+order, r)
				want, probedListed := treeIDs(t, db, repo, probed+order, r)
				// Statements are observed on SQLite only; the path is the
				// same on PostgreSQL.
				if (!listed || probedListed) && db.Kind() == "sqlite" {
					t.Fatalf("%s: the filings' listed_type tested: %v (%s), %v (%s); want true, false", when, listed, tree+order, probedListed, probed+order)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: %s as %v: %v, probing each object %v", when, tree+order, r.Principals, got, want)
				}
			}
		}
	}
	// The same of a text query, whose rows carry the filters on
	// PostgreSQL.
	text := "SELECT cmis:objectId FROM cmis:document WHERE CONTAINS('text')"
	for _, r := range []*cmis.Access{{Admin: true}, reader} {
		if got, want := queryIDs(t, db, repo, text, r), queryIDs(t, db, repo, text+" AND cmis:objectId IS NOT NULL", r); !slices.Equal(got, want) {
			t.Errorf("%s: %s as %v: %v, probing each object %v", when, text, r.Principals, got, want)
		}
	}
}

// checkRowFilters checks, on PostgreSQL, every text row's and property
// row's repository, ACL id and listed type (migrations 13 and 14) against
// its object's row.
func checkRowFilters(t *testing.T, db *DB, when string) {
	t.Helper()
	if db.Kind() != "postgres" {
		return // SQLite's rows carry none
	}
	for _, table := range []string{"fulltext", "object_properties"} {
		var stale []string
		if err := db.db.SelectContext(context.Background(), &stale, `SELECT DISTINCT f.object_id FROM `+table+` f LEFT JOIN objects o ON o.id = f.object_id
			WHERE o.id IS NULL OR f.repository_id IS DISTINCT FROM o.repository_id OR f.acl_id IS DISTINCT FROM o.acl_id
			OR f.listed_type IS DISTINCT FROM CASE WHEN COALESCE(o.is_pwc, 0) = 0 AND COALESCE(o.is_latest_version, 1) = 1 THEN o.type_id END`); err != nil {
			t.Fatal(err)
		}
		if len(stale) > 0 {
			t.Errorf("%s: %s rows of %v carry another repository, ACL id or listed type than their object", when, table, stale)
		}
	}
}

// treeIDs is queryIDs, and whether a statement tested the filings'
// listed_type.
func treeIDs(t *testing.T, db *DB, repo, stmt string, r *cmis.Access) (ids []string, listed bool) {
	t.Helper()
	saved := observeStatement
	observeStatement = func(q string) {
		listed = listed || strings.Contains(q, "fc.listed_type IN")
		if saved != nil {
			saved(q)
		}
	}
	defer func() { observeStatement = saved }()
	return queryIDs(t, db, repo, stmt, r), listed
}
