package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

var errAbandon = errors.New("abandoned on purpose")

// A Read sees one snapshot: what another connection commits meanwhile is
// not in it.
func TestReadIsOneSnapshot(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	err := db.Read(ctx, func(ctx context.Context) error {
		before, err := db.Object(ctx, repo.ID, a.ID)
		if err != nil {
			return err
		}
		// A commit through another transaction, while the snapshot is open.
		if _, err := db.UpdateObject(context.Background(), repo.ID, a.ID, nil, cmis.Change{Name: ptr("renamed")}, "bob"); err != nil {
			return err
		}
		again, err := db.Object(ctx, repo.ID, a.ID)
		if err != nil {
			return err
		}
		if before.Name != "a" || again.Name != "a" {
			t.Errorf("inside one Read the name went %q -> %q", before.Name, again.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := db.Object(ctx, repo.ID, a.ID); o.Name != "renamed" {
		t.Fatalf("after the Read: %q", o.Name)
	}
}

// A Write that does not commit leaves nothing: no row, no content stream
// (staged before it or inside it); one that commits keeps what it
// references and removes what it staged but did not use.
func TestWriteCommitsOrLeavesNothing(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	files := contentFiles(t, db)

	for _, staged := range []bool{true, false} {
		c := stream("abandoned content")
		wctx := ctx
		if staged {
			var err error
			if wctx, err = db.Stage(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
		}
		err := db.Write(wctx, func(ctx context.Context) error {
			if _, err := db.CreateObject(ctx, document(repo, "gone.txt"), repo.RootFolderID, c, nil, nil); err != nil {
				return err
			}
			return errAbandon
		})
		if !errors.Is(err, errAbandon) {
			t.Fatalf("staged %v: Write = %v", staged, err)
		}
		if _, err := db.ObjectByPath(ctx, repo.ID, "/gone.txt"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Fatalf("staged %v: the document of a rolled-back Write exists (%v)", staged, err)
		}
		if n := contentFiles(t, db); n != files {
			t.Fatalf("staged %v: %d content streams after the rollback, want %d", staged, n, files)
		}
	}

	// Staged and referenced: kept. Staged and not referenced: removed.
	used, unused := stream("kept"), stream("never referenced")
	wctx, err := db.Stage(ctx, used, nil)
	if err != nil {
		t.Fatal(err)
	}
	if wctx, err = db.Stage(wctx, unused, nil); err != nil {
		t.Fatal(err)
	}
	var d *cmis.Object
	err = db.Write(wctx, func(ctx context.Context) (err error) {
		d, err = db.CreateObject(ctx, document(repo, "kept.txt"), repo.RootFolderID, used, nil, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := contentFiles(t, db); n != files+1 {
		t.Fatalf("%d content streams, want %d (one kept, one removed)", n, files+1)
	}
	c, err := db.OpenContent(ctx, repo.ID, d.ID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c.Info.Length != int64(len("kept")) {
		t.Fatalf("kept content: %+v", c.Info)
	}
}

// Content a write replaces goes only once the write commits: a rollback
// keeps the old content readable.
func TestReplacedContentGoesAfterCommit(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	d := mustCreate(t, db, document(repo, "d.txt"), repo.RootFolderID, stream("old content"))
	err := db.Write(ctx, func(ctx context.Context) error {
		if _, err := db.SetContent(ctx, repo.ID, d.ID, nil, stream("new content"), true, false, "alice"); err != nil {
			return err
		}
		return errAbandon
	})
	if !errors.Is(err, errAbandon) {
		t.Fatal(err)
	}
	c, err := db.OpenContent(ctx, repo.ID, d.ID, 0, -1)
	if err != nil {
		t.Fatalf("the old content went with a rolled-back write: %v", err)
	}
	c.Close()
	if n := contentFiles(t, db); n != 1 {
		t.Fatalf("%d content streams after the rollback, want the old one only", n)
	}
	if err := db.Write(ctx, func(ctx context.Context) error {
		_, err := db.SetContent(ctx, repo.ID, d.ID, nil, stream("new content"), true, false, "alice")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := contentFiles(t, db); n != 1 {
		t.Fatalf("%d content streams after the commit, want the new one only", n)
	}
}

// An append staged on the content a document had when it was read fails
// with updateConflict if the content changed before the write.
func TestStagedAppendSeesAChange(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	d := mustCreate(t, db, document(repo, "d.txt"), repo.RootFolderID, stream("one"))
	more := stream(" two")
	wctx, err := db.Stage(ctx, more, d.Content)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetContent(ctx, repo.ID, d.ID, nil, stream("replaced"), true, false, "bob"); err != nil {
		t.Fatal(err)
	}
	err = db.Write(wctx, func(ctx context.Context) error {
		_, err := db.SetContent(ctx, repo.ID, d.ID, nil, more, true, true, "alice")
		return err
	})
	if cmis.ErrorTypeOf(err) != cmis.ErrUpdateConflict {
		t.Fatalf("append on changed content: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// A call inside a Read reads through the request's transaction, never
// through a second connection from the pool: with as many requests as
// connections, each would wait for one forever (getRepositoryInfo under 8
// clients did). With a pool of one connection, the Read holds it, and
// every call must still answer.
func TestReadUsesItsOwnConnection(t *testing.T) {
	db, repo := openTest(t)
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	db.db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.db.SetMaxOpenConns(8) })
	admin := &cmis.Access{Admin: true}
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"ChangeLogState", func(ctx context.Context) error { _, _, err := db.ChangeLogState(ctx, repo.ID); return err }},
		{"ContentChanges", func(ctx context.Context) error { _, _, _, err := db.ContentChanges(ctx, repo.ID, nil, 10); return err }},
		{"Repositories", func(ctx context.Context) error { _, err := db.Repositories(ctx); return err }},
		{"Filed", func(ctx context.Context) error { _, err := db.Filed(ctx, []string{a.ID}); return err }},
		{"PolicyIDs", func(ctx context.Context) error { _, err := db.PolicyIDs(ctx, []string{a.ID}, admin); return err }},
		{"TypeHasObjects", func(ctx context.Context) error { _, err := db.TypeHasObjects(ctx, repo.ID, "cmis:folder"); return err }},
		{"Levels", func(ctx context.Context) error {
			_, err := db.Levels(ctx, []string{a.ID}, &cmis.Access{Principals: []string{"bob"}})
			return err
		}},
		{"Object", func(ctx context.Context) error { _, err := db.Object(ctx, repo.ID, a.ID); return err }},
		{"ObjectAs", func(ctx context.Context) error {
			_, _, err := db.ObjectAs(ctx, repo.ID, a.ID, &cmis.Access{Principals: []string{"bob"}})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := db.Read(ctx, c.call); err != nil {
				t.Fatalf("inside a Read with a pool of one connection: %v", err)
			}
		})
	}
}

// A Read whose store calls the caches answer costs one statement, the
// cache generation's, on either engine: on SQLite the snapshot is opened
// by that statement (sqlite_snapshot.go), and an object read in it is one
// more.
func TestReadSnapshotCostsOneStatement(t *testing.T) {
	db, repo := openTest(t)
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	ctx := context.Background()
	read := func(fn func(ctx context.Context) error) int64 {
		t.Helper()
		before := db.Statements()
		if err := db.Read(ctx, fn); err != nil {
			t.Fatal(err)
		}
		return db.Statements() - before
	}
	typ := func(ctx context.Context) error { _, err := db.Type(ctx, repo.ID, "cmis:folder"); return err }
	read(typ) // fills the cache
	if n := read(typ); n != 1 {
		t.Errorf("a Read the cache answers: %d statements, want 1", n)
	}
	if n := read(func(ctx context.Context) error {
		if err := typ(ctx); err != nil {
			return err
		}
		_, _, err := db.ObjectAs(ctx, repo.ID, a.ID, &cmis.Access{Principals: []string{"bob"}})
		return err
	}); n != 2 {
		t.Errorf("a Read of one object: %d statements, want 2", n)
	}
}

// On SQLite a Read's snapshot is the one its generation statement opened
// at the start, held by that statement for the whole Read: a commit made
// before the Read's first store call is not in it either.
func TestSQLiteReadSnapshotStartsAtRead(t *testing.T) {
	db, repo := openTest(t)
	if db.Kind() != "sqlite" {
		return // PostgreSQL takes the snapshot at the Read's first statement
	}
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	err := db.Read(ctx, func(ctx context.Context) error {
		if _, err := db.UpdateObject(context.Background(), repo.ID, a.ID, nil, cmis.Change{Name: ptr("renamed")}, "bob"); err != nil {
			return err
		}
		for range 2 { // the first read's statement ends; the snapshot stays
			o, err := db.Object(ctx, repo.ID, a.ID)
			if err != nil {
				return err
			}
			if o.Name != "a" {
				t.Errorf("a commit after the Read began shows in it: %q", o.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReadBeforeWrite is Read on connections that do not map the file
// (SQLite; Read's do): its snapshot holds the same way, and the Write in
// it commits.
func TestReadBeforeWrite(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	if db.Kind() == "sqlite" {
		mapped := func(read func(context.Context, func(context.Context) error) error) (n int64) {
			t.Helper()
			if err := read(ctx, func(ctx context.Context) error {
				return scopeOf(ctx).tx.GetContext(ctx, &n, `PRAGMA mmap_size`)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := mapped(db.Read); n == 0 {
			t.Error("Read's connection maps nothing")
		}
		if n := mapped(db.ReadBeforeWrite); n != 0 {
			t.Errorf("ReadBeforeWrite's connection maps %d bytes", n)
		}
	}
	err := db.ReadBeforeWrite(ctx, func(ctx context.Context) error {
		if _, err := db.Type(ctx, repo.ID, "cmis:folder"); err != nil {
			return err
		}
		return db.Write(ctx, func(ctx context.Context) error {
			_, err := db.UpdateObject(ctx, repo.ID, a.ID, nil, cmis.Change{Name: ptr("renamed")}, "bob")
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := db.Object(ctx, repo.ID, a.ID); err != nil || o.Name != "renamed" {
		t.Fatalf("after the Write: %v %v", o, err)
	}
}
