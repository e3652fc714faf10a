package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/loadgen"
	"github.com/cmisd/cmisd/internal/storetest"
)

// write is one acknowledged write of the writer: document name and the
// SHA-256 of the content it gave that document.
type write struct{ doc, sha string }

// writer creates documents and replaces their content over SOAP, one
// write at a time, and keeps the acknowledged writes in their order: the
// order of their commits.
type writer struct {
	c    *loadgen.Client
	ids  map[string]string // document name → object id
	mu   sync.Mutex
	done []write
}

func newWriter(c *loadgen.Client) *writer { return &writer{c: c, ids: map[string]string{}} }

func (w *writer) count() int { w.mu.Lock(); defer w.mu.Unlock(); return len(w.done) }

// step makes write number n: a new document for even n (and while there
// are few), else new content for an existing one.
func (w *writer) step(ctx context.Context, n int) error {
	content := make([]byte, 1024+mrand.IntN(32<<10))
	rand.Read(content)
	copy(content, fmt.Sprintf("write %d\n", n)) // every write's content differs
	sum := sha256.Sum256(content)
	const cid = "content@backup-test"
	var doc string
	if n%2 == 0 || len(w.ids) < 5 {
		doc = fmt.Sprintf("doc-%04d.bin", n)
		id, err := w.c.CreateDocument(ctx, w.c.Root, doc, "application/octet-stream", content)
		if err != nil {
			return err
		}
		w.ids[doc] = id
	} else {
		doc = fmt.Sprintf("doc-%04d.bin", 2*mrand.IntN(len(w.ids)))
		if _, ok := w.ids[doc]; !ok {
			for doc = range w.ids {
				break
			}
		}
		body := `<cmism:setContentStream><cmism:repositoryId>` + w.c.Repo + `</cmism:repositoryId><cmism:objectId>` + w.ids[doc] +
			`</cmism:objectId><cmism:overwriteFlag>true</cmism:overwriteFlag><cmism:contentStream><cmism:length>` + fmt.Sprint(len(content)) +
			`</cmism:length><cmism:mimeType>application/octet-stream</cmism:mimeType><cmism:stream>` + loadgen.Include(cid) +
			`</cmism:stream></cmism:contentStream></cmism:setContentStream>`
		if _, err := w.c.Call(ctx, "ObjectService", "setContentStream", body, loadgen.Part{ContentID: cid, Data: content}); err != nil {
			return err
		}
	}
	w.mu.Lock()
	w.done = append(w.done, write{doc, hex.EncodeToString(sum[:])})
	w.mu.Unlock()
	return nil
}

// writes makes n writes, numbered from from.
func (w *writer) writes(t *testing.T, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := w.step(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
}

// background makes writes numbered from from on until stop is called;
// stop returns the first error.
func (w *writer) background(from int) (stop func() error) {
	quit, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for n := from; ; n++ {
			select {
			case <-quit:
				done <- nil
				return
			default:
			}
			if err := w.step(context.Background(), n); err != nil {
				done <- err
				return
			}
		}
	}()
	return func() error { close(quit); return <-done }
}

// stateAfter is what the documents hold after the first n writes.
func (w *writer) stateAfter(n int) map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := map[string]string{}
	for _, wr := range w.done[:n] {
		s[wr.doc] = wr.sha
	}
	return s
}

// index is the number of the write that gave content sha, or -1.
func (w *writer) index(sha string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, wr := range w.done {
		if wr.sha == sha {
			return i
		}
	}
	return -1
}

// A backup taken while documents are created and their content replaced
// restores to the repository as it was after one write: every document
// and content stream of the writes up to it, none of the later ones,
// each content intact. cmisd check finds nothing wrong with it.
func TestBackupUnderWriteLoad(t *testing.T) {
	data, dest, restored := t.TempDir(), filepath.Join(t.TempDir(), "backup"), filepath.Join(t.TempDir(), "restored")
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword)
	w := newWriter(adminClient(t, srv.addr))
	w.writes(t, 0, 200) // enough content that the copy takes a while
	stop := w.background(200)
	time.Sleep(200 * time.Millisecond)
	before := w.count()
	out, code := run(t, nil, "", "backup", "--data", data, "--to", dest)
	during := w.count() - before
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	if during == 0 {
		t.Fatal("no write was acknowledged while the backup ran: it did not run under load")
	}
	t.Logf("%d writes before the backup, %d while it ran, %d in all\n%s", before, during, w.count(), out)

	if out, code := run(t, nil, "", "restore", "--from", dest, "--data", data); code != 1 || !strings.Contains(out, "not empty") {
		t.Fatalf("restore into a used data directory: exit %d\n%s", code, out)
	}
	if out, code := run(t, nil, "", "restore", "--from", dest, "--data", restored); code != 0 {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	if out, code := run(t, nil, "", "check", "--data", restored); code != 0 || !strings.Contains(out, ": 0 findings") {
		t.Fatalf("check of the restored store: exit %d\n%s", code, out)
	}

	got := restoredDocuments(t, restored)
	last := -1
	for doc, sha := range got {
		i := w.index(sha)
		if i < 0 {
			t.Fatalf("%s holds content no write gave it", doc)
		}
		last = max(last, i)
	}
	want := w.stateAfter(last + 1)
	if len(got) != len(want) {
		t.Errorf("restored %d documents; after write %d there were %d", len(got), last, len(want))
	}
	for doc, sha := range want {
		if got[doc] != sha {
			t.Errorf("%s: restored content %.12s, after write %d it was %.12s", doc, got[doc], last, sha)
		}
	}
	t.Logf("the backup is the repository after write %d of %d", last, w.count())
}

// restoredDocuments reads every document of the root folder of the store
// in dir, with the SHA-256 of its content read whole (which must be its
// row's).
func restoredDocuments(t *testing.T, dir string) map[string]string {
	t.Helper()
	ctx := context.Background()
	db := storetest.OpenIn(t, dir)
	repos, err := db.Repositories(ctx)
	if err != nil || len(repos) != 1 {
		t.Fatalf("repositories %v: %v", repos, err)
	}
	repo := repos[0]
	children, _, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: repo.RootFolderID, Page: cmis.AllItems})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range children {
		if o.Content == nil {
			t.Fatalf("%s has no content", o.Name)
		}
		r, err := db.OpenContent(ctx, repo.ID, o.ID, 0, -1)
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, r)
		r.Close()
		if sum := hex.EncodeToString(h.Sum(nil)); err != nil || sum != o.Content.SHA256 {
			t.Fatalf("%s: content reads as %s (%v), its row says %s", o.Name, sum, err, o.Content.SHA256)
		}
		out[o.Name] = o.Content.SHA256
	}
	return out
}
