package storage

import (
	"context"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// Within one read snapshot the cache generation is read once; a change
// made through another process (a second DB on the same files) shows at
// the next snapshot, for types, accounts and group membership.
func TestCacheFollowsTheGeneration(t *testing.T) {
	dir := t.TempDir()
	db, repo := openIn(t, dir, nil)
	other, _ := openIn(t, dir, nil) // another process sharing the store
	ctx := context.Background()
	if err := db.CreateAccount(ctx, "alice", "hash-1"); err != nil {
		t.Fatal(err)
	}
	read := func(fn func(ctx context.Context) error) {
		t.Helper()
		if err := db.Read(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}

	read(func(ctx context.Context) error {
		if _, err := db.Type(ctx, repo.ID, "cmis:document"); err != nil {
			return err
		}
		_, err := db.Account(ctx, "alice")
		return err
	})
	hits, misses := db.CacheStats()
	read(func(ctx context.Context) error {
		for range 3 {
			if _, err := db.Type(ctx, repo.ID, "cmis:document"); err != nil {
				return err
			}
			if a, err := db.Account(ctx, "alice"); err != nil || a.PasswordHash != "hash-1" {
				t.Fatalf("account %+v %v", a, err)
			}
		}
		if h, m := db.CacheStats(); h-hits != 6 || m != misses {
			t.Fatalf("an unchanged store: %d hits, %d misses, want 6 and 0", h-hits, m-misses)
		}

		// The other process changes a password, a group and a type.
		if err := other.SetPasswordHash(context.Background(), "alice", "hash-2"); err != nil {
			return err
		}
		if err := other.CreateGroup(context.Background(), "staff"); err != nil {
			return err
		}
		if err := other.AddGroupMember(context.Background(), "staff", "alice"); err != nil {
			return err
		}
		if _, err := other.CreateType(context.Background(), repo.ID, &cmis.TypeDefinition{ID: "x:doc", LocalName: "doc", QueryName: "x:doc",
			BaseID: cmis.BaseDocument, ParentID: "cmis:document", Creatable: true, Fileable: true, Queryable: true,
			ContentStreamAllowed: cmis.ContentAllowed}); err != nil {
			return err
		}
		// The snapshot that read the generation before keeps its view.
		if a, _ := db.Account(ctx, "alice"); a.PasswordHash != "hash-1" {
			t.Fatalf("a snapshot's view moved: %q", a.PasswordHash)
		}
		return nil
	})
	// The next one sees every change.
	read(func(ctx context.Context) error {
		a, err := db.Account(ctx, "alice")
		if err != nil || a.PasswordHash != "hash-2" || len(a.Groups) != 1 || a.Groups[0] != "staff" {
			t.Fatalf("after the other process's changes: %+v %v", a, err)
		}
		if _, err := db.Type(ctx, repo.ID, "x:doc"); err != nil {
			t.Fatalf("type created by the other process: %v", err)
		}
		if _, err := db.TypeByQueryName(ctx, repo.ID, "x:doc"); err != nil {
			t.Fatalf("type by query name: %v", err)
		}
		return nil
	})
}

// A write inside a read snapshot ends the snapshot: what the request
// reads afterwards includes its own change (no stale generation).
func TestWriteInsideReadSeesItsChange(t *testing.T) {
	db, repo := openTest(t)
	err := db.Read(context.Background(), func(ctx context.Context) error {
		if _, err := db.Type(ctx, repo.ID, "cmis:folder"); err != nil {
			return err
		}
		if err := db.Write(ctx, func(ctx context.Context) error {
			_, err := db.CreateType(ctx, repo.ID, &cmis.TypeDefinition{ID: "x:f", LocalName: "f", QueryName: "x:f",
				BaseID: cmis.BaseFolder, ParentID: "cmis:folder", Creatable: true, Fileable: true})
			return err
		}); err != nil {
			return err
		}
		_, err := db.Type(ctx, repo.ID, "x:f")
		return err
	})
	if err != nil {
		t.Fatalf("the type the request just created: %v", err)
	}
}

// What a write transaction reads after it changed a cached table is not
// cached: it may never commit. Whether or not the write read the
// generation before its change (warm: the cache is at that generation).
func TestWriteDoesNotFillTheCache(t *testing.T) {
	for _, warm := range []bool{false, true} {
		db, repo := openTest(t)
		ctx := context.Background()
		if warm {
			warmCache(t, db, repo.ID)
		}
		err := db.Write(ctx, func(ctx context.Context) error {
			if warm {
				if _, err := db.Type(ctx, repo.ID, "cmis:folder"); err != nil { // reads the generation
					return err
				}
			}
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
		if _, err := db.Type(ctx, repo.ID, "x:tmp"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Fatalf("warm %v: a rolled-back type is served: %v", warm, err)
		}
		// The rolled-back write bumped the generation inside its transaction;
		// a committed change now takes the same number.
		if err := db.CreateAccount(ctx, "bob", "hash"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Type(ctx, repo.ID, "x:tmp"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Fatalf("warm %v: a rolled-back type is served at the next generation: %v", warm, err)
		}
	}
}

// A write that changed no cached table fills the cache with what it
// loads: a stream of creates would otherwise load their type from SQL
// every time.
func TestWriteFillsTheCache(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	warmCache(t, db, repo.ID)
	for want := range 2 { // a miss that fills, then a hit
		hits, misses := db.CacheStats()
		if err := db.Write(ctx, func(ctx context.Context) error {
			_, err := db.Type(ctx, repo.ID, "cmis:folder")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if h, m := db.CacheStats(); h-hits != int64(want) || m-misses != int64(1-want) {
			t.Fatalf("write %d: %d hits, %d misses, want %d and %d", want+1, h-hits, m-misses, want, 1-want)
		}
	}
}

// warmCache brings the cache to the store's generation, as a request's
// authentication does.
func warmCache(t *testing.T, db *DB, repo string) {
	t.Helper()
	if err := db.Read(context.Background(), func(ctx context.Context) error {
		_, err := db.Repository(ctx, repo)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
