package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/pgtest"
	"github.com/jmoiron/sqlx"
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
			WHERE c.name <> o.name OR c.creation_date IS DISTINCT FROM o.creation_date
			OR c.last_modification_date IS DISTINCT FROM o.last_modification_date`); err != nil {
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

// Paging page after page gives the listing whole, whether a page seeks
// past the keys of the previous one (index orders) or skips rows. A page
// continues past where the previous page ended only while the data is as
// it was: a change the store logs between two pages (here a deletion)
// makes the next page skip rows again. (An unlogged change, made here
// behind the store's back, shows which way a page was read.)
func TestPagesContinueWhereTheLastEnded(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	docs := map[string]string{}
	for _, n := range strings.Split("e,a,h,c,g,b,f,d", ",") {
		docs[n] = mustCreate(t, db, document(repo, n), f.ID, nil).ID
	}
	inFolder, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:name FROM cmis:document WHERE IN_FOLDER('"+f.ID+"') ORDER BY cmis:name DESC")
	if err != nil {
		t.Fatal(err)
	}
	inTree, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:name FROM cmis:document WHERE IN_TREE('"+repo.RootFolderID+"') ORDER BY cmis:creationDate")
	if err != nil {
		t.Fatal(err)
	}
	listings := map[string]func(p cmis.Page) []string{
		"children by name": func(p cmis.Page) []string {
			kids, _, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: p})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, k := range kids {
				names = append(names, k.Name)
			}
			return names
		},
		"IN_FOLDER by name, descending": func(p cmis.Page) []string { return runNames(t, db, repo.ID, inFolder, p) },
		"IN_TREE by creation date":      func(p cmis.Page) []string { return runNames(t, db, repo.ID, inTree, p) },
	}
	for name, list := range listings {
		whole := strings.Join(list(cmis.AllItems), ",")
		var paged []string
		for skip := int64(0); skip < 8; skip += 3 {
			paged = append(paged, list(cmis.Page{MaxItems: 3, SkipCount: skip})...)
		}
		if got := strings.Join(paged, ","); got != whole || len(paged) != 8 {
			t.Errorf("%s: pages %s, whole %s", name, got, whole)
		}
	}

	children := listings["children by name"]
	page := func(skip int64) string { return strings.Join(children(cmis.Page{MaxItems: 2, SkipCount: skip}), ",") }
	if got := page(0); got != "a,b" {
		t.Fatalf("first page: %s", got)
	}
	if _, err := db.wdb.Exec(`DELETE FROM containment WHERE child_id = ?`, docs["a"]); err != nil {
		t.Fatal(err)
	}
	if got := page(2); got != "c,d" {
		t.Errorf("the page after a,b: %s, want c,d (past b; skipping two rows gives d,e)", got)
	}
	if err := db.DeleteObject(ctx, repo.ID, docs["h"], cmis.Permit{}); err != nil {
		t.Fatal(err)
	}
	if got := page(4); got != "f,g" {
		t.Errorf("after a logged change: %s, want f,g (four rows of b,c,d,e,f,g skipped)", got)
	}
}

// runNames runs a query and returns its rows' names.
func runNames(t *testing.T, db *DB, repo string, q *query.Query, p cmis.Page) []string {
	t.Helper()
	rows, _, err := db.RunQuery(context.Background(), repo, q, query.Options{Page: p})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Objects[0].Name)
	}
	return names
}

// Where an index drives a listing, the bound applies to what the index
// yields before the reader's access is checked: past it, numItems is left
// out without checking each candidate, even for a reader who sees fewer.
func TestCountBoundCountsCandidates(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	f := mustCreate(t, db, folder(repo, "f"), repo.RootFolderID, nil)
	hidden := []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}}
	for i, n := range strings.Split("a,b,c,d,e,f,g", ",") {
		var remove []cmis.ACE
		if i%2 == 1 {
			remove = hidden // bob sees a, c, e, g
		}
		if _, err := db.CreateObject(ctx, document(repo, n), f.ID, nil, nil, remove); err != nil {
			t.Fatal(err)
		}
	}
	bob := &cmis.Access{Principals: []string{"bob", cmis.PrincipalAnyone}}
	q, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:name FROM cmis:document WHERE IN_FOLDER('"+f.ID+"') ORDER BY cmis:name")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bound int64
		page  cmis.Page
		names string
		end   cmis.PageEnd
	}{
		{6, cmis.Page{MaxItems: 2}, "a,c", cmis.PageEnd{HasMore: true, Total: cmis.Uncounted}}, // 7 candidates
		{7, cmis.Page{MaxItems: 2}, "a,c", cmis.PageEnd{HasMore: true, Total: 4}},
		{6, cmis.Page{MaxItems: 10}, "a,c,e,g", cmis.PageEnd{Total: 4}}, // the page shows the end
	} {
		db.SetLimits(c.bound, 0)
		kids, end, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: f.ID, Page: c.page, Reader: bob})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, k := range kids {
			names = append(names, k.Name)
		}
		if got := strings.Join(names, ","); got != c.names || end != c.end {
			t.Errorf("bound %d, children %+v: %s %+v, want %s %+v", c.bound, c.page, got, end, c.names, c.end)
		}
		rows, end, err := db.RunQuery(ctx, repo.ID, q, query.Options{Page: c.page, Reader: bob})
		if err != nil {
			t.Fatal(err)
		}
		names = nil
		for _, r := range rows {
			names = append(names, r.Objects[0].Name)
		}
		if got := strings.Join(names, ","); got != c.names || end != c.end {
			t.Errorf("bound %d, query %+v: %s %+v, want %s %+v", c.bound, c.page, got, end, c.names, c.end)
		}
	}
	// A subtree in name order reads its pages among a window of
	// candidates, wider and wider when bob sees too few of them.
	inTree, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:name FROM cmis:document WHERE IN_TREE('"+repo.RootFolderID+"') ORDER BY cmis:name DESC")
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	for skip := int64(0); skip < 5; skip++ {
		rows, _, err := db.RunQuery(ctx, repo.ID, inTree, query.Options{Page: cmis.Page{MaxItems: 1, SkipCount: skip}, Reader: bob})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			paged = append(paged, r.Objects[0].Name)
		}
	}
	if got := strings.Join(paged, ","); got != "g,e,c,a" {
		t.Errorf("bob's subtree by name, page by page: %s", got)
	}
}

// TestRowOrderNearPage holds what readyRowOrder sets for a page read in
// the order of a table's rows, and pageOfParts undoes after it: on
// PostgreSQL the least work_mem for a page near the first match only, and
// the session's again for what follows the page (a count, the objects);
// nothing on an engine that is no rowOrderer.
func TestRowOrderNearPage(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	_, isRowOrderer := db.dialect.(rowOrderer)
	if isRowOrderer != pgtest.OnPostgres() {
		t.Fatalf("%T: rowOrderer %v, want it on PostgreSQL only", db.dialect, isRowOrderer)
	}
	// Statements of any rows: the repositories'.
	rows := func(rowOrder bool, next *compiledQuery) compiledQuery {
		return compiledQuery{body: fragment{sql: " FROM repositories r WHERE r.id IS NOT NULL"}, columns: []string{"r.id"},
			rowOrder: rowOrder, next: next}
	}
	part := rows(true, nil)
	cases := []struct {
		name string
		cq   compiledQuery
		page cmis.Page
		near bool
	}{
		{"first page", rows(true, nil), cmis.Page{MaxItems: 101}, true},
		{"near page", rows(true, nil), cmis.Page{MaxItems: 101, SkipCount: nearRows - 101}, true},
		{"past near", rows(true, nil), cmis.Page{MaxItems: 101, SkipCount: nearRows - 100}, false},
		{"every row", rows(true, nil), cmis.Page{MaxItems: -1}, false},
		{"in parts", rows(true, &part), cmis.Page{MaxItems: 101}, false},
		{"index order", rows(false, nil), cmis.Page{MaxItems: 101}, false},
	}
	for _, c := range cases {
		var session string
		workMem := func(tx *sqlx.Tx) string {
			var v string
			if isRowOrderer {
				if err := tx.GetContext(ctx, &v, `SELECT current_setting('work_mem')`); err != nil {
					t.Fatal(err)
				}
			}
			return v
		}
		err := db.inReadTx(ctx, func(tx *sqlx.Tx) error {
			session = workMem(tx)
			near, err := db.readyRowOrder(ctx, tx, &c.cq, c.page)
			if err != nil {
				return err
			}
			if near != (c.near && isRowOrderer) {
				t.Errorf("%s: near %v, want %v", c.name, near, c.near && isRowOrderer)
			}
			want := session
			if near {
				want = "64kB"
			}
			if got := workMem(tx); got != want {
				t.Errorf("%s: work_mem for the page %s, want %s", c.name, got, want)
			}
			return nil
		})
		if err == nil {
			err = db.inReadTx(ctx, func(tx *sqlx.Tx) error {
				if _, err := db.pageOfParts(ctx, tx, &c.cq, c.page); err != nil {
					return err
				}
				if got := workMem(tx); got != session {
					t.Errorf("%s: work_mem after the page %s, want the session's %s", c.name, got, session)
				}
				return nil
			})
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}
