package storage_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/internal/synthetic"
	"github.com/cmisd/cmisd/internal/testenv"
	"github.com/cmisd/cmisd/storage"
)

// Plans that would read far more rows than a page holds on a large
// store, in SQLite's EXPLAIN QUERY PLAN's words (PostgreSQL's follow
// checkPostgresPlan), besides a whole table (storetest.FullScan):
var (
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
	// a probe of acl_entries per row: the reader's access is read from
	// the ACL id the object's row or the filing carries;
	aclProbe = regexp.MustCompile(`^SEARCH ace\b|\bacl_entries\b`)
	// filings read through an index without their ACL id, so that a
	// skipped row's access check leaves the index.
	filingsUncovered = regexp.MustCompile(`^SEARCH (fc|cc) USING INDEX`)
)

// TestQueryPlans1M prints each case's plan and fails where one of the
// issues' targets would read more than its page.
func TestQueryPlans1M(t *testing.T) {
	checkPlans(context.Background(), t, openBench(t))
}

// TestNearPagesInRowOrder1M reads a common word's first thousand matches
// in pages of 100 and in one read. On PostgreSQL the pages are near the
// first match and read a bitmap of heap pages (lossy at this size, 64 kB
// of work_mem), the one read a bitmap of rows: both must yield the rows
// in the same order, or pages would overlap and skip. A small store's
// bitmaps are never lossy, so only the 1M store shows it.
func TestNearPagesInRowOrder1M(t *testing.T) {
	s := openBench(t)
	ctx := context.Background()
	c := benchCase{stmt: "SELECT cmis:objectId FROM " + synthetic.TypeID + " WHERE CONTAINS('" + synthetic.Vocabulary[0] + "')"}
	var paged []string
	for skip := int64(0); skip < 1000; skip += 100 {
		c.page = cmis.Page{MaxItems: 100, SkipCount: skip}
		ids, _, err := s.run(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ids...)
	}
	c.page = cmis.Page{MaxItems: 1100}
	whole, _, err := s.run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(paged) != 1000 || len(whole) != 1100 || !slices.Equal(paged, whole[:1000]) {
		first := 0
		for first < min(len(paged), len(whole)) && paged[first] == whole[first] {
			first++
		}
		t.Fatalf("%d rows in pages of 100, %d in one read; they part at row %d", len(paged), len(whole), first)
	}
}

// TestQueryPlansSmall is the same check on a store of 150 documents and a
// folder of 20 made on the spot. The store never runs ANALYZE, and
// without statistics SQLite's plans do not depend on table sizes: they
// are those of the million-document store, so this catches a plan that
// would scan it in every test run. PostgreSQL's planner does look at
// sizes, and reads tiny tables whole and sorts them, as it should; there
// the plans are asked with sequential scans and sorts ruled out where an
// index can serve (storage.IndexedPlans).
func TestQueryPlansSmall(t *testing.T) {
	s := smallBench(t, synthetic.Options{Folders: 30, DocsPerFolder: 5, BigFolder: 20}, nil)
	if len(s.cases) < 25 {
		t.Fatalf("%d cases: the listings of /%s are missing", len(s.cases), synthetic.BigFolder)
	}
	checkPlans(storage.IndexedPlans(context.Background()), t, s)
}

// smallBench makes a synthetic store of the given shape on the spot
// (repository "default", seed 1), runs change on it if given, and picks
// the benchmark's cases in it.
func smallBench(t *testing.T, shape synthetic.Options, change func(db *storage.DB)) *benchStore {
	t.Helper()
	shape.Seed = 1
	db := openSynthetic(t, "the benchmark's queries use CONTAINS", shape)
	if change != nil {
		change(db)
	}
	return benchFixture(t, db, "default")
}

// openSynthetic opens a fresh store with full text (why: what needs it)
// and a synthetic tree of opt's shape in its repository "default".
func openSynthetic(t *testing.T, why string, opt synthetic.Options) *storage.DB {
	t.Helper()
	db := storetest.Open(t)
	testenv.Require(t, testenv.FullText, db.FullText(), why)
	ctx := context.Background()
	if _, err := db.EnsureRepository(ctx, "default", "Test", "", cmis.AdminUser); err != nil {
		t.Fatal(err)
	}
	opt.RepositoryID = "default"
	if err := synthetic.Generate(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	return db
}

func checkPlans(ctx context.Context, t *testing.T, s *benchStore) {
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
		check := checkSQLitePlan
		if s.db.Kind() == "postgres" {
			check = checkPostgresPlan
		}
		for _, line := range check(c, strings.Split(plan, "\n")) {
			if c.target > 0 || c.sorts || c.byType {
				t.Errorf("%s: the plan reads more than a page: %s", c.name, line)
			} else {
				t.Logf("%s (informational): %s", c.name, line)
			}
		}
	}
}

// checkSQLitePlan returns the lines of an EXPLAIN QUERY PLAN that read
// more than the case's page.
func checkSQLitePlan(c benchCase, plan []string) []string {
	var bad []string
	for _, line := range plan {
		line = strings.TrimSpace(line)
		if storetest.FullScan.MatchString(line) || (!c.byType && wholeType.MatchString(line)) ||
			(!c.sorts && sort.MatchString(line)) || (c.sorts && probeJoined.MatchString(line)) ||
			aclProbe.MatchString(line) || filingsUncovered.MatchString(line) {
			bad = append(bad, line)
		}
	}
	return bad
}

