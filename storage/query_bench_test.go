package storage

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
)

// The query benchmarks of the issue, on a store of a million documents
// made beforehand by cmisd-gen (see GenerateSynthetic for its shape):
//
//	go run -tags sqlite_fts5 ./cmd/cmisd-gen --data /tmp/bench1m --folders 10000 --docs-per-folder 100
//	CMISD_BENCH_DATA=/tmp/bench1m go test -tags sqlite_fts5 -run '^$' -bench Query1M ./storage
//	CMISD_BENCH_DATA=/tmp/bench1m go test -tags sqlite_fts5 -run QueryPlans1M -v ./storage
//
// Each query goes the way a client's does: Parse, Bind, RunQuery as a
// reader who is not the administrator, a page of 100. Without
// CMISD_BENCH_DATA they skip.

// benchReader is a user as the services see one: own name, two groups,
// anyone. bench-g0 reads the even top folders' subtrees (half the store).
var benchReader = &cmis.Access{Principals: []string{"bench-reader", SyntheticGroupPrefix + "0", "staff", cmis.PrincipalAnyone}}

type benchQuery struct {
	name   string
	stmt   string
	target time.Duration // 0: informational
	// minRows is the fewest rows the page must have (the fixture's
	// values are chosen so that each target query finds something).
	minRows int
}

type benchStore struct {
	db      *DB
	repo    string
	queries []benchQuery
}

type benchResolver struct {
	ctx  context.Context
	db   *DB
	repo string
}

func (r benchResolver) TypeByQueryName(name string) (*cmis.TypeDefinition, error) {
	return r.db.TypeByQueryName(r.ctx, r.repo, name)
}

// openBench opens the store CMISD_BENCH_DATA names, or skips.
func openBench(tb testing.TB) *benchStore {
	tb.Helper()
	dir := os.Getenv("CMISD_BENCH_DATA")
	if dir == "" {
		tb.Skip("CMISD_BENCH_DATA is not set: make a store with `go run -tags sqlite_fts5 ./cmd/cmisd-gen --data DIR` and set CMISD_BENCH_DATA=DIR")
	}
	if !fullTextBuilt {
		tb.Skip("built without sqlite_fts5")
	}
	if _, err := os.Stat(dir + "/cmisd.db"); err != nil {
		tb.Fatalf("CMISD_BENCH_DATA: %v", err)
	}
	db, err := OpenSQLite(context.Background(), dir, fileContent(tb, dir, nil))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	repo := "default"
	if r := os.Getenv("CMISD_BENCH_REPO"); r != "" {
		repo = r
	}
	return benchFixture(tb, db, repo)
}

