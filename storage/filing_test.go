package storage

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

func parentIDs(t *testing.T, db *DB, repo, id string) string {
	t.Helper()
	ps, err := db.Parents(context.Background(), repo, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.Folder.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func sorted(ids ...string) string {
	ids = append([]string{}, ids...)
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func TestMultiFilingAndUnfiling(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), repo.RootFolderID, nil)
	c := mustCreate(t, db, folder(repo, "c"), repo.RootFolderID, nil)
	d := mustCreate(t, db, document(repo, "d"), a.ID, stream("x"))
	other := mustCreate(t, db, document(repo, "d"), c.ID, nil)

	if err := db.AddToFolder(ctx, repo.ID, d.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.AddToFolder(ctx, repo.ID, d.ID, b.ID); err != nil {
		t.Fatalf("filing again where it is: %v", err)
	}
	if got := parentIDs(t, db, repo.ID, d.ID); got != sorted(a.ID, b.ID) {
		t.Fatalf("parents %s", got)
	}
	for _, p := range []string{"/a/d", "/b/d"} {
		if o, err := db.ObjectByPath(ctx, repo.ID, p); err != nil || o.ID != d.ID {
			t.Fatalf("%s: %v %v", p, o, err)
		}
	}
	if after, _ := db.Object(ctx, repo.ID, d.ID); after.ChangeToken != d.ChangeToken {
		t.Fatal("filing changed the change token")
	}
	faults := []struct {
		name       string
		object, in string
		want       cmis.ErrorType
	}{
		{"name taken", other.ID, b.ID, cmis.ErrNameConstraintViolation},
		{"folder", c.ID, b.ID, cmis.ErrConstraint},
		{"into a document", other.ID, d.ID, cmis.ErrInvalidArgument},
		{"unknown object", "nope", b.ID, cmis.ErrObjectNotFound},
		{"unknown folder", other.ID, "nope", cmis.ErrObjectNotFound},
	}
	for _, f := range faults {
		if err := db.AddToFolder(ctx, repo.ID, f.object, f.in); cmis.ErrorTypeOf(err) != f.want {
			t.Fatalf("%s: want %s, got %v", f.name, f.want, err)
		}
	}

	// Unfiling, down to none.
	if err := db.RemoveFromFolders(ctx, repo.ID, d.ID, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveFromFolders(ctx, repo.ID, d.ID, []string{a.ID}); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("remove from a folder it is not in: %v", err)
	}
	if err := db.RemoveFromFolders(ctx, repo.ID, c.ID, []string{repo.RootFolderID}); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("unfile a folder: %v", err)
	}
	filed, err := db.Filed(ctx, []string{d.ID, other.ID})
	if err != nil || !filed[d.ID] || !filed[other.ID] {
		t.Fatalf("filed: %v %v", filed, err)
	}
	if err := db.RemoveFromFolders(ctx, repo.ID, d.ID, []string{b.ID}); err != nil {
		t.Fatal(err)
	}
	if filed, _ := db.Filed(ctx, []string{d.ID}); filed[d.ID] {
		t.Fatal("unfiled document still filed")
	}
	if got := parentIDs(t, db, repo.ID, d.ID); got != "" {
		t.Fatalf("unfiled document has parents %s", got)
	}
	if _, err := db.ObjectByPath(ctx, repo.ID, "/b/d"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("unfiled document by path: %v", err)
	}
	if o, err := db.Object(ctx, repo.ID, d.ID); err != nil || o.Content == nil {
		t.Fatalf("unfiled document by id: %v %v", o, err)
	}
	// Created unfiled, then filed.
	u := mustCreate(t, db, document(repo, "u"), "", nil)
	if got := parentIDs(t, db, repo.ID, u.ID); got != "" {
		t.Fatalf("created unfiled, has parents %s", got)
	}
	if err := db.AddToFolder(ctx, repo.ID, u.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if o, err := db.ObjectByPath(ctx, repo.ID, "/a/u"); err != nil || o.ID != u.ID {
		t.Fatalf("filed later: %v %v", o, err)
	}
}

// TestDeleteTreeModes: tree t holds sub folder s, a document only in s
// (single), and one also filed outside the tree (multi).
func TestDeleteTreeModes(t *testing.T) {
	cases := []struct {
		mode                    cmis.UnfileMode
		singleStays, multiStays bool
	}{
		{cmis.UnfileUnfile, true, true},
		{cmis.UnfileDeleteSingleFiled, false, true},
		{cmis.UnfileDelete, false, false},
	}
	for _, c := range cases {
		t.Run(string(c.mode), func(t *testing.T) {
			db, repo := openTest(t)
			ctx := context.Background()
			tree := mustCreate(t, db, folder(repo, "t"), repo.RootFolderID, nil)
			sub := mustCreate(t, db, folder(repo, "s"), tree.ID, nil)
			out := mustCreate(t, db, folder(repo, "out"), repo.RootFolderID, nil)
			single := mustCreate(t, db, document(repo, "single"), sub.ID, stream("1"))
			multi := mustCreate(t, db, document(repo, "multi"), tree.ID, nil)
			if err := db.AddToFolder(ctx, repo.ID, multi.ID, out.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.DeleteTree(ctx, repo.ID, tree.ID, c.mode, false, cmis.Permit{}); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{tree.ID, sub.ID} {
				if _, err := db.Object(ctx, repo.ID, f); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
					t.Fatalf("folder %s survived: %v", f, err)
				}
			}
			for _, x := range []struct {
				id      string
				stays   bool
				parents string
			}{{single.ID, c.singleStays, ""}, {multi.ID, c.multiStays, out.ID}} {
				_, err := db.Object(ctx, repo.ID, x.id)
				if stays := err == nil; stays != x.stays {
					t.Fatalf("%s: stays %v, want %v (%v)", x.id, stays, x.stays, err)
				}
				if x.stays {
					if got := parentIDs(t, db, repo.ID, x.id); got != x.parents {
						t.Fatalf("%s: parents %q, want %q", x.id, got, x.parents)
					}
				}
			}
			if n := contentFiles(t, db); (n == 1) != c.singleStays {
				t.Fatalf("%d content files left", n)
			}
		})
	}
}
