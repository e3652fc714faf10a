package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// ContentRefs pages through every contents row, in id order.
func TestContentRefs(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	const n = 2*contentRefsPage + 7
	for i := range n {
		if _, err := db.wdb.ExecContext(ctx, `INSERT INTO contents (id, length, mime_type, sha256, created_at) VALUES (?, ?, 'x', ?, 0)`,
			fmt.Sprintf("c%05d", i), i, fmt.Sprintf("sha%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var got []cmis.ContentInfo
	if err := db.ContentRefs(ctx, func(ci cmis.ContentInfo) error { got = append(got, ci); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	for i, ci := range got {
		if ci.ID != fmt.Sprintf("c%05d", i) || ci.Length != int64(i) || ci.SHA256 != fmt.Sprintf("sha%d", i) {
			t.Fatalf("row %d: %+v", i, ci)
		}
	}
	st, err := db.Stats(ctx)
	if err != nil || st.ContentStreams != n || st.ContentBytes != int64(n*(n-1)/2) || st.Objects < 1 {
		t.Fatalf("stats %+v: %v", st, err)
	}
}

// The snapshot is a database of its own with the same rows; integrity
// checks find a row that references a missing one.
func TestSnapshotAndIntegrity(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	if lines, err := db.CheckIntegrity(ctx); err != nil || len(lines) != 0 {
		t.Fatalf("a sound store: %v %v", lines, err)
	}
	dir := t.TempDir()
	if db.Kind() == "postgres" {
		// PostgreSQL's own tools back it up; cmisd says so.
		if err := db.Snapshot(ctx, filepath.Join(dir, DatabaseFile)); cmis.ErrorTypeOf(err) != cmis.ErrNotSupported {
			t.Fatalf("snapshot of a PostgreSQL store: %v, want notSupported", err)
		}
		return
	}
	if err := db.Snapshot(ctx, filepath.Join(dir, DatabaseFile)); err != nil {
		t.Fatal(err)
	}
	snap, _ := openIn(t, dir, nil)
	if r, err := snap.Repository(ctx, repo.ID); err != nil || r.RootFolderID != repo.RootFolderID {
		t.Fatalf("the snapshot's repository: %+v %v", r, err)
	}
	if err := db.Snapshot(ctx, filepath.Join(dir, DatabaseFile)); err == nil {
		t.Fatal("a snapshot overwrote a database")
	}
	conn, err := db.wdb.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{`PRAGMA foreign_keys = OFF`,
		`UPDATE objects SET content_id = 'no-such-content' WHERE id = '` + repo.RootFolderID + `'`,
		`PRAGMA foreign_keys = ON`} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	lines, err := db.CheckIntegrity(ctx)
	if err != nil || len(lines) != 1 || !strings.Contains(lines[0], "a row of objects") || !strings.Contains(lines[0], "missing row of contents") {
		t.Fatalf("a dangling reference: %q %v", lines, err)
	}
}
