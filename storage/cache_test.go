package storage

import (
	"context"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// Within one session the cache generation is read once; a change made
// through another process (a second DB on the same files) shows at the
// next session, for types, accounts and group membership.
func TestCacheFollowsTheGeneration(t *testing.T) {
	dir := t.TempDir()
	db, repo := openIn(t, dir, nil)
	other, _ := openIn(t, dir, nil) // another process sharing the store
	ctx := context.Background()
	if err := db.CreateAccount(ctx, "alice", "hash-1"); err != nil {
		t.Fatal(err)
	}

	s1 := db.Session(ctx)
	if _, err := db.Type(s1, repo.ID, "cmis:document"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Account(s1, "alice"); err != nil {
		t.Fatal(err)
	}
	hits, misses := db.CacheStats()
	s2 := db.Session(ctx)
	for range 3 {
		if _, err := db.Type(s2, repo.ID, "cmis:document"); err != nil {
			t.Fatal(err)
		}
		if a, err := db.Account(s2, "alice"); err != nil || a.PasswordHash != "hash-1" {
			t.Fatalf("account %+v %v", a, err)
		}
	}
	if h, m := db.CacheStats(); h-hits != 6 || m != misses {
		t.Fatalf("an unchanged store: %d hits, %d misses, want 6 and 0", h-hits, m-misses)
	}

	// The other process changes a password, a group and a type.
	if err := other.SetPasswordHash(ctx, "alice", "hash-2"); err != nil {
		t.Fatal(err)
	}
	if err := other.CreateGroup(ctx, "staff"); err != nil {
		t.Fatal(err)
	}
	if err := other.AddGroupMember(ctx, "staff", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreateType(ctx, repo.ID, &cmis.TypeDefinition{ID: "x:doc", LocalName: "doc", QueryName: "x:doc",
		BaseID: cmis.BaseDocument, ParentID: "cmis:document", Creatable: true, Fileable: true, Queryable: true,
		ContentStreamAllowed: cmis.ContentAllowed}); err != nil {
		t.Fatal(err)
	}
	// The session that read the generation before keeps its view...
	if a, _ := db.Account(s2, "alice"); a.PasswordHash != "hash-1" {
		t.Fatalf("a session's view moved: %q", a.PasswordHash)
	}
	// ...the next one sees every change.
	s3 := db.Session(ctx)
	a, err := db.Account(s3, "alice")
	if err != nil || a.PasswordHash != "hash-2" || len(a.Groups) != 1 || a.Groups[0] != "staff" {
		t.Fatalf("after the other process's changes: %+v %v", a, err)
	}
	if _, err := db.Type(s3, repo.ID, "x:doc"); err != nil {
		t.Fatalf("type created by the other process: %v", err)
	}
	if _, err := db.TypeByQueryName(s3, repo.ID, "x:doc"); err != nil {
		t.Fatalf("type by query name: %v", err)
	}
}

// What a write transaction reads is not cached: it may never commit.
func TestWriteDoesNotFillTheCache(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	err := db.Write(ctx, func(ctx context.Context) error {
		if _, err := db.CreateType(ctx, repo.ID, &cmis.TypeDefinition{ID: "x:tmp", LocalName: "tmp", QueryName: "x:tmp",
			BaseID: cmis.BaseFolder, ParentID: "cmis:folder", Creatable: true, Fileable: true}); err != nil {
			return err
		}
		if _, err := db.Type(ctx, repo.ID, "x:tmp"); err != nil {
			return err
		}
		return errAbandon
	})
	if err != errAbandon {
		t.Fatal(err)
	}
	// The rolled-back write bumped the generation inside its transaction;
	// a committed change now takes the same number.
	if err := db.CreateAccount(ctx, "bob", "hash"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Type(db.Session(ctx), repo.ID, "x:tmp"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("a rolled-back type is still served: %v", err)
	}
}
