package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/pgtest"
)

// Writes that read, check and then change, racing each other. SQLite
// runs them one at a time; PostgreSQL runs them side by side, where the
// row locks of locks.go must give the same outcomes. Each race runs many
// rounds, and the store must be whole after every one: every folder filed
// once, at the path its parent's path and its name make; every document
// filed.

// checkTree fails on a folder whose filing or path disagrees with its
// parent's, and on a document filed nowhere.
func checkTree(t *testing.T, db *DB, repo string, round int) {
	t.Helper()
	var rows []struct {
		ID, Name, Base string
		Path           *string
		Filings        int
		ParentPath     *string `db:"parent_path"`
		FiledAs        *string `db:"filed_as"`
	}
	err := db.db.Select(&rows, `SELECT o.id AS id, o.name AS name, o.base_type_id AS base, o.path AS path,
		(SELECT COUNT(*) FROM containment x WHERE x.child_id = o.id) AS filings,
		(SELECT p.path FROM containment c JOIN objects p ON p.id = c.parent_id WHERE c.child_id = o.id ORDER BY p.id LIMIT 1) AS parent_path,
		(SELECT c.name FROM containment c WHERE c.child_id = o.id ORDER BY c.parent_id LIMIT 1) AS filed_as
		FROM objects o WHERE o.repository_id = ? AND (o.path IS NULL OR o.path <> '/') AND o.base_type_id IN ('cmis:folder', 'cmis:document')`, repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch {
		case r.Base == string(cmis.BaseDocument) && r.Filings == 0:
			t.Errorf("round %d: document %s (%s) is filed nowhere", round, r.ID, r.Name)
		case r.Base == string(cmis.BaseDocument):
		case r.Filings != 1 || r.ParentPath == nil || r.FiledAs == nil || r.Path == nil:
			t.Errorf("round %d: folder %s (%s) is filed %d times", round, r.ID, r.Name, r.Filings)
		case *r.FiledAs != r.Name || *r.Path != joinPath(*r.ParentPath, r.Name):
			t.Errorf("round %d: folder %s at %q, filed as %q under %q", round, r.Name, *r.Path, *r.FiledAs, *r.ParentPath)
		}
	}
}

const raceRounds = 15

// A folder is renamed while folders are created below it: each new
// folder's path follows the rename.
func TestRaceRenameAndCreateBelow(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), a.ID, nil)
	for round := range raceRounds {
		errs := raceWriters(func(w int) error {
			if w == 0 {
				name := fmt.Sprint("a", round)
				_, err := db.UpdateObject(ctx, repo.ID, a.ID, nil, cmis.Change{Name: &name}, "bob")
				return err
			}
			_, err := db.CreateObject(ctx, folder(repo, fmt.Sprint("c", round)), b.ID, nil, nil, nil)
			return err
		})
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v", round, errs)
		}
		checkTree(t, db, repo.ID, round)
	}
}

// Two folders are moved into each other at once: one move wins, the
// other finds the cycle; never both.
func TestRaceMovesIntoEachOther(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	for round := range raceRounds {
		x := mustCreate(t, db, folder(repo, fmt.Sprint("x", round)), repo.RootFolderID, nil)
		y := mustCreate(t, db, folder(repo, fmt.Sprint("y", round)), repo.RootFolderID, nil)
		errs := raceWriters(func(w int) error {
			from, to := x, y
			if w == 1 {
				from, to = y, x
			}
			_, err := db.MoveObject(ctx, repo.ID, from.ID, repo.RootFolderID, to.ID, "bob")
			return err
		})
		if errs[0] == nil && errs[1] == nil {
			t.Fatalf("round %d: both moves succeeded: a cycle", round)
		}
		for _, err := range errs {
			if err != nil && cmis.ErrorTypeOf(err) != cmis.ErrConstraint && cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
				t.Fatalf("round %d: %v, want constraint (cycle) or invalidArgument (moved away)", round, err)
			}
		}
		checkTree(t, db, repo.ID, round)
	}
}

