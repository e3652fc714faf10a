package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
)

// A listing counts its items up to the store's bound: numItems is exact
// at the bound and left out above it, unless the page itself reaches the
// end of the listing; hasMoreItems is exact either way. getChildren and
// a query over the same seven documents page alike.
func TestCountBound(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	for _, n := range strings.Split("g,c,a,e,b,f,d", ",") {
		mustCreate(t, db, document(repo, n), f.ID, nil)
	}
	q, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:name FROM cmis:document WHERE IN_FOLDER('"+f.ID+"') ORDER BY cmis:name")
	if err != nil {
		t.Fatal(err)
	}
	const none = cmis.Uncounted
	for _, c := range []struct {
		bound int64
		page  cmis.Page
		names string
		more  bool
		total int64
	}{
		{7, cmis.Page{MaxItems: 3}, "a,b,c", true, 7},
		{6, cmis.Page{MaxItems: 3}, "a,b,c", true, none},
		{6, cmis.Page{MaxItems: 3, SkipCount: 3}, "d,e,f", true, none},
		{6, cmis.Page{MaxItems: 3, SkipCount: 6}, "g", false, 7}, // the last page shows the total
		{6, cmis.Page{MaxItems: 1, SkipCount: 6}, "g", false, 7},
		{7, cmis.Page{MaxItems: 0}, "", true, 7},
		{6, cmis.Page{MaxItems: 0}, "", true, none},
		{6, cmis.Page{MaxItems: 0, SkipCount: 7}, "", false, none},
		{6, cmis.Page{MaxItems: -1}, "a,b,c,d,e,f,g", false, 7},
		{7, cmis.Page{MaxItems: 3, SkipCount: 9}, "", false, 7}, // past the end: counted
		{6, cmis.Page{MaxItems: 3, SkipCount: 9}, "", false, none},
		{3, cmis.Page{MaxItems: 2, SkipCount: 1}, "b,c", true, none},
		{-1, cmis.Page{MaxItems: 2, SkipCount: 1}, "b,c", true, 7},
	} {
		db.SetLimits(c.bound, 0)
		kids, end, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: c.page})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, k := range kids {
			names = append(names, k.Name)
		}
		if got := strings.Join(names, ","); got != c.names || end != (cmis.PageEnd{HasMore: c.more, Total: c.total}) {
			t.Errorf("bound %d, children %+v: %q %+v, want %q more %v total %d", c.bound, c.page, got, end, c.names, c.more, c.total)
		}
		rows, end, err := db.RunQuery(ctx, repo.ID, q, query.Options{Page: c.page})
		if err != nil {
			t.Fatal(err)
		}
		names = nil
		for _, r := range rows {
			names = append(names, r.Objects[0].Name)
		}
		if got := strings.Join(names, ","); got != c.names || end != (cmis.PageEnd{HasMore: c.more, Total: c.total}) {
			t.Errorf("bound %d, query %+v: %q %+v, want %q more %v total %d", c.bound, c.page, got, end, c.names, c.more, c.total)
		}
	}
}
