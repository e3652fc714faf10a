package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

func folder(repo *cmis.RepositoryInfo, name string) *cmis.Object {
	return &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:folder", BaseTypeID: cmis.BaseFolder, Name: name, CreatedBy: "alice"}
}

func document(repo *cmis.RepositoryInfo, name string) *cmis.Object {
	return &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:document", BaseTypeID: cmis.BaseDocument, Name: name,
		CreatedBy: "alice", IsLatestVersion: true, IsMajorVersion: true, IsLatestMajorVersion: true, VersionLabel: "1.0"}
}

func stream(s string) *cmis.ContentStream {
	return &cmis.ContentStream{Reader: strings.NewReader(s), MimeType: "text/plain", FileName: "f.txt"}
}

// contentFiles counts the streams in the content store (unfinished ones
// included).
func contentFiles(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	err := db.content.Candidates(context.Background(), time.Now().Add(time.Hour), func(string) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustCreate(t *testing.T, db *DB, o *cmis.Object, parent string, c *cmis.ContentStream) *cmis.Object {
	t.Helper()
	got, err := db.CreateObject(context.Background(), o, parent, c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCreateAndReadObjects(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), a.ID, nil)
	doc := document(repo, "note.txt")
	doc.Properties = map[string][]cmis.Value{"x:tags": {"one", "two"}, "x:n": {int64(7)}, "x:when": {time.UnixMilli(1700000000123).UTC()}}
	d := mustCreate(t, db, doc, b.ID, stream("hello"))

	if a.Path != "/a" || b.Path != "/a/b" || b.ParentID != a.ID || a.ParentID != repo.RootFolderID {
		t.Fatalf("paths: %q %q, parents %q %q", a.Path, b.Path, b.ParentID, a.ParentID)
	}
	if d.Content == nil || d.Content.Length != 5 || d.Content.MimeType != "text/plain" ||
		d.Content.SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Fatalf("content: %+v", d.Content)
	}
	if d.VersionSeriesID == "" || d.ChangeToken != 1 || d.Path != "" {
		t.Fatalf("document: %+v", d)
	}
	if got := d.Properties["x:tags"]; len(got) != 2 || got[1] != "two" || d.Properties["x:n"][0] != int64(7) {
		t.Fatalf("properties: %v", d.Properties)
	}
	if !d.Properties["x:when"][0].(time.Time).Equal(time.UnixMilli(1700000000123)) {
		t.Fatalf("datetime property: %v", d.Properties["x:when"])
	}
	for path, want := range map[string]string{"/": repo.RootFolderID, "/a": a.ID, "/a/b": b.ID, "/a/b/note.txt": d.ID, "/a/b/": b.ID} {
		o, err := db.ObjectByPath(ctx, repo.ID, path)
		if err != nil || o.ID != want {
			t.Fatalf("path %s: %v %v", path, o, err)
		}
	}
	for _, path := range []string{"/a/x", "/nope/note.txt", "/a/b/note.txt/more"} {
		if _, err := db.ObjectByPath(ctx, repo.ID, path); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Fatalf("path %s: %v", path, err)
		}
	}
	c, err := db.OpenContent(ctx, repo.ID, d.ID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(c)
	c.Close()
	if string(body) != "hello" {
		t.Fatalf("content bytes %q", body)
	}
	parents, err := db.Parents(ctx, repo.ID, d.ID, nil)
	if err != nil || len(parents) != 1 || parents[0].Folder.ID != b.ID || parents[0].PathSegment != "note.txt" {
		t.Fatalf("parents: %+v %v", parents, err)
	}
}

func TestNameRules(t *testing.T) {
	db, repo := openTest(t)
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	mustCreate(t, db, document(repo, "d"), a.ID, stream("1"))
	files := contentFiles(t, db)
	cases := []struct {
		name string
		o    *cmis.Object
		c    *cmis.ContentStream
	}{
		{"duplicate folder", folder(repo, "a"), nil},
		{"document named like a folder", document(repo, "a"), stream("x")},
	}
	for _, c := range cases {
		_, err := db.CreateObject(context.Background(), c.o, repo.RootFolderID, c.c, nil, nil)
		if cmis.ErrorTypeOf(err) != cmis.ErrNameConstraintViolation {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	if _, err := db.CreateObject(context.Background(), document(repo, "d"), a.ID, stream("2"), nil, nil); cmis.ErrorTypeOf(err) != cmis.ErrNameConstraintViolation {
		t.Fatalf("duplicate document: %v", err)
	}
	if n := contentFiles(t, db); n != files {
		t.Fatalf("a refused upload left content behind: %d files, had %d", n, files)
	}
}

func TestChildrenPagingAndOrder(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	for _, n := range []string{"c", "a", "e", "b", "d"} {
		mustCreate(t, db, document(repo, n), f.ID, nil)
	}
	mustCreate(t, db, folder(repo, "sub"), f.ID, nil)
	var names []string
	for skip := int64(0); skip < 8; skip += 2 {
		page, total, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: cmis.Page{MaxItems: 2, SkipCount: skip}})
		if err != nil || total.Total != 6 {
			t.Fatalf("skip %d: total %d %v", skip, total.Total, err)
		}
		for _, o := range page {
			names = append(names, o.Name)
		}
	}
	if strings.Join(names, ",") != "a,b,c,d,e,sub" {
		t.Fatalf("pages: %v", names)
	}
	desc, _, _ := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: cmis.Page{MaxItems: -1},
		OrderBy: []cmis.Order{{PropertyID: cmis.PropName, Descending: true}}})
	if desc[0].Name != "sub" || desc[5].Name != "a" {
		t.Fatalf("descending: %s..%s", desc[0].Name, desc[5].Name)
	}
	only, total, _ := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: cmis.Page{MaxItems: -1}, FoldersOnly: true})
	if total.Total != 1 || only[0].Name != "sub" {
		t.Fatalf("folders only: %d", total.Total)
	}
	if _, _, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: desc[1].ID}); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("children of a document: %v", err)
	}
}

