package storage

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// alicePermit is what the services pass for alice deleting a tree.
var alicePermit = cmis.Permit{Access: &cmis.Access{Principals: []string{"alice", cmis.PrincipalAnyone}}, User: "alice",
	Delete: cmis.Need{Key: "canDelete.Object", Level: cmis.CanWrite},
	Unfile: cmis.Need{Key: "canRemoveFromFolder.Object", Level: cmis.CanRead}}

// TestDeleteTreeKeepsWhatIsRefused: in tree t alice may delete everything
// but an old version of d2, folder u, and bob's PWC of x. Without
// continueOnFailure nothing changes; with it, d2 and x stay with every
// version, u stays, and so do t and w, which hold what stays. Everything
// else goes, and m, filed outside the tree too, is only unfiled
// (deletesinglefiled), which reading it allows.
func TestDeleteTreeKeepsWhatIsRefused(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	grant := func(id string, add, remove string) {
		t.Helper()
		var a, r []cmis.ACE
		if add != "" {
			a = []cmis.ACE{{Principal: "alice", Permission: add, Direct: true}}
		}
		if remove != "" {
			r = []cmis.ACE{{Principal: "alice", Permission: remove}}
		}
		if _, err := db.ApplyACL(ctx, repo.ID, id, a, r, false, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	// Everything inherits the root's anyone:read; alice gets write where
	// she may delete.
	out := mustCreate(t, db, folder(repo, "out"), repo.RootFolderID, nil)
	tr := mustCreate(t, db, folder(repo, "t"), repo.RootFolderID, nil)
	d1 := mustCreate(t, db, document(repo, "d1"), tr.ID, stream("1"))
	v1 := mustCreate(t, db, document(repo, "d2"), tr.ID, stream("v1"))
	v2 := newVersion(t, db, repo, v1.ID, true, "v2")
	m := mustCreate(t, db, document(repo, "m"), tr.ID, nil)
	if err := db.AddToFolder(ctx, repo.ID, m.ID, out.ID); err != nil {
		t.Fatal(err)
	}
	s := mustCreate(t, db, folder(repo, "s"), tr.ID, nil)
	d3 := mustCreate(t, db, document(repo, "d3"), s.ID, stream("3"))
	u := mustCreate(t, db, folder(repo, "u"), tr.ID, nil)
	d4 := mustCreate(t, db, document(repo, "d4"), u.ID, stream("4"))
	w := mustCreate(t, db, folder(repo, "w"), tr.ID, nil)
	x := mustCreate(t, db, document(repo, "x"), w.ID, stream("x"))
	for _, id := range []string{tr.ID, d1.ID, v2.ID, s.ID, d3.ID, d4.ID, w.ID, x.ID} {
		grant(id, cmis.PermWrite, "")
	}
	pwc, err := db.CheckOut(ctx, repo.ID, x.ID, "bob") // with x's ACEs: alice's write too
	if err != nil {
		t.Fatal(err)
	}
	grant(pwc.ID, "", cmis.PermWrite)

	all := []string{tr.ID, d1.ID, v1.ID, v2.ID, m.ID, s.ID, d3.ID, u.ID, d4.ID, w.ID, x.ID, pwc.ID}
	rows := func(ids []string) map[string]string {
		out := map[string]string{}
		for _, id := range ids {
			out[id] = strings.Join(rowsOf(t, db, id), "\n")
		}
		return out
	}
	before, files := rows(all), contentFiles(t, db)

	_, err = db.DeleteTree(ctx, repo.ID, tr.ID, cmis.UnfileDeleteSingleFiled, false, alicePermit)
	if cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied || !strings.Contains(err.Error(), "canDelete.Object: alice needs cmis:write on "+v1.ID) {
		t.Fatalf("deleteTree without continueOnFailure: %v, want permissionDenied naming d2's old version", err)
	}
	if after := rows(all); !maps.Equal(before, after) || contentFiles(t, db) != files {
		t.Fatalf("a refused deleteTree changed the store")
	}

	failed, err := db.DeleteTree(ctx, repo.ID, tr.ID, cmis.UnfileDeleteSingleFiled, true, alicePermit)
	if err != nil {
		t.Fatal(err)
	}
	stay := []string{v2.ID, x.ID, v1.ID, pwc.ID, tr.ID, u.ID, w.ID}
	if !slices.Equal(failed, stay) {
		t.Fatalf("failedToDelete %v, want %v", failed, stay)
	}
	for _, id := range []string{d1.ID, s.ID, d3.ID, d4.ID} {
		if _, err := db.Object(ctx, repo.ID, id); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Errorf("%s was not deleted: %v", id, err)
		}
	}
	// What stays is whole: every row as before (filing, versions, ACLs,
	// no change logged), its content too.
	after := rows(stay)
	for _, id := range stay {
		if after[id] != before[id] {
			t.Errorf("%s changed:\n%s\nwas\n%s", id, after[id], before[id])
		}
	}
	for id, want := range map[string]string{v1.ID: "v1", v2.ID: "v2", x.ID: "x", pwc.ID: "x"} {
		if got := contentOf(t, db, repo, id); got != want {
			t.Errorf("content of %s: %q, want %q", id, got, want)
		}
	}
	if n := contentFiles(t, db); n != 3 {
		t.Errorf("%d content files, want those of d2's two versions and x", n)
	}
	if got := parentIDs(t, db, repo.ID, m.ID); got != out.ID {
		t.Errorf("m is filed in %q, want only %s", got, out.ID)
	}
}
