package storage

import (
	"context"
	"strings"
	"testing"
	"time"

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

// Listings of more objects than one statement binds load them in
// batches, every one complete (getDescendants of a folder of 100,000
// answered "too many SQL variables" before).
func TestLargeListingsLoadInBatches(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	defer func(n int) { idBatch = n }(idBatch)
	idBatch = 3
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	for i := range 7 {
		mustCreate(t, db, document(repo, string(rune('a'+i))), f.ID, nil)
	}
	entries, err := db.Descendants(ctx, repo.ID, f.ID, -1, false, nil)
	if err != nil || len(entries) != 7 {
		t.Fatalf("descendants: %d %v", len(entries), err)
	}
	kids, _, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: cmis.AllItems})
	if err != nil || len(kids) != 7 {
		t.Fatalf("children: %d %v", len(kids), err)
	}
	for i, e := range entries {
		if e.Object.Properties == nil || kids[i].Properties == nil || kids[i].Name != e.Object.Name {
			t.Errorf("entry %d (%s) was not loaded", i, e.Object.Name)
		}
	}
}

// Every filing carries its child's name and dates (the keys listings and
// folder-driven queries read in order from containment), through every
// change that touches them: creation, rename, update, check-out and
// check-in (the filing moves to the new version), multi-filing, move.
func TestFilingsKeepTheirChildsSortKeys(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	clock := time.UnixMilli(1_700_000_000_000)
	db.SetNow(func() time.Time { clock = clock.Add(time.Second); return clock })
	check := func(step string) {
		t.Helper()
		var filings, stale int
		if err := db.db.Get(&filings, `SELECT COUNT(*) FROM containment`); err != nil {
			t.Fatal(err)
		}
		if err := db.db.Get(&stale, `SELECT COUNT(*) FROM containment c JOIN objects o ON o.id = c.child_id
			WHERE c.name <> o.name OR c.creation_date IS NOT o.creation_date OR c.last_modification_date IS NOT o.last_modification_date`); err != nil {
			t.Fatal(err)
		}
		if stale > 0 || filings < 3 {
			t.Fatalf("after %s: %d of %d filings differ from their objects", step, stale, filings)
		}
	}
	a := mustCreate(t, db, folder(repo, "a"), repo.RootFolderID, nil)
	b := mustCreate(t, db, folder(repo, "b"), repo.RootFolderID, nil)
	doc := mustCreate(t, db, document(repo, "d"), a.ID, nil)
	check("create")
	name := "renamed"
	if _, err := db.UpdateObject(ctx, repo.ID, doc.ID, nil, cmis.Change{Name: &name}, "bob"); err != nil {
		t.Fatal(err)
	}
	check("rename")
	if err := db.AddToFolder(ctx, repo.ID, doc.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	check("multi-filing")
	v2 := newVersion(t, db, repo, doc.ID, true, "")
	if v2.ID == doc.ID {
		t.Fatal("check-in made no new version")
	}
	check("check-in")
	if _, err := db.MoveObject(ctx, repo.ID, a.ID, repo.RootFolderID, b.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	check("move")
}