func TestRenameAndMoveKeepPaths(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), a.ID, nil)
	c := mustCreate(t, db, folder(repo, "c"), b.ID, nil)
	other := mustCreate(t, db, folder(repo, "ab"), repo.RootFolderID, nil) // shares the prefix "/a"
	name := "z"
	if _, err := db.UpdateObject(ctx, repo.ID, a.ID, nil, cmis.Change{Name: &name}, "bob"); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.Object(ctx, repo.ID, c.ID); o.Path != "/z/b/c" {
		t.Fatalf("after rename: %s", o.Path)
	}
	if o, _ := db.Object(ctx, repo.ID, other.ID); o.Path != "/ab" {
		t.Fatalf("rename touched a sibling with a common prefix: %s", o.Path)
	}
	if _, err := db.MoveObject(ctx, repo.ID, a.ID, repo.RootFolderID, c.ID, "bob"); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("move into own subtree: %v", err)
	}
	if _, err := db.MoveObject(ctx, repo.ID, b.ID, other.ID, repo.RootFolderID, "bob"); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("move from a folder it is not in: %v", err)
	}
	if _, err := db.MoveObject(ctx, repo.ID, b.ID, a.ID, other.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.Object(ctx, repo.ID, c.ID); o.Path != "/ab/b/c" {
		t.Fatalf("after move: %s", o.Path)
	}
	if o, _ := db.ObjectByPath(ctx, repo.ID, "/ab/b/c"); o == nil || o.ID != c.ID {
		t.Fatal("moved folder not found by path")
	}
}

func TestChangeTokens(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	d := mustCreate(t, db, document(repo, "d"), repo.RootFolderID, stream("a"))
	tok := d.ChangeToken
	name := "e"
	d2, err := db.UpdateObject(ctx, repo.ID, d.ID, &tok, cmis.Change{Name: &name}, "bob")
	if err != nil || d2.ChangeToken != tok+1 || d2.LastModifiedBy != "bob" {
		t.Fatalf("update: %+v %v", d2, err)
	}
	if _, err := db.UpdateObject(ctx, repo.ID, d.ID, &tok, cmis.Change{Name: &name}, "bob"); cmis.ErrorTypeOf(err) != cmis.ErrUpdateConflict {
		t.Fatalf("stale token on update: %v", err)
	}
	if _, err := db.SetContent(ctx, repo.ID, d.ID, &tok, stream("b"), true, false, "bob"); cmis.ErrorTypeOf(err) != cmis.ErrUpdateConflict {
		t.Fatalf("stale token on setContent: %v", err)
	}
	if o, _ := db.Object(ctx, repo.ID, d.ID); o.Name != "e" || o.Content.Length != 1 {
		t.Fatalf("a refused change changed something: %+v", o)
	}
}

func TestContentLifecycle(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	d := mustCreate(t, db, document(repo, "d"), repo.RootFolderID, stream("abc"))
	if _, err := db.SetContent(ctx, repo.ID, d.ID, nil, stream("x"), false, false, "bob"); cmis.ErrorTypeOf(err) != cmis.ErrContentAlreadyExists {
		t.Fatalf("overwrite=false: %v", err)
	}
	d, err := db.SetContent(ctx, repo.ID, d.ID, nil, stream("def"), false, true, "bob")
	if err != nil || d.Content.Length != 6 {
		t.Fatalf("append: %+v %v", d, err)
	}
	c, _ := db.OpenContent(ctx, repo.ID, d.ID, 0, -1)
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "abcdef" {
		t.Fatalf("appended content %q", b)
	}
	if n := contentFiles(t, db); n != 1 {
		t.Fatalf("replaced content not removed: %d files", n)
	}
	d, err = db.DeleteContent(ctx, repo.ID, d.ID, nil, "bob")
	if err != nil || d.Content != nil {
		t.Fatalf("delete content: %+v %v", d, err)
	}
	if _, err := db.OpenContent(ctx, repo.ID, d.ID, 0, -1); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("content of a document without: %v", err)
	}
	if n := contentFiles(t, db); n != 0 {
		t.Fatalf("deleted content left %d files", n)
	}
}

