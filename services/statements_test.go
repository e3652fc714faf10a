package services

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// readOp is one of the read operations of issue #10's benchmark, as the
// services run it (its transaction included), with its answer.
type readOp struct {
	name string
	run  func(ctx context.Context) (interface{ WriteBody(*xsd.Writer) }, error)
}

// readData is the benchmark's data set: a folder of n documents.
type readData struct {
	folder, docID, docName string
	n                      int
}

func newReadData(tb testing.TB, f *fixture, n int) readData {
	tb.Helper()
	d := readData{folder: f.folderTB(tb, f.root, "data"), n: n}
	body := strings.Repeat("x", 1024)
	for i := range n {
		d.docName = fmt.Sprintf("doc-%04d", i)
		d.docID = f.doc(tb, d.folder, d.docName, body)
	}
	return d
}

func readOps(f *fixture, d readData) []readOp {
	type body = interface{ WriteBody(*xsd.Writer) }
	return []readOp{
		{"getObject", func(ctx context.Context) (body, error) {
			return f.ports.Object.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: d.docID, Filter: ptr("*")})
		}},
		{"getProperties", func(ctx context.Context) (body, error) {
			return f.ports.Object.GetPropertiesContext(ctx, &generated.GetProperties{RepositoryId: repo, ObjectId: d.docID, Filter: ptr("*")})
		}},
		{"getObjectByPath", func(ctx context.Context) (body, error) {
			return f.ports.Object.GetObjectByPathContext(ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/data/" + d.docName, Filter: ptr("*")})
		}},
		{"getChildren", func(ctx context.Context) (body, error) {
			r, err := f.ports.Navigation.GetChildrenContext(ctx, &generated.GetChildren{RepositoryId: repo, FolderId: d.folder, Filter: ptr("*"),
				MaxItems: ptr(int64(100))})
			if err == nil && len(r.Objects.Objects) != min(d.n, 100) {
				err = fmt.Errorf("%d children", len(r.Objects.Objects))
			}
			return r, err
		}},
		{"query", func(ctx context.Context) (body, error) {
			r, err := f.ports.Discovery.QueryContext(ctx, &generated.Query{RepositoryId: repo,
				Statement: "SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('" + d.folder + "') AND cmis:name = '" + d.docName + "'"})
			if err == nil && len(r.Objects.Objects) != 1 {
				err = fmt.Errorf("%d rows", len(r.Objects.Objects))
			}
			return r, err
		}},
		{"getRepositoryInfo", func(ctx context.Context) (body, error) {
			return f.ports.Repository.GetRepositoryInfoContext(ctx, &generated.GetRepositoryInfo{RepositoryId: repo})
		}},
	}
}

// TestStatementsPerOperation holds the read operations to the statements
// they send to the database, on both engines, so that a statement added
// per request, or one per object of a listing, fails here and not only in
// a benchmark. The request's BEGIN and ROLLBACK are not counted; the cache
// generation read is (one per request, for all the caches), the
// credential's is not (the server reads it, in the same snapshot). Nor may
// SQLite prepare a statement again once the caches are warm (see
// storage.DB.Reprepared).
func TestStatementsPerOperation(t *testing.T) {
	f := newFixture(t)
	d := newReadData(t, f, 20)
	limit := map[string]int64{"getObject": 2, "getProperties": 2, "getObjectByPath": 2, "getChildren": 5, "query": 3,
		"getRepositoryInfo": 2, "getContentStream": 2, // the object is read once, for its check and its content
		"getObject with allowableActions": 4,  // the level comes with the object; policies, filings
		"createFolder":                    12} // 9 as admin on SQLite, 10 as alice; a write's permission check locks first on PostgreSQL
	n, made := 0, f.folder(t, f.root, "made")
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: made,
		AddACEs: aceList("alice", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	ops := append(readOps(f, d), readOp{"createFolder", func(ctx context.Context) (interface{ WriteBody(*xsd.Writer) }, error) {
		n++
		return f.ports.Object.CreateFolderContext(ctx, &generated.CreateFolder{RepositoryId: repo, FolderId: made,
			Properties: props("cmis:folder", fmt.Sprint("new-", n))})
	}}, readOp{"getContentStream", func(ctx context.Context) (interface{ WriteBody(*xsd.Writer) }, error) {
		r, err := f.ports.Object.GetContentStreamContext(ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: d.docID})
		if err == nil {
			err = r.ContentStream.Stream.Reader.(io.Closer).Close()
		}
		return r, err
	}}, readOp{"getObject with allowableActions", func(ctx context.Context) (interface{ WriteBody(*xsd.Writer) }, error) {
		r, err := f.ports.Object.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: d.docID, Filter: ptr("*"),
			IncludeAllowableActions: ptr(true)})
		if err == nil && r.Object.AllowableActions == nil {
			err = fmt.Errorf("no allowable actions")
		}
		return r, err
	}})
	user := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "alice", Groups: []string{"staff"}})
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"admin", f.ctx}, {"alice", user}} {
		for _, op := range ops {
			if _, err := op.run(who.ctx); err != nil { // fills the caches
				t.Fatalf("%s as %s: %v", op.name, who.name, err)
			}
			before, prepared := f.store.Statements(), f.store.Reprepared()
			if _, err := op.run(who.ctx); err != nil {
				t.Fatalf("%s as %s: %v", op.name, who.name, err)
			}
			n := f.store.Statements() - before
			t.Logf("%s as %s: %d statements", op.name, who.name, n)
			if n > limit[op.name] {
				t.Errorf("%s as %s: %d statements, want at most %d", op.name, who.name, n, limit[op.name])
			}
			if n := f.store.Reprepared() - prepared; n > 0 {
				t.Errorf("%s as %s: SQLite prepared %d of its statements again", op.name, who.name, n)
			}
		}
	}
}

// BenchmarkReadOps runs issue #10's read operations on its data set (100
// documents of 1 KiB) through the services and writes each answer, as
// the administrator the benchmark logs in as: what a request costs below
// the SOAP envelope.
//
//	go test ./services -run '^$' -bench ReadOps -benchmem
func BenchmarkReadOps(b *testing.B) {
	f := newFixtureTB(b)
	d := newReadData(b, f, 100)
	w := xsd.NewWriter(make([]byte, 0, 1<<20))
	for _, op := range readOps(f, d) {
		b.Run(op.name, func(b *testing.B) {
			cpu := cputime()
			for b.Loop() {
				r, err := op.run(f.ctx)
				if err != nil {
					b.Fatal(err)
				}
				w.Reset()
				r.WriteBody(w)
			}
			// The process's CPU time, steadier than the wall time on a
			// machine shared with other work.
			b.ReportMetric(float64(cputime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cputime is the CPU time the process has used, in nanoseconds.
func cputime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
