package storage_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/internal/synthetic"
	"github.com/cmisd/cmisd/internal/testenv"
)

// Plans that would read far more rows than a page holds on a large
// store, in EXPLAIN QUERY PLAN's words:
var (
	// a whole table (or a whole index of one) among objects (the
	// compiler's tN, o, p, pwc), object_properties (pv), containment
	// (c, fc, cc), acl_entries (ace) and object_secondary_types (st);
	fullScan = regexp.MustCompile(`^SCAN (t\d+|o|p|pwc|pv|c|fc|cc|ace|st|objects|object_properties|containment|acl_entries)\b`)
	// every object of the repository or of a type, searched by those
	// alone (objects_name, objects_pwc, objects_type*), which is a full
	// scan in disguise unless the type's objects are read in the order
	// asked (byType);
	wholeType = regexp.MustCompile(`^SEARCH (t\d+|o) USING (COVERING )?INDEX (objects_type\w*|objects_name|objects_pwc) \(repository_id=\?( AND (type_id|is_pwc)=\?)?\)`)
	// a sort of every match (unless the case sorts: a subtree's folders,
	// each left once past the page);
	sort = regexp.MustCompile(`^USE TEMP B-TREE FOR (LAST \d+ TERMS OF )?ORDER BY`)
	// a probe turned into a join (the EXISTS-to-join rewrite), which
	// ends SQLite's ORDER BY LIMIT optimisation in a sorted subtree.
	probeJoined = regexp.MustCompile(`^SEARCH \w+ EXISTS USING`)
)

// TestQueryPlans1M prints each case's plan and fails where one of the
// issues' targets would read more than its page.
func TestQueryPlans1M(t *testing.T) {
	checkPlans(t, openBench(t))
}

// TestQueryPlansSmall is the same check on a store of 150 documents and a
// folder of 20 made on the spot. The store never runs ANALYZE, and
// without statistics SQLite's plans do not depend on table sizes: they
// are those of the million-document store, so this catches a plan that
// would scan it in every test run.
func TestQueryPlansSmall(t *testing.T) {
	db := storetest.Open(t)
	testenv.Require(t, testenv.FullText, db.FullText(), "one of the plans is a CONTAINS query's")
	ctx := context.Background()
	if _, err := db.EnsureRepository(ctx, "default", "Test", "", cmis.AdminUser); err != nil {
		t.Fatal(err)
	}
	if err := synthetic.Generate(ctx, db, synthetic.Options{RepositoryID: "default", Folders: 30, DocsPerFolder: 5, BigFolder: 20, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	s := benchFixture(t, db, "default")
	if len(s.cases) < 25 {
		t.Fatalf("%d cases: the listings of /%s are missing", len(s.cases), synthetic.BigFolder)
	}
	checkPlans(t, s)
}

func checkPlans(t *testing.T, s *benchStore) {
	ctx := context.Background()
	for _, c := range s.cases {
		var plan string
		var err error
		switch {
		case c.tree != "":
			continue // getDescendants answers the whole level
		case c.children != nil:
			q := *c.children
			q.Page, q.Reader = c.page, benchReader
			plan, err = s.db.ExplainChildren(ctx, s.repo, q)
		default:
			var bq *query.Query
			if bq, err = s.bind(ctx, c.stmt); err == nil {
				plan, err = s.db.ExplainQuery(ctx, s.repo, bq, query.Options{Page: c.page, Reader: benchReader})
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		t.Logf("%s\n  %s\n    %s", c.name, c.stmt, strings.ReplaceAll(plan, "\n", "\n    "))
		if plan == "" {
			t.Errorf("%s: no plan", c.name)
		}
		for _, line := range strings.Split(plan, "\n") {
			line = strings.TrimSpace(line)
			bad := fullScan.MatchString(line) || (!c.byType && wholeType.MatchString(line)) ||
				(!c.sorts && sort.MatchString(line)) || (c.sorts && probeJoined.MatchString(line))
			switch {
			case !bad:
			case c.target > 0 || c.sorts || c.byType:
				t.Errorf("%s: the plan reads more than a page: %s", c.name, line)
			default:
				t.Logf("%s (informational): %s", c.name, line)
			}
		}
	}
}
