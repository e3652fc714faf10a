package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/synthetic"
	"github.com/cmisd/cmisd/storage"
)

// TestTextPagesMatchWholeList reads the first pages of a common word's
// matches, unordered and best first, and checks each against the start
// of the whole list and its numItems against the list's length. A first
// page of a common word takes its own path on PostgreSQL (textWalk: a
// walk of the rows in id order; best first, the objects repeating the
// word ranked, then the rest walked), the whole list the general one,
// so the two must agree row for row, scores included.
func TestTextPagesMatchWholeList(t *testing.T) {
	db := openSynthetic(t, "the queries use CONTAINS", synthetic.Options{Folders: 40, DocsPerFolder: 50, Seed: 3})
	ctx := context.Background()
	word := repeatedWord(t, db)
	stmts := map[string]string{
		"unordered":  "SELECT cmis:objectId FROM " + synthetic.TypeID + " WHERE CONTAINS('" + word + "')",
		"best first": "SELECT cmis:objectId, SCORE() AS s FROM " + synthetic.TypeID + " WHERE CONTAINS('" + word + "') ORDER BY s DESC",
	}
	for name, stmt := range stmts {
		q, err := query.Prepare(ctx, db, "default", stmt)
		if err != nil {
			t.Fatal(err)
		}
		run := func(p cmis.Page) ([]string, cmis.PageEnd) {
			rows, end, err := db.RunQuery(ctx, "default", q, query.Options{Page: p, Reader: benchReader})
			if err != nil {
				t.Fatalf("%s, %+v: %v", name, p, err)
			}
			var out []string
			for _, r := range rows {
				out = append(out, fmt.Sprintf("%s %v", r.Objects[0].ID, r.Score))
			}
			return out, end
		}
		all, _ := run(cmis.Page{MaxItems: -1})
		if len(all) < 10 {
			t.Fatalf("%s: %d matches, want a common word", name, len(all))
		}
		for _, n := range []int64{1, 3, 10, int64(len(all)) - 1, int64(len(all)), int64(len(all)) + 5} {
			page, end := run(cmis.Page{MaxItems: n})
			want := all[:min(int(n), len(all))]
			if !slices.Equal(page, want) {
				t.Errorf("%s, page of %d:\n got %s\nwant %s", name, n, strings.Join(page, ", "), strings.Join(want, ", "))
			}
			if end.Total != int64(len(all)) || end.HasMore != (n < int64(len(all))) {
				t.Errorf("%s, page of %d: numItems %d, hasMoreItems %v; want %d, %v", name, n, end.Total, end.HasMore, len(all), n < int64(len(all)))
			}
		}
		if db.Kind() == "postgres" {
			plan, err := db.ExplainQuery(ctx, "default", q, query.Options{Page: cmis.Page{MaxItems: 3}, Reader: benchReader})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]string{"unordered": "fulltext_pkey", "best first": "fulltext_repeated"}[name]; !strings.Contains(plan, want) {
				t.Errorf("%s: a first page's plan does not use %s:\n%s", name, want, plan)
			}
		}
	}
}

// repeatedWord is the common word that most of the documents benchReader
// sees hold more than once (ranked above the others), at least three:
// the best first pages read those apart.
func repeatedWord(t *testing.T, db *storage.DB) string {
	best, most := "", 0
	for _, w := range synthetic.Vocabulary[:10] {
		q, err := query.Prepare(context.Background(), db, "default", "SELECT cmis:objectId, SCORE() FROM "+synthetic.TypeID+" WHERE CONTAINS('"+w+"')")
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := db.RunQuery(context.Background(), "default", q, query.Options{Page: cmis.Page{MaxItems: -1}, Reader: benchReader})
		if err != nil {
			t.Fatal(err)
		}
		low := 1.0
		for _, r := range rows {
			low = min(low, r.Score)
		}
		n := 0
		for _, r := range rows {
			if r.Score > low {
				n++
			}
		}
		if n > most {
			best, most = w, n
		}
	}
	if most < 3 {
		t.Fatalf("no common word is in three documents twice")
	}
	return best
}