// benchFixture picks the queries' folders and values in a synthetic store.
func benchFixture(tb testing.TB, db *DB, repo string) *benchStore {
	tb.Helper()
	s := &benchStore{db: db, repo: repo}

	// The even top folder in the middle, its middle leaf folder, and two
	// documents' codes: one in that leaf, one in its subtree's first leaf.
	var tops []string
	if err := db.db.Select(&tops, `SELECT path FROM objects WHERE repository_id = ? AND path > ? AND path < ?
		AND instr(substr(path, ?), '/') = 0 ORDER BY path`, s.repo, "/"+SyntheticRoot+"/", "/"+SyntheticRoot+"0", len(SyntheticRoot)+3); err != nil {
		tb.Fatal(err)
	}
	if len(tops) == 0 {
		tb.Fatalf("no /%s tree in repository %s: generate it with cmisd-gen", SyntheticRoot, s.repo)
	}
	top := tops[(len(tops)/2)&^1]
	lookup := func(q string, args ...any) string {
		var v string
		if err := db.db.Get(&v, q, args...); err != nil {
			tb.Fatalf("%s %v: %v", q, args, err)
		}
		return v
	}
	topID := lookup(`SELECT id FROM objects WHERE repository_id = ? AND path = ?`, s.repo, top)
	var leaves []string
	if err := db.db.Select(&leaves, `SELECT name FROM containment WHERE parent_id = ? ORDER BY name`, topID); err != nil {
		tb.Fatal(err)
	}
	leafID := lookup(`SELECT id FROM objects WHERE repository_id = ? AND path = ?`, s.repo, top+"/"+leaves[len(leaves)/2])
	firstLeafID := lookup(`SELECT id FROM objects WHERE repository_id = ? AND path = ?`, s.repo, top+"/"+leaves[0])
	codeOf := func(folderID string, nth int) string {
		var n int
		if err := db.db.Get(&n, `SELECT COUNT(*) FROM containment WHERE parent_id = ?`, folderID); err != nil || n == 0 {
			tb.Fatalf("folder %s: %d documents (%v)", folderID, n, err)
		}
		return lookup(`SELECT pv.value_text FROM containment c JOIN object_properties pv ON pv.object_id = c.child_id
			WHERE c.parent_id = ? AND pv.property_id = ? ORDER BY c.name LIMIT 1 OFFSET ?`, folderID, SyntheticCodeProperty, nth%n)
	}
	code1, code3 := codeOf(leafID, 37), codeOf(firstLeafID, 73)

	sel := "SELECT cmis:objectId, cmis:name FROM " + SyntheticTypeID + " WHERE "
	s.queries = []benchQuery{
		{"1_equality", sel + SyntheticCodeProperty + " = '" + code1 + "'", 20 * time.Millisecond, 1},
		{"2_in_folder_by_name", sel + "IN_FOLDER('" + leafID + "') ORDER BY cmis:name", 20 * time.Millisecond, 1},
		{"3_equality_in_tree", sel + SyntheticCodeProperty + " = '" + code3 + "' AND IN_TREE('" + topID + "')", 50 * time.Millisecond, 1},
		{"4_contains_rare", sel + "CONTAINS('" + SyntheticRareWord + "')", 100 * time.Millisecond, 1},
		// Informational: wider matches.
		{"x_integer_1000", sel + SyntheticNProperty + " = 42", 0, 0},
		{"x_contains_common", sel + "CONTAINS('" + SyntheticVocabulary[0] + "')", 0, 0},
		{"x_in_tree_page", sel + "IN_TREE('" + topID + "')", 0, 0},
		{"x_in_folder_supertype", "SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('" + leafID + "') ORDER BY cmis:name", 0, 0},
	}
	return s
}

// run runs a query the way the discovery service does.
func (s *benchStore) run(ctx context.Context, stmt string) ([]query.Row, int64, error) {
	q, err := s.bind(ctx, stmt)
	if err != nil {
		return nil, 0, err
	}
	return s.db.RunQuery(ctx, s.repo, q, query.Options{Page: cmis.Page{MaxItems: 100}, Reader: benchReader})
}