func TestDeleteRules(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), a.ID, nil)
	d := mustCreate(t, db, document(repo, "d"), b.ID, stream("x"))
	mustCreate(t, db, document(repo, "e"), a.ID, stream("y"))
	keep := mustCreate(t, db, folder(repo, "a-sibling"), repo.RootFolderID, nil)
	if err := db.DeleteObject(ctx, repo.ID, a.ID, cmis.Permit{}); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("delete non-empty folder: %v", err)
	}
	if err := db.DeleteObject(ctx, repo.ID, repo.RootFolderID, cmis.Permit{}); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("delete root: %v", err)
	}
	if _, err := db.DeleteTree(ctx, repo.ID, repo.RootFolderID, cmis.UnfileDelete, false, cmis.Permit{}); cmis.ErrorTypeOf(err) != cmis.ErrConstraint {
		t.Fatalf("delete tree at root: %v", err)
	}
	failed, err := db.DeleteTree(ctx, repo.ID, a.ID, cmis.UnfileDelete, false, cmis.Permit{})
	if err != nil || len(failed) != 0 {
		t.Fatalf("delete tree: %v %v", failed, err)
	}
	for _, id := range []string{a.ID, b.ID, d.ID} {
		if _, err := db.Object(ctx, repo.ID, id); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Fatalf("%s survived deleteTree: %v", id, err)
		}
	}
	if _, err := db.Object(ctx, repo.ID, keep.ID); err != nil {
		t.Fatalf("deleteTree removed a sibling: %v", err)
	}
	if n := contentFiles(t, db); n != 0 {
		t.Fatalf("deleteTree left %d content files", n)
	}
}

func TestSweepRemovesOrphans(t *testing.T) {
	dir := t.TempDir()
	db, repo := openIn(t, dir, nil)
	ctx := context.Background()
	d := mustCreate(t, db, document(repo, "d"), repo.RootFolderID, stream("kept"))
	// What a crash leaves: a half-written temporary file, and a complete
	// stream whose transaction never committed.
	os.WriteFile(filepath.Join(dir, "content", "tmp", "upload-123"), []byte("half"), 0o600)
	st, err := db.content.Put(ctx, bytes.NewReader([]byte("never committed")))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.SweepContent(ctx, time.Hour); n != 0 {
		t.Fatalf("sweep removed %d young files", n)
	}
	n, err := db.SweepContent(ctx, 0)
	if err != nil || n != 2 {
		t.Fatalf("sweep removed %d, want 2: %v", n, err)
	}
	if r, err := db.content.Open(ctx, st.ID, 0, -1); err == nil {
		r.Close()
		t.Fatal("orphan still there")
	}
	c, err := db.OpenContent(ctx, repo.ID, d.ID, 0, -1)
	if err != nil {
		t.Fatalf("sweep removed referenced content: %v", err)
	}
	c.Close()
}

// The sweep checks streams in batches: orphans on both sides of a batch
// boundary go, referenced content stays. The streams are in memory here:
// the sweep is the store's, whatever keeps the bytes.
func TestSweepAcrossBatches(t *testing.T) {
	mem := newMemContent()
	db, repo := openIn(t, t.TempDir(), mem)
	ctx := context.Background()
	var kept []*cmis.Object
	for i := 0; i < 3; i++ {
		kept = append(kept, mustCreate(t, db, document(repo, fmt.Sprintf("d%d", i)), repo.RootFolderID, stream("kept")))
	}
	for i := 0; i < sweepBatch+37; i++ {
		if _, err := mem.Put(ctx, strings.NewReader("orphan")); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.SweepContent(ctx, 0)
	if err != nil || n != sweepBatch+37 {
		t.Fatalf("removed %d, want %d: %v", n, sweepBatch+37, err)
	}
	if len(mem.streams) != len(kept) {
		t.Errorf("%d streams left, want the %d referenced", len(mem.streams), len(kept))
	}
	for _, o := range kept {
		c, err := db.OpenContent(ctx, repo.ID, o.ID, 0, -1)
		if err != nil {
			t.Fatalf("referenced content swept: %v", err)
		}
		c.Close()
	}
}
