package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

func relationship(repo *cmis.RepositoryInfo, name, src, tgt string) *cmis.Object {
	return &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:relationship", BaseTypeID: cmis.BaseRelationship, Name: name,
		CreatedBy: "alice", SourceID: src, TargetID: tgt}
}

func names(objs []*cmis.Object) string {
	var n []string
	for _, o := range objs {
		n = append(n, o.Name)
	}
	return strings.Join(n, ",")
}

func TestRelationships(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	a := mustCreate(t, db, document(repo, "a"), f.ID, nil)
	b := mustCreate(t, db, document(repo, "b"), f.ID, nil)
	c := mustCreate(t, db, document(repo, "c"), repo.RootFolderID, nil)
	r1 := mustCreate(t, db, relationship(repo, "r1", a.ID, b.ID), "", nil)
	mustCreate(t, db, relationship(repo, "r2", a.ID, c.ID), "", nil)
	mustCreate(t, db, relationship(repo, "r3", c.ID, a.ID), "", nil)
	if r1.SourceID != a.ID || r1.TargetID != b.ID {
		t.Fatalf("ends: %+v", r1)
	}

	for _, bad := range []struct {
		name string
		o    *cmis.Object
		want cmis.ErrorType
	}{
		{"missing target", relationship(repo, "x", a.ID, "nope"), cmis.ErrObjectNotFound},
		{"no source", relationship(repo, "x", "", b.ID), cmis.ErrInvalidArgument},
		{"relationship as end", relationship(repo, "x", r1.ID, b.ID), cmis.ErrConstraint},
	} {
		if _, err := db.CreateObject(ctx, bad.o, "", nil, nil, nil); cmis.ErrorTypeOf(err) != bad.want {
			t.Fatalf("%s: want %s, got %v", bad.name, bad.want, err)
		}
	}

	all := cmis.Page{MaxItems: -1}
	cases := []struct {
		name  string
		q     cmis.RelationshipQuery
		want  string
		total int64
	}{
		{"source", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionSource, Page: all}, "r1,r2", 2},
		{"default is source", cmis.RelationshipQuery{ObjectID: a.ID, Page: all}, "r1,r2", 2},
		{"target", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionTarget, Page: all}, "r3", 1},
		{"either", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither, Page: all}, "r1,r2,r3", 3},
		{"page", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither, Page: cmis.Page{MaxItems: 1, SkipCount: 1}}, "r2", 3},
		{"past the end", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither, Page: cmis.Page{MaxItems: 5, SkipCount: 5}}, "", 3},
		{"other type", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither, TypeIDs: []string{"x:rel"}, Page: all}, "", 0},
		{"reader without access", cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither, Page: all,
			Reader: &cmis.Access{Principals: []string{"bob"}}}, "", 0},
		{"none of b's as source", cmis.RelationshipQuery{ObjectID: b.ID, Page: all}, "", 0},
	}
	for _, c := range cases {
		got, total, err := db.Relationships(ctx, repo.ID, c.q)
		if err != nil || names(got) != c.want || total.Total != c.total {
			t.Fatalf("%s: %q (%d) %v, want %q (%d)", c.name, names(got), total.Total, err, c.want, c.total)
		}
	}
	if _, _, err := db.Relationships(ctx, repo.ID, cmis.RelationshipQuery{ObjectID: "nope"}); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("unknown object: %v", err)
	}
	page, err := db.RelationshipsOf(ctx, repo.ID, []string{b.ID, c.ID}, cmis.DirectionTarget, nil)
	if err != nil || names(page) != "r1,r2" {
		t.Fatalf("relationships of a page: %q %v", names(page), err)
	}

	// An end goes: its relationships go with it, the others stay.
	if err := db.DeleteObject(ctx, repo.ID, b.ID, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.Relationships(ctx, repo.ID, cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither, Page: all}); names(got) != "r2,r3" {
		t.Fatalf("after deleting b: %q", names(got))
	}
	if _, err := db.Object(ctx, repo.ID, r1.ID); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("r1 survived its target: %v", err)
	}
	if _, err := db.DeleteTree(ctx, repo.ID, f.ID, cmis.UnfileDelete, false, cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.Relationships(ctx, repo.ID, cmis.RelationshipQuery{ObjectID: c.ID, Direction: cmis.DirectionEither, Page: all}); names(got) != "" {
		t.Fatalf("after deleting a's tree: %q", names(got))
	}
}

// Hidden base types (a CMIS 1.0 reader's items) are left out of listings
// and their counts, and so are relationships with an end of one.
func TestHiddenBaseTypes(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	a := mustCreate(t, db, document(repo, "a"), f.ID, nil)
	b := mustCreate(t, db, document(repo, "b"), f.ID, nil)
	item := mustCreate(t, db, &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:item", BaseTypeID: cmis.BaseItem,
		Name: "i", CreatedBy: "alice"}, f.ID, nil)
	for _, r := range []*cmis.Object{relationship(repo, "ab", a.ID, b.ID), relationship(repo, "ai", a.ID, item.ID),
		relationship(repo, "ia", item.ID, a.ID)} {
		// Readable by alice: relationships are not filed, so they inherit no ACEs.
		if _, err := db.CreateObject(ctx, r, "", nil, []cmis.ACE{{Principal: "alice", Permission: cmis.PermRead, Direct: true}}, nil); err != nil {
			t.Fatal(err)
		}
	}

	all := cmis.Page{MaxItems: -1}
	for _, tt := range []struct {
		name           string
		reader         *cmis.Access
		kids, rels     string
		nKids, nRels   int64
		tree, relsOfAB string
	}{
		{"all", nil, "a,b,i", "ab,ai,ia", 3, 3, "a,b,i", "ab,ai,ia"},
		{"admin, items hidden", &cmis.Access{Admin: true, Hidden: []cmis.BaseTypeID{cmis.BaseItem}}, "a,b", "ab", 2, 1, "a,b", "ab"},
		{"user, items hidden", &cmis.Access{Principals: []string{"alice", cmis.PrincipalAnyone},
			Hidden: []cmis.BaseTypeID{cmis.BaseItem, cmis.BaseSecondary}}, "a,b", "ab", 2, 1, "a,b", "ab"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kids, n, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: all, Reader: tt.reader})
			if err != nil || names(kids) != tt.kids || n.Total != tt.nKids {
				t.Errorf("children %s (%d), %v; want %s (%d)", names(kids), n.Total, err, tt.kids, tt.nKids)
			}
			rels, n, err := db.Relationships(ctx, repo.ID, cmis.RelationshipQuery{ObjectID: a.ID, Direction: cmis.DirectionEither,
				Page: all, Reader: tt.reader})
			if err != nil || names(rels) != tt.rels || n.Total != tt.nRels {
				t.Errorf("relationships %s (%d), %v; want %s (%d)", names(rels), n.Total, err, tt.rels, tt.nRels)
			}
			tree, err := db.Descendants(ctx, repo.ID, f.ID, -1, false, tt.reader)
			var got []*cmis.Object
			for _, e := range tree {
				got = append(got, e.Object)
			}
			if err != nil || names(got) != tt.tree {
				t.Errorf("descendants %s, %v; want %s", names(got), err, tt.tree)
			}
			of, err := db.RelationshipsOf(ctx, repo.ID, []string{a.ID, b.ID}, cmis.DirectionEither, tt.reader)
			if err != nil || names(of) != tt.relsOfAB {
				t.Errorf("relationships of a, b: %s, %v; want %s", names(of), err, tt.relsOfAB)
			}
		})
	}
}