// PostgreSQL's EXPLAIN, node by node (a node's line, then its details
// indented under it, then its inputs as "->" lines indented further).
var (
	// pgTables are the tables whose reading a plan check looks at.
	pgTableScan = regexp.MustCompile(`Scan( Backward)? (using \S+ )?on (objects|object_properties|containment|acl_entries|object_secondary_types)\b`)
	// pgFullScan reads a table whole: on the small store the plans are
	// asked with sequential scans ruled out (storage.IndexedPlans), so
	// one left is a table no index serves.
	pgFullScan = regexp.MustCompile(`Seq Scan on (objects|object_properties|containment|acl_entries|object_secondary_types|fulltext)\b`)
	// pgWholeType searches objects by repository or type alone (as
	// wholeType); an index condition on the id makes it a probe.
	pgWholeType = regexp.MustCompile(`Index (Only )?Scan( Backward)? using (objects_type\w*|objects_name|objects_pwc) on objects\b`)
	pgIDCond    = regexp.MustCompile(`Index Cond: .*\bid = `)
	// pgIndexScan reads a table through an index: without an index
	// condition, every row of it in the index's order.
	pgIndexScan = regexp.MustCompile(`Index (Only )?Scan( Backward)? using \S+ on (objects|object_properties|containment|acl_entries|object_secondary_types|fulltext)\b`)
	// pgSort is a sort, which is there (sorts ruled out) only where no
	// index gives the order.
	pgSort = regexp.MustCompile(`^(-> +)?(Incremental )?Sort\b`)
)

// checkPostgresPlan returns the lines of a PostgreSQL plan that read more
// than the case's page: a table read whole; objects searched by type
// alone, unless the case reads a type's objects in order (byType); an
// index read whole; acl_entries read at all (see aclProbe); a sort of
// rows the objects table, the reader's access
// or the other conditions were read for, unless the case sorts (a subtree,
// which PostgreSQL reads folder by folder and sorts: the page's window,
// see windowedPage, bounds how much). A sort of the full-text index's matches
// alone is what the text path does by rank on PostgreSQL: its GIN index
// has neither an order nor a rank of its own, and the sort comes before
// the objects are read, so that the probes stop after the page.
func checkPostgresPlan(c benchCase, plan []string) []string {
	// PostgreSQL sorts a subtree's filings in any order, its own included
	// (see walksInLists); a plan asked with sorts ruled out walks an index
	// instead.
	sorts := c.sorts || strings.Contains(c.stmt, " WHERE IN_TREE(")
	var bad []string
	for i, line := range plan {
		node := strings.TrimSpace(line)
		details, inputs := pgNode(plan, i)
		switch {
		case pgFullScan.MatchString(node):
		case !c.byType && pgWholeType.MatchString(node) && !slices.ContainsFunc(details, pgIDCond.MatchString):
		case !sorts && pgIndexScan.MatchString(node) && !slices.ContainsFunc(details, func(l string) bool { return strings.Contains(l, "Index Cond:") }) &&
			!strings.Contains(pgParent(plan, i), "Merge ") && !(c.byType && pgIDOrderOfType(node, details)):
			// (A merge join reads its inputs in step, as far as its
			// other input goes.)
		case !sorts && pgSort.MatchString(node) && slices.ContainsFunc(inputs, pgTableScan.MatchString) &&
			!slices.ContainsFunc(details, func(l string) bool { return strings.Contains(l, "Presorted Key:") }):
			// (An incremental sort of rows presorted by the first key
			// sorts each run of equal keys as it comes, and stops at the
			// page: a type's objects by name are read in objects_name's
			// order, the ids of equal names sorted.)
		case strings.Contains(node, " on acl_entries"): // as aclProbe
		default:
			continue
		}
		bad = append(bad, node)
	}
	return bad
}

// pgIDOrderOfType reports whether a node reads objects in id order
// testing each for its type: a type path's unordered page, which the
// planner reads so instead of through objects_type only when the type
// is most of the objects (or, on the small store, when the costs tie):
// then the page is about as many rows.
func pgIDOrderOfType(node string, details []string) bool {
	return strings.Contains(node, "using objects_pkey on objects") &&
		slices.ContainsFunc(details, func(l string) bool { return strings.Contains(l, "Filter:") && strings.Contains(l, "type_id") })
}

// pgParent returns the line of the node whose input line i is.
func pgParent(plan []string, i int) string {
	depth := strings.Index(plan[i], "->")
	for j := i - 1; depth >= 0 && j >= 0; j-- {
		k := strings.Index(plan[j], "->")
		if k < 0 && len(plan[j])-len(strings.TrimLeft(plan[j], " ")) < depth && !strings.Contains(plan[j], ":") {
			return plan[j] // the top node
		}
		if k >= 0 && k < depth {
			return plan[j]
		}
	}
	return ""
}

// pgNode returns the details of the plan node on line i and the lines of
// its inputs, the nodes under it.
func pgNode(plan []string, i int) (details, inputs []string) {
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	depth := indent(plan[i])
	if j := strings.Index(plan[i], "->"); j >= 0 {
		depth = j
	}
	for _, l := range plan[i+1:] {
		if indent(l) <= depth {
			break
		}
		if strings.Contains(l, "->") || len(inputs) > 0 {
			inputs = append(inputs, l)
		} else {
			details = append(details, l)
		}
	}
	return details, inputs
}
