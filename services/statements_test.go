package services

import (
	"context"
	"fmt"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// TestStatementsPerOperation holds the read operations (and createFolder)
// to the statements they send to the database, on both engines, so that
// a statement added per request, or one per object of a listing, fails
// here and not only in a benchmark. The request's BEGIN and ROLLBACK (or
// COMMIT) are not counted; the cache generation read is (one per
// request, for all the caches), the credential's is not (the server
// reads it, in the same snapshot).
func TestStatementsPerOperation(t *testing.T) {
	f := newFixture(t)
	folder := f.folder(t, f.root, "data")
	var docID, docName string
	for i := range 20 {
		docName = fmt.Sprintf("doc-%02d", i)
		docID = f.doc(t, folder, docName, "some content")
	}
	user := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "alice", Groups: []string{"staff"}})
	ops := []struct {
		name string
		max  int // statements, for the administrator and for alice
		run  func(ctx context.Context) error
	}{
		{"getObject", 3, func(ctx context.Context) error {
			_, err := f.ports.Object.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: docID, Filter: ptr("*")})
			return err
		}},
		{"getProperties", 3, func(ctx context.Context) error {
			_, err := f.ports.Object.GetPropertiesContext(ctx, &generated.GetProperties{RepositoryId: repo, ObjectId: docID, Filter: ptr("*")})
			return err
		}},
		{"getObjectByPath", 3, func(ctx context.Context) error {
			_, err := f.ports.Object.GetObjectByPathContext(ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/data/" + docName, Filter: ptr("*")})
			return err
		}},
		{"getChildren", 8, func(ctx context.Context) error {
			r, err := f.ports.Navigation.GetChildrenContext(ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder, Filter: ptr("*"),
				MaxItems: ptr(int64(100))})
			if err == nil && len(r.Objects.Objects) != 20 {
				err = fmt.Errorf("%d children", len(r.Objects.Objects))
			}
			return err
		}},
		{"query", 7, func(ctx context.Context) error {
			r, err := f.ports.Discovery.QueryContext(ctx, &generated.Query{RepositoryId: repo,
				Statement: "SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('" + folder + "') AND cmis:name = '" + docName + "'"})
			if err == nil && len(r.Objects.Objects) != 1 {
				err = fmt.Errorf("%d rows", len(r.Objects.Objects))
			}
			return err
		}},
		{"getRepositoryInfo", 2, func(ctx context.Context) error {
			_, err := f.ports.Repository.GetRepositoryInfoContext(ctx, &generated.GetRepositoryInfo{RepositoryId: repo})
			return err
		}},
	}
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"admin", f.ctx}, {"alice", user}} {
		for _, op := range ops {
			if err := op.run(who.ctx); err != nil { // fills the caches
				t.Fatalf("%s as %s: %v", op.name, who.name, err)
			}
			before := f.store.Statements()
			if err := op.run(who.ctx); err != nil {
				t.Fatalf("%s as %s: %v", op.name, who.name, err)
			}
			n := f.store.Statements() - before
			t.Logf("%s as %s: %d statements", op.name, who.name, n)
			if n > int64(op.max) {
				t.Errorf("%s as %s: %d statements, want at most %d", op.name, who.name, n, op.max)
			}
		}
	}
}
