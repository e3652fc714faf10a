package storage

import (
	"context"
	"reflect"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

func policy(repo *cmis.RepositoryInfo, name string) *cmis.Object {
	text := "keep for " + name
	return &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:policy", BaseTypeID: cmis.BasePolicy, Name: name, CreatedBy: "alice", PolicyText: &text}
}

func TestPolicies(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	p := mustCreate(t, db, policy(repo, "p"), "", nil)
	q := mustCreate(t, db, policy(repo, "q"), repo.RootFolderID, nil)
	d := mustCreate(t, db, document(repo, "d"), repo.RootFolderID, nil)
	if p.PolicyText == nil || *p.PolicyText != "keep for p" {
		t.Fatalf("policy text: %v", p.PolicyText)
	}

	if err := db.ApplyPolicy(ctx, repo.ID, p.ID, d.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	after, _ := db.Object(ctx, repo.ID, d.ID)
	if after.ChangeToken != d.ChangeToken+1 || after.LastModifiedBy != "bob" {
		t.Fatalf("applying a policy is a change: token %d, by %s", after.ChangeToken, after.LastModifiedBy)
	}
	if err := db.ApplyPolicy(ctx, repo.ID, p.ID, d.ID, "bob"); err != nil {
		t.Fatalf("applying again: %v", err)
	}
	if again, _ := db.Object(ctx, repo.ID, d.ID); again.ChangeToken != after.ChangeToken {
		t.Fatal("applying again changed the object")
	}
	faults := []struct {
		name           string
		policy, object string
		want           cmis.ErrorType
	}{
		{"not a policy", d.ID, q.ID, cmis.ErrInvalidArgument},
		{"unknown policy", "nope", d.ID, cmis.ErrObjectNotFound},
		{"unknown object", p.ID, "nope", cmis.ErrObjectNotFound},
	}
	for _, f := range faults {
		if err := db.ApplyPolicy(ctx, repo.ID, f.policy, f.object, "bob"); cmis.ErrorTypeOf(err) != f.want {
			t.Fatalf("%s: want %s, got %v", f.name, f.want, err)
		}
	}
	ids, err := db.PolicyIDs(ctx, []string{d.ID, q.ID}, nil)
	if err != nil || !reflect.DeepEqual(ids, map[string][]string{d.ID: {p.ID}}) {
		t.Fatalf("policy ids: %v %v", ids, err)
	}
	if ids, _ := db.PolicyIDs(ctx, []string{d.ID}, &cmis.Access{Principals: []string{"bob"}}); len(ids[d.ID]) != 0 {
		t.Fatalf("bob sees a policy he may not read: %v", ids)
	}
	applied, err := db.AppliedPolicies(ctx, repo.ID, d.ID, nil)
	if err != nil || names(applied) != "p" {
		t.Fatalf("applied policies: %q %v", names(applied), err)
	}
	if err := db.DeleteObject(ctx, repo.ID, p.ID, cmis.Permit{}); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("delete an applied policy: %v", err)
	}

	if err := db.RemovePolicy(ctx, repo.ID, p.ID, d.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemovePolicy(ctx, repo.ID, p.ID, d.ID, "bob"); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("remove a policy not applied: %v", err)
	}
	if err := db.DeleteObject(ctx, repo.ID, p.ID, cmis.Permit{}); err != nil {
		t.Fatalf("delete a policy no longer applied: %v", err)
	}

	// Policies given on create are applied in its transaction; a bad one
	// creates nothing.
	withPolicy := document(repo, "e")
	withPolicy.Policies = []string{q.ID}
	e := mustCreate(t, db, withPolicy, repo.RootFolderID, nil)
	if ids, _ := db.PolicyIDs(ctx, []string{e.ID}, nil); !reflect.DeepEqual(ids[e.ID], []string{q.ID}) {
		t.Fatalf("policies on create: %v", ids)
	}
	bad := document(repo, "never")
	bad.Policies = []string{d.ID}
	if _, err := db.CreateObject(ctx, bad, repo.RootFolderID, nil, nil, nil); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("create with a non-policy: %v", err)
	}
	if _, err := db.ObjectByPath(ctx, repo.ID, "/never"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("a failed create left an object: %v", err)
	}

	// A tree holding a policy applied outside it cannot go; deleting the
	// object it is applied to releases it.
	tree := mustCreate(t, db, folder(repo, "t"), repo.RootFolderID, nil)
	inTree := mustCreate(t, db, policy(repo, "in-tree"), tree.ID, nil)
	if err := db.ApplyPolicy(ctx, repo.ID, inTree.ID, e.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteTree(ctx, repo.ID, tree.ID, cmis.UnfileDelete, false, cmis.Permit{}); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("delete a tree holding an applied policy: %v", err)
	}
	if _, err := db.Object(ctx, repo.ID, tree.ID); err != nil {
		t.Fatalf("a refused deleteTree deleted the folder: %v", err)
	}
	if err := db.DeleteObject(ctx, repo.ID, e.ID, cmis.Permit{}); err != nil {
		t.Fatalf("delete an object with policies: %v", err)
	}
	if _, err := db.DeleteTree(ctx, repo.ID, tree.ID, cmis.UnfileDelete, false, cmis.Permit{}); err != nil {
		t.Fatalf("delete the tree once the policy is free: %v", err)
	}
}
