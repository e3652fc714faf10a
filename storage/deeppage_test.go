package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/synthetic"
	"github.com/cmisd/cmisd/storage"
)

// A page deep in a listing, asked cold (no page before it was read, so
// nothing to continue from: the rows before it are skipped), holds the
// rows that walking there page by page (each page continuing where the
// last ended) and the whole listing in one piece give at that place, with
// the same hasMoreItems and numItems. Every query and listing of the
// benchmark, on a small synthetic store where the reader cannot see one
// document in three, so that skipped rows include rows the reader's access
// leaves out.
func TestColdDeepPageIsTheWalkedPage(t *testing.T) {
	s := smallBench(t, synthetic.Options{Folders: 40, DocsPerFolder: 10, BigFolder: 60}, func(db *storage.DB) { hideEveryThird(t, db, "default") })
	ctx := context.Background()

	const size = 7
	seen := map[string]bool{}
	for _, c := range s.cases {
		key := c.stmt
		if c.children != nil {
			key = fmt.Sprintf("children %+v", *c.children)
		}
		if c.tree != "" || seen[key] {
			continue
		}
		seen[key] = true
		at := func(p cmis.Page) ([]string, cmis.PageEnd) {
			t.Helper()
			c := c
			c.page = p
			ids, end, err := s.run(ctx, c)
			if err != nil {
				t.Fatalf("%s %+v: %v", c.name, p, err)
			}
			return ids, end
		}
		whole, _ := at(cmis.AllItems)
		n := int64(len(whole))
		// Deepest first: a page leaves a position to continue from at its
		// end, which must not be where a later cold page starts.
		for _, skip := range []int64{n - 2, n / 2, 2*size + 3, 3} {
			if skip <= 0 {
				continue
			}
			got, end := at(cmis.Page{MaxItems: size, SkipCount: skip})
			want := whole[min(skip, n):min(skip+size, n)]
			if !slices.Equal(got, want) || end.HasMore != (skip+size < n) || end.Total != n {
				t.Errorf("%s: cold page at %d: %v %+v, want %v, hasMore %t, numItems %d",
					c.name, skip, got, end, want, skip+size < n, n)
			}
		}
		var walked []string
		for skip := int64(0); skip < n; skip += size {
			got, _ := at(cmis.Page{MaxItems: size, SkipCount: skip})
			walked = append(walked, got...)
		}
		if !slices.Equal(walked, whole) {
			t.Errorf("%s: walked %v, whole %v", c.name, walked, whole)
		}
	}
}

// hideEveryThird takes every third document of the synthetic store (in
// id order) from the benchmark's reader: its group's ACE is removed.
func hideEveryThird(t *testing.T, db *storage.DB, repo string) {
	t.Helper()
	ctx := context.Background()
	q, err := query.Prepare(ctx, db, repo, "SELECT cmis:objectId FROM "+synthetic.TypeID+" ORDER BY cmis:objectId")
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := db.RunQuery(ctx, repo, q, query.Options{Page: cmis.AllItems})
	if err != nil {
		t.Fatal(err)
	}
	group := []cmis.ACE{{Principal: synthetic.GroupPrefix + "0", Permission: cmis.PermRead}}
	for i, r := range rows {
		if i%3 != 0 {
			continue
		}
		if _, err := db.ApplyACL(ctx, repo, r.Objects[0].ID, nil, group, false, cmis.AdminUser); err != nil {
			t.Fatal(err)
		}
	}
}