func (s *benchStore) bind(ctx context.Context, stmt string) (*query.Query, error) {
	p, err := query.Parse(stmt)
	if err != nil {
		return nil, err
	}
	return query.Bind(p, benchResolver{ctx, s.db, s.repo})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkQuery1M reports each query's median time (ms/median) and its
// number of matches; -benchtime 30x gives 30 runs each.
func BenchmarkQuery1M(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	for _, q := range s.queries {
		b.Run(q.name, func(b *testing.B) {
			rows, total, err := s.run(ctx, q.stmt) // warm up and check
			if err != nil {
				b.Fatalf("%s: %v", q.stmt, err)
			}
			if len(rows) < q.minRows {
				b.Fatalf("%s: %d rows, want at least %d", q.stmt, len(rows), q.minRows)
			}
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				if _, _, err := s.run(ctx, q.stmt); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			m := median(times)
			b.ReportMetric(float64(m.Microseconds())/1000, "ms/median")
			b.ReportMetric(float64(total), "matches")
			b.ReportMetric(float64(len(rows)), "rows")
			if q.target > 0 {
				verdict := "met"
				if m > q.target {
					verdict = "MISSED"
				}
				b.Logf("%s: median %v over %d runs, target %v: %s", q.name, m, len(times), q.target, verdict)
			}
		})
	}
}

// badPlan matches EXPLAIN QUERY PLAN lines that read a whole table (or a
// whole index of one) among objects (the compiler's tN, o, p, pwc),
// object_properties (pv), containment (c), acl_entries (ace) and
// object_secondary_types (st), and the searches that are full scans in
// disguise: every object of the repository (objects_name, objects_pwc on
// repository_id alone) or of the type (objects_type), which here is a
// million documents.
var badPlan = regexp.MustCompile(`^(SCAN (t\d+|o|p|pwc|pv|c|ace|st|objects|object_properties|containment|acl_entries)\b` +
	`|SEARCH (t\d+|o) USING (COVERING )?INDEX (objects_type|objects_name|objects_pwc) \(repository_id=\?( AND (type_id|is_pwc)=\?)?\))`)

// TestQueryPlans1M prints each query's plan and fails where one reads a
// table whole instead of searching an index.
func TestQueryPlans1M(t *testing.T) {
	checkPlans(t, openBench(t))
}

// TestQueryPlansSmall is the same check on a store of 150 documents made
// on the spot. The store never runs ANALYZE, and without statistics
// SQLite's plans do not depend on table sizes: they are those of the
// million-document store, so this catches a plan that would scan it in
// every test run.
func TestQueryPlansSmall(t *testing.T) {
	if !fullTextBuilt {
		t.Skip("built without sqlite_fts5")
	}
	db, repo := openTest(t)
	if err := db.GenerateSynthetic(context.Background(), repo.ID, 30, 5, 1); err != nil {
		t.Fatal(err)
	}
	checkPlans(t, benchFixture(t, db, repo.ID))
}

func checkPlans(t *testing.T, s *benchStore) {
	ctx := context.Background()
	for _, q := range s.queries {
		bq, err := s.bind(ctx, q.stmt)
		if err != nil {
			t.Fatalf("%s: %v", q.stmt, err)
		}
		plan, err := s.db.ExplainQuery(ctx, s.repo, bq, query.Options{Page: cmis.Page{MaxItems: 100}, Reader: benchReader})
		if err != nil {
			t.Fatalf("%s: %v", q.stmt, err)
		}
		t.Logf("%s\n  %s\n    %s", q.name, q.stmt, strings.ReplaceAll(plan, "\n", "\n    "))
		for _, line := range strings.Split(plan, "\n") {
			if badPlan.MatchString(strings.TrimSpace(line)) {
				if q.target > 0 {
					t.Errorf("%s: full scan in the plan: %s", q.name, line)
				} else {
					t.Logf("%s (informational): full scan in the plan: %s", q.name, line)
				}
			}
		}
	}
}

// ---- GenerateSynthetic writes what CreateObject writes ----

// rowsOf describes an object's rows in every table CreateObject writes,
// without what differs between two creations (ids, times, tokens); name
// stands for the object's name in the full-text row.
func rowsOf(t *testing.T, db *DB, id string) []string {
	t.Helper()
	var out []string
	dump := func(table, q string, args ...any) {
		rows, err := db.db.Queryx(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			out = append(out, fmt.Sprintf("%s %v", table, vals))
		}
	}
	dump("objects", `SELECT repository_id, type_id, base_type_id, description, created_by, last_modified_by,
		creation_date = last_modification_date, change_token, path IS NULL, version_series_id IS NULL, version_label,
		is_major_version, is_latest_version, is_latest_major, is_pwc, checkin_comment, content_id, source_id,
		target_id, policy_text FROM objects WHERE id = ?`, id)
	dump("containment", `SELECT c.parent_id, c.name = o.name FROM containment c JOIN objects o ON o.id = c.child_id WHERE c.child_id = ?`, id)
	dump("object_properties", `SELECT property_id, position, property_type, typeof(value_text), typeof(value_int), typeof(value_real)
		FROM object_properties WHERE object_id = ? ORDER BY property_id, position`, id)
	dump("acl_entries", `SELECT principal_id, permission, level, direct FROM acl_entries WHERE object_id = ? ORDER BY principal_id, permission`, id)
	dump("change_log", `SELECT repository_id, change_type, type_id, base_type_id FROM change_log WHERE object_id = ? ORDER BY token`, id)
	dump("object_secondary_types", `SELECT type_id FROM object_secondary_types WHERE object_id = ?`, id)
	dump("applied_policies", `SELECT policy_id FROM applied_policies WHERE object_id = ?`, id)
	if fullTextBuilt {
		dump("fulltext", `SELECT replace(f.props, o.name, 'NAME'), f.body FROM fulltext f JOIN objects o ON o.id = f.object_id WHERE f.object_id = ?`, id)
	}
	return out
}

func TestSyntheticRowsMatchCreateObject(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	var batches int
	err := db.GenerateSyntheticWith(ctx, SyntheticOptions{RepositoryID: repo.ID, Folders: 1003, DocsPerFolder: 2, Seed: 7,
		BatchRows: 500, Progress: func(SyntheticProgress) { batches++ }})
	if err != nil {
		t.Fatal(err)
	}
	if batches < 10 {
		t.Errorf("%d transactions for ~%d rows in batches of 500", batches, 1003*2*8)
	}
	if err := db.GenerateSynthetic(ctx, repo.ID, 1, 1, 7); err == nil {
		t.Error("a second generation into the same repository succeeded")
	}
	byPath := func(p string) *cmis.Object {
		o, err := db.ObjectByPath(ctx, repo.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	var n int
	if err := db.db.Get(&n, `SELECT COUNT(*) FROM objects WHERE type_id = ?`, SyntheticTypeID); err != nil || n != 2006 {
		t.Fatalf("%d documents (%v), want 2006", n, err)
	}
	if err := db.db.Get(&n, `SELECT COUNT(*) FROM objects WHERE path LIKE '/bench%'`); err != nil || n != 1+2+1003 {
		t.Fatalf("%d folders (%v), want 1006", n, err)
	}
	if err := db.db.Get(&n, `SELECT COUNT(*) FROM containment WHERE parent_id = ?`, byPath("/bench/t01").ID); err != nil || n != 3 {
		t.Fatalf("t01 holds %d folders (%v), want 3", n, err)
	}
	if fullTextBuilt {
		if err := db.db.Get(&n, `SELECT COUNT(*) FROM fulltext WHERE fulltext MATCH ?`, SyntheticRareWord); err != nil || n != 1 {
			t.Fatalf("%d documents with the rare word (%v), want 1 (document 0)", n, err)
		}
	}

	admin := []cmis.ACE{{Principal: cmis.AdminUser, Permission: cmis.PermAll, Direct: true}}
	same := func(what, synthID, createdID string) {
		t.Helper()
		got, want := rowsOf(t, db, synthID), rowsOf(t, db, createdID)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: synthetic rows\n  %s\nCreateObject's\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}

	// A top folder: created with a group's read added and anyone's removed.
	t01 := byPath("/bench/t01")
	made, err := db.CreateObject(ctx, &cmis.Object{RepositoryID: repo.ID, TypeID: string(cmis.BaseFolder), BaseTypeID: cmis.BaseFolder,
		Name: "t99", CreatedBy: cmis.AdminUser}, byPath("/bench").ID, nil,
		append(admin, cmis.ACE{Principal: SyntheticGroupPrefix + "1", Permission: cmis.PermRead, Direct: true}),
		[]cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}})
	if err != nil {
		t.Fatal(err)
	}
	same("top folder", t01.ID, made.ID)

	// A leaf folder.
	leaf := byPath("/bench/t01/f01001")
	made, err = db.CreateObject(ctx, &cmis.Object{RepositoryID: repo.ID, TypeID: string(cmis.BaseFolder), BaseTypeID: cmis.BaseFolder,
		Name: "f99999", CreatedBy: cmis.AdminUser}, t01.ID, nil, admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	same("leaf folder", leaf.ID, made.ID)

	// A document, as createDocument makes one (major version 1.0).
	doc := byPath("/bench/t01/f01001/d01001-0001")
	if doc.TypeID != SyntheticTypeID || doc.Description == nil || len(doc.Properties[SyntheticCodeProperty]) != 1 || len(doc.Properties[SyntheticNProperty]) != 1 {
		t.Fatalf("synthetic document: %+v", doc)
	}
	made, err = db.CreateObject(ctx, &cmis.Object{RepositoryID: repo.ID, TypeID: SyntheticTypeID, BaseTypeID: cmis.BaseDocument,
		Name: "d99999-0000", Description: doc.Description, CreatedBy: cmis.AdminUser,
		VersionLabel: "1.0", IsMajorVersion: true, IsLatestVersion: true, IsLatestMajorVersion: true,
		Properties: doc.Properties}, leaf.ID, nil, admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	same("document", doc.ID, made.ID)

	// The reader sees the even top folders' documents only.
	s := &benchStore{db: db, repo: repo.ID}
	_, total, err := s.run(ctx, "SELECT cmis:objectId FROM "+SyntheticTypeID)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1000*2 { // t00's 1,000 leaf folders; t01 (3 folders + the two above) is bench-g1's
		t.Errorf("the reader sees %d documents, want 2000", total)
	}
}
