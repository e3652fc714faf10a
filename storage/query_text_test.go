package storage_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/synthetic"
	"github.com/cmisd/cmisd/storage"
)

// TestTextPagesMatchWholeList reads pages of a common word's matches,
// unordered and best first, first pages and pages at a skipCount, and
// checks each against the whole list read the same way, and that list
// against the general form's (an order of two keys takes it), which
// ranks every match: the same rows and scores, best first in the order
// of the scores. On PostgreSQL a page in row order reads the matches of
// the GIN index in the order of the table's rows, tested in the text row
// alone; best first, the objects repeating the word ranked, then the rest
// in row order: the pages of both must hold together.
func TestTextPagesMatchWholeList(t *testing.T) {
	db := openSynthetic(t, "the queries use CONTAINS", synthetic.Options{Folders: 40, DocsPerFolder: 50, Seed: 3})
	ctx := context.Background()
	word := repeatedWord(t, db)
	from := " FROM " + synthetic.TypeID + " WHERE CONTAINS('" + word + "')"
	stmts := map[string]string{
		"unordered":  "SELECT cmis:objectId, SCORE() AS s" + from,
		"best first": "SELECT cmis:objectId, SCORE() AS s" + from + " ORDER BY s DESC",
	}
	general := "SELECT cmis:objectId, SCORE() AS s" + from + " ORDER BY s DESC, cmis:objectId"
	run := func(stmt string, p cmis.Page) ([]string, cmis.PageEnd) {
		rows, end := runQuery(t, db, stmt, benchReader, p)
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%s %v", r.Objects[0].ID, r.Score))
		}
		return out, end
	}
	oracle, _ := run(general, cmis.Page{MaxItems: -1})
	for name, stmt := range stmts {
		all, _ := run(stmt, cmis.Page{MaxItems: -1})
		if len(all) < 10 {
			t.Fatalf("%s: %d matches, want a common word", name, len(all))
		}
		if got, want := slices.Sorted(slices.Values(all)), slices.Sorted(slices.Values(oracle)); !slices.Equal(got, want) {
			t.Errorf("%s: the whole list\n %s\nwant the rows of the general form\n %s", name, strings.Join(got, ", "), strings.Join(want, ", "))
		}
		if name == "best first" && !slices.IsSortedFunc(all, func(a, b string) int { return cmp.Compare(scoreOf(t, b), scoreOf(t, a)) }) {
			t.Errorf("best first: not in the order of the scores: %s", strings.Join(all, ", "))
		}
		n := int64(len(all))
		for _, p := range []cmis.Page{{MaxItems: 1}, {MaxItems: 3}, {MaxItems: 10}, {MaxItems: n - 1}, {MaxItems: n}, {MaxItems: n + 5},
			{MaxItems: 2, SkipCount: 1}, {MaxItems: 2, SkipCount: 3}, {MaxItems: 5, SkipCount: n / 2}, {MaxItems: 3, SkipCount: n - 2},
			{MaxItems: 3, SkipCount: n}} {
			page, end := run(stmt, p)
			want := all[min(p.SkipCount, n):min(p.SkipCount+p.MaxItems, n)]
			if !slices.Equal(page, want) {
				t.Errorf("%s, page %+v:\n got %s\nwant %s", name, p, strings.Join(page, ", "), strings.Join(want, ", "))
			}
			if more := p.SkipCount+p.MaxItems < n; end.Total != n || end.HasMore != more {
				t.Errorf("%s, page %+v: numItems %d, hasMoreItems %v; want %d, %v", name, p, end.Total, end.HasMore, n, more)
			}
		}
		// Past a bound of a tenth of the matches, numItems is left out
		// (on PostgreSQL from the estimate of the candidates, uncounted),
		// hasMoreItems exact, the pages the same.
		db.SetLimits(n/10, 0)
		for _, p := range []cmis.Page{{MaxItems: 3}, {MaxItems: 3, SkipCount: n / 2}, {MaxItems: 3, SkipCount: n - 2}} {
			page, end := run(stmt, p)
			if want := all[p.SkipCount:min(p.SkipCount+p.MaxItems, n)]; !slices.Equal(page, want) || end.HasMore != (p.SkipCount+p.MaxItems < n) ||
				(end.HasMore && end.Total != cmis.Uncounted) {
				t.Errorf("%s, bound %d, page %+v: %s %+v; want %s, numItems left out while more follow", name, n/10, p, strings.Join(page, ", "), end, strings.Join(want, ", "))
			}
		}
		db.SetLimits(0, 0)
		if db.Kind() == "postgres" {
			q, err := query.Prepare(ctx, db, "default", stmt)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := db.ExplainQuery(ctx, "default", q, query.Options{Page: cmis.Page{MaxItems: 3, SkipCount: 5}, Reader: benchReader})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"unordered": "Bitmap Heap Scan on fulltext", "best first": "fulltext_repeated"}[name]
			if !strings.Contains(plan, want) || (name == "unordered" && (strings.Contains(plan, "Sort") || strings.Contains(plan, "objects"))) {
				t.Errorf("%s: a page's plan does not read %s alone:\n%s", name, want, plan)
			}
		}
	}
}

// scoreOf is the score of a row as run writes it.
func scoreOf(t *testing.T, row string) float64 {
	_, s, _ := strings.Cut(row, " ")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("row %q: %v", row, err)
	}
	return f
}

// repeatedWord is the common word that most of the documents benchReader
// sees hold more than once (ranked above the others), at least three:
// the best first pages read those apart.
func repeatedWord(t *testing.T, db *storage.DB) string {
	best, most := "", 0
	for _, w := range synthetic.Vocabulary[:10] {
		rows, _ := runQuery(t, db, "SELECT cmis:objectId, SCORE() FROM "+synthetic.TypeID+" WHERE CONTAINS('"+w+"')", benchReader, cmis.Page{MaxItems: -1})
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