// A folder tree is deleted while a document is created in it: either
// the document goes with the tree or the creation fails; it is never
// left filed nowhere.
func TestRaceDeleteTreeAndCreateIn(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	for round := range raceRounds {
		f := mustCreate(t, db, folder(repo, fmt.Sprint("f", round)), repo.RootFolderID, nil)
		sub := mustCreate(t, db, folder(repo, "sub"), f.ID, nil)
		mustCreate(t, db, document(repo, "old"), sub.ID, nil)
		var made *cmis.Object
		errs := raceWriters(func(w int) error {
			if w == 0 {
				_, err := db.DeleteTree(ctx, repo.ID, f.ID, cmis.UnfileDelete, false, cmis.Permit{})
				return err
			}
			var err error
			made, err = db.CreateObject(ctx, document(repo, "new"), sub.ID, nil, nil, nil)
			return err
		})
		if errs[0] != nil {
			t.Fatalf("round %d: delete tree: %v", round, errs[0])
		}
		if errs[1] == nil {
			if _, err := db.Object(ctx, repo.ID, made.ID); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
				t.Errorf("round %d: the document created in the tree outlived it: %v", round, err)
			}
		}
		checkTree(t, db, repo.ID, round)
	}
}

// The same ACE is added to one object by two writers at once: both
// succeed, and the object has it once.
func TestRaceSameACE(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	ace := cmis.ACE{Principal: "staff", Permission: cmis.PermWrite}
	for round := range raceRounds {
		d := mustCreate(t, db, document(repo, fmt.Sprint("d", round)), repo.RootFolderID, nil)
		errs := raceWriters(func(int) error {
			_, err := db.ApplyACL(ctx, repo.ID, d.ID, []cmis.ACE{ace}, nil, false, "bob")
			return err
		})
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v", round, errs)
		}
		acl, err := db.ACL(ctx, repo.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range acl {
			if e.Principal == ace.Principal && e.Permission == ace.Permission {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("round %d: the ACE is there %d times: %v", round, n, acl)
		}
	}
}

// Instances starting at once on one fresh database migrate it once and
// make one repository.
func TestRaceStartUp(t *testing.T) {
	dir := t.TempDir()
	url := pgtest.StoreDB(t, dir) // on PostgreSQL an empty schema
	content := fileContent(t, dir, nil)
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	roots := make([]string, 4)
	errs := make([]error, 4)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if dbs[i], errs[i] = Open(ctx, url, dir, content, Options{}); errs[i] != nil {
				return
			}
			repo, err := dbs[i].EnsureRepository(ctx, "race", "Race", "", "admin")
			if err == nil {
				roots[i] = repo.RootFolderID
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			t.Cleanup(func() { db.Close() })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		if roots[i] != roots[0] {
			t.Fatalf("instances made different repositories: %v", roots)
		}
	}
	var n, m int
	if err := dbs[0].db.Get(&n, `SELECT COUNT(*) FROM repositories WHERE id = 'race'`); err != nil || n != 1 {
		t.Fatalf("%d repositories (%v)", n, err)
	}
	files, _ := migrations.ReadDir(dbs[0].dialect.migrationsDir())
	if err := dbs[0].db.Get(&m, `SELECT COUNT(*) FROM schema_migrations`); err != nil || m != len(files) {
		t.Fatalf("%d migrations recorded for %d files (%v)", m, len(files), err)
	}
}

// A user's write permission is revoked while the user writes, the check
// and the write in one transaction as the services run them: either the
// write is refused, or it went through before the revocation (its event
// comes first in the change log). Never checked before and written after.
func TestRaceRevokeAndWrite(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	bob := &cmis.Access{Principals: []string{"bob", cmis.PrincipalAnyone}}
	grant := []cmis.ACE{{Principal: "bob", Permission: cmis.PermWrite}}
	refused := cmis.Errorf(cmis.ErrPermissionDenied, "bob may not write")
	for round := range raceRounds {
		d := mustCreate(t, db, document(repo, fmt.Sprint("d", round)), repo.RootFolderID, nil)
		if _, err := db.ApplyACL(ctx, repo.ID, d.ID, grant, nil, false, "admin"); err != nil {
			t.Fatal(err)
		}
		errs := raceWriters(func(w int) error {
			if w == 0 {
				_, err := db.ApplyACL(ctx, repo.ID, d.ID, nil, grant, false, "admin")
				return err
			}
			return db.Write(ctx, func(ctx context.Context) error {
				_, lv, err := db.ObjectAs(ctx, repo.ID, d.ID, bob) // the check of services' readable
				if err != nil {
					return err
				}
				if lv < cmis.CanWrite {
					return refused
				}
				time.Sleep(20 * time.Millisecond) // a slow request: the revocation has time to land
				desc := "by bob"
				pdesc := &desc
				_, err = db.UpdateObject(ctx, repo.ID, d.ID, nil, cmis.Change{Description: &pdesc}, "bob")
				return err
			})
		})
		if errs[0] != nil || (errs[1] != nil && errs[1] != refused) {
			t.Fatalf("round %d: %v", round, errs)
		}
		if errs[1] != nil {
			continue
		}
		events, _, _, err := db.ContentChanges(ctx, repo.ID, nil, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var updated, revoked int64
		for _, e := range events {
			if e.ObjectID == d.ID && e.ChangeType == changeUpdated {
				updated = e.Token
			}
			if e.ObjectID == d.ID && e.ChangeType == changeSecurity {
				revoked = e.Token // the last one: the revocation
			}
		}
		if updated > revoked {
			t.Fatalf("round %d: bob's write (event %d) came after the revocation (event %d) it was checked before", round, updated, revoked)
		}
	}
}

// Many writers create folders in one folder at once, half of them under
// one name: on SQLite they share commits (groupcommit.go), so the ones
// that fail on the taken name roll back inside a transaction that others'
// folders commit in. Exactly one of the same-named succeeds, every other
// folder is there, and nothing of a failed one is.
func TestRaceCreatesSameName(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	parent := mustCreate(t, db, folder(repo, "many"), repo.RootFolderID, nil)
	const writers = 12
	for round := range raceRounds {
		dup := fmt.Sprint("dup", round)
		errs := raceWritersN(writers, func(w int) error {
			name := dup
			if w >= writers/2 {
				name = fmt.Sprint("u", round, "-", w)
			}
			_, err := db.CreateObject(ctx, folder(repo, name), parent.ID, nil, nil, nil)
			return err
		})
		won := 0
		for w, err := range errs {
			switch {
			case w >= writers/2 && err != nil:
				t.Fatalf("round %d: writer %d (a name of its own): %v", round, w, err)
			case w < writers/2 && err == nil:
				won++
			case w < writers/2 && cmis.ErrorTypeOf(err) == "":
				t.Fatalf("round %d: writer %d lost with %v, want a CMIS fault", round, w, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of %d writers created %q, want 1", round, won, writers/2, dup)
		}
		var filed int
		if err := db.db.Get(&filed, `SELECT COUNT(*) FROM containment WHERE parent_id = ? AND (name = ? OR name LIKE ?)`, parent.ID, dup, fmt.Sprint("u", round, "-%")); err != nil {
			t.Fatal(err)
		}
		if want := 1 + writers/2; filed != want {
			t.Fatalf("round %d: %d folders filed, want %d", round, filed, want)
		}
		checkTree(t, db, repo.ID, round) // and no folder of a failed write left filed nowhere
	}
	if w, c, ok := db.CommitStats(); ok {
		t.Logf("%d writes in %d commits", w, c)
		if c >= w {
			t.Errorf("%d writes in %d commits: no write shared a commit, the race proved nothing of it", w, c)
		}
	}
}
