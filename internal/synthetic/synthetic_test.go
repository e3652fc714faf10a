package synthetic

import (
	"context"
	"fmt"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/storage"
)

// count runs a query as reader (nil: the administrator) and returns its
// number of matches.
func count(t *testing.T, db *storage.DB, repo, stmt string, reader *cmis.Access) int64 {
	t.Helper()
	ctx := context.Background()
	q, err := query.Prepare(ctx, db, repo, stmt)
	if err != nil {
		t.Fatal(err)
	}
	_, total, err := db.RunQuery(ctx, repo, q, query.Options{Page: cmis.Page{MaxItems: 0}, Reader: reader})
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return total.Total
}

// The tree has the documented shape, permissions and words, and goes in
// transactions of about BatchRows rows.
func TestGenerateShape(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	repo, err := db.EnsureRepository(ctx, "default", "Test", "", cmis.AdminUser)
	if err != nil {
		t.Fatal(err)
	}
	var batches int
	var last Progress
	err = Generate(ctx, db, Options{RepositoryID: repo.ID, Folders: 1003, DocsPerFolder: 2, Seed: 7, BatchRows: 500,
		Progress: func(p Progress) { batches++; last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if batches < 10 || last.Documents != 2006 || last.Folders != 1003 || last.TotalDocuments != 2006 {
		t.Errorf("%d transactions for ~%d rows in batches of 500; last progress %+v", batches, 1003*2*8, last)
	}
	if err := Generate(ctx, db, Options{RepositoryID: repo.ID, Folders: 1, DocsPerFolder: 1, Seed: 7}); err == nil {
		t.Error("a second generation into the same repository succeeded")
	}
	byPath := func(p string) *cmis.Object {
		o, err := db.ObjectByPath(ctx, repo.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for path, want := range map[string]int64{"/bench": 2, "/bench/t00": 1000, "/bench/t01": 3, "/bench/t01/f01002": 2} {
		_, n, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: byPath(path).ID})
		if err != nil || n.Total != want {
			t.Errorf("%s holds %d (%v), want %d", path, n.Total, err, want)
		}
	}
	if n := count(t, db, repo.ID, "SELECT cmis:objectId FROM "+TypeID, nil); n != 2006 {
		t.Errorf("%d documents, want 2006", n)
	}
	if db.FullText() {
		if n := count(t, db, repo.ID, "SELECT cmis:objectId FROM "+TypeID+" WHERE CONTAINS('"+RareWord+"')", nil); n != 1 {
			t.Errorf("%d documents with the rare word, want 1 (document 0)", n)
		}
	}

	doc := byPath("/bench/t01/f01001/d01001-0001")
	if doc.TypeID != TypeID || doc.Description == nil || len(doc.Properties[CodeProperty]) != 1 || len(doc.Properties[NProperty]) != 1 ||
		doc.VersionLabel != "1.0" || !doc.IsLatestMajorVersion || doc.Content != nil || doc.CreatedBy != cmis.AdminUser {
		t.Fatalf("synthetic document: %+v", doc)
	}
	acl, err := db.ACL(ctx, repo.ID, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(acl); got != fmt.Sprint([]cmis.ACE{
		{Principal: cmis.AdminUser, Permission: cmis.PermAll, Direct: true},
		{Principal: GroupPrefix + "1", Permission: cmis.PermRead}}) {
		t.Errorf("a document of t01 has the ACL %s", got)
	}

	// The reader sees the even top folders' documents only: t00's.
	reader := &cmis.Access{Principals: []string{"reader", GroupPrefix + "0", cmis.PrincipalAnyone}}
	if n := count(t, db, repo.ID, "SELECT cmis:objectId FROM "+TypeID, reader); n != 1000*2 {
		t.Errorf("the reader sees %d documents, want 2000", n)
	}
}
