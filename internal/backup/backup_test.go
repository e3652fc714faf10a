package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/storage"
)

// store makes a store with documents a, b and c, and returns it with
// their ids.
func store(t *testing.T) (string, *storage.DB, *filecontent.Store, map[string]string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := storetest.OpenIn(t, dir)
	content, err := filecontent.Open(filepath.Join(dir, datadir.Content))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := db.EnsureRepository(ctx, "default", "test", "", cmis.AdminUser)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, name := range []string{"a", "b", "c"} {
		o, err := db.CreateObject(ctx, &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:document", BaseTypeID: cmis.BaseDocument,
			Name: name, CreatedBy: cmis.AdminUser, LastModifiedBy: cmis.AdminUser},
			repo.RootFolderID, &cmis.ContentStream{Reader: strings.NewReader("content of " + name)}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = o.ID
	}
	return repo.ID, db, content, ids
}

// deleteAfterSnapshot deletes a document right after the first snapshot:
// the stream that snapshot references is gone from the live store.
type deleteAfterSnapshot struct {
	*storage.DB
	t        *testing.T
	repo, id string
	done     bool
}

func (d *deleteAfterSnapshot) Snapshot(ctx context.Context, path string) error {
	if err := d.DB.Snapshot(ctx, path); err != nil {
		return err
	}
	if !d.done {
		d.done = true
		if err := d.DB.DeleteObject(ctx, d.repo, d.id, cmis.Permit{}); err != nil {
			d.t.Fatal(err)
		}
	}
	return nil
}

// A stream deleted after the snapshot makes the backup take another;
// the backup restores to the store as it was then, and a damaged backup
// does not restore.
func TestBackupRoundsAndRestore(t *testing.T) {
	ctx := context.Background()
	repo, db, content, ids := store(t)
	dest := filepath.Join(t.TempDir(), "backup")
	var logged []string
	m, err := Backup(ctx, &deleteAfterSnapshot{DB: db, t: t, repo: repo, id: ids["b"]}, content, dest, "test",
		func(s string) { logged = append(logged, s) })
	if err != nil {
		t.Fatal(err)
	}
	if m.Rounds != 2 || m.ContentStreams != 2 || len(logged) != 1 || !strings.Contains(logged[0], "1 content streams were replaced or deleted") {
		t.Fatalf("manifest %+v, log %q: want 2 rounds and 2 streams", m, logged)
	}
	if _, err := Backup(ctx, db, content, dest, "test", nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a backup into a used directory: %v", err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if _, err := Restore(ctx, dest, restored); err != nil {
		t.Fatal(err)
	}
	rdb := storetest.OpenIn(t, restored)
	for name, id := range ids {
		o, err := rdb.Object(ctx, repo, id)
		if name == "b" {
			if cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
				t.Errorf("b, deleted before the backup's snapshot: %v", err)
			}
			continue
		}
		if err != nil || o.Content == nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	// Damage: a content file of the backup, then its database.
	var file string
	filepath.WalkDir(filepath.Join(dest, datadir.Content), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) != "tmp" {
			file = p
		}
		return err
	})
	good, _ := os.ReadFile(file)
	os.WriteFile(file, append([]byte("X"), good[1:]...), 0o600)
	again := filepath.Join(t.TempDir(), "again")
	if _, err := Restore(ctx, dest, again); err == nil || !strings.Contains(err.Error(), "the backup is damaged") {
		t.Fatalf("restore of a damaged stream: %v", err)
	}
	if left, _ := os.ReadDir(again); len(left) != 0 {
		t.Fatalf("a failed restore left %v", left)
	}
	os.WriteFile(file, good, 0o600)
	f, _ := os.OpenFile(filepath.Join(dest, storage.DatabaseFile), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{0})
	f.Close()
	if _, err := Restore(ctx, dest, again); err == nil || !strings.Contains(err.Error(), "manifest says") {
		t.Fatalf("restore of a changed database: %v", err)
	}
	os.Remove(filepath.Join(dest, ManifestFile))
	if _, err := Restore(ctx, dest, again); err == nil || !strings.Contains(err.Error(), "not a complete backup") {
		t.Fatalf("restore without a manifest: %v", err)
	}
}

// A stream the live database references but whose file is gone is
// damage, not a race: the backup stops and says so.
func TestBackupRefusesDamagedStore(t *testing.T) {
	_, db, content, _ := store(t)
	var removed bool
	content.Candidates(context.Background(), farFuture, func(id string) error {
		if !removed {
			removed = content.Remove(context.Background(), id) == nil
		}
		return nil
	})
	_, err := Backup(context.Background(), db, content, t.TempDir(), "test", nil)
	if err == nil || !strings.Contains(err.Error(), "referenced but its file is missing") {
		t.Fatalf("backup of a store missing a file: %v", err)
	}
}

var farFuture = time.Now().Add(24 * time.Hour)
