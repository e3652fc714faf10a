package services

import (
	"context"
	"fmt"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// BenchmarkGetChildrenACL lists 1,000 children, each with ACEs of its own,
// as the administrator (no ACL check) and as a user whose access comes
// through a group. The permission check must not add a query per object:
// the user's run should stay within 1.5× the administrator's.
//
//	go test ./services -run '^$' -bench GetChildrenACL -benchtime 20x
func BenchmarkGetChildrenACL(b *testing.B) {

	f := newFixtureTB(b)
	folder := f.folderTB(b, f.root, "big")
	for i := 0; i < 1000; i++ {
		r, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
			Properties: props("cmis:document", fmt.Sprintf("doc-%04d", i)),
			AddACEs:    aceList(fmt.Sprintf("user-%d", i%50), cmis.PermWrite)})
		if err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: r.ObjectId,
				AddACEs: aceList("staff", cmis.PermRead)}); err != nil {
				b.Fatal(err)
			}
		}
	}

	user := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "alice", Groups: []string{"staff", "sales", "emea"}})
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"admin", f.ctx}, {"user", user}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r, err := f.ports.Navigation.GetChildrenContext(c.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder,
					MaxItems: ptr(int64(1000)), Filter: ptr("*"), IncludeAllowableActions: ptr(true)})
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Objects.Objects) != 1000 {
					b.Fatalf("%d children listed", len(r.Objects.Objects))
				}
			}
		})
	}
}
