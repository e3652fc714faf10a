package storetest

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // to read the plans of a closed store

	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/internal/pgtest"
	"github.com/cmisd/cmisd/storage"
)

// CheckPlans runs a package's tests (m) and then checks the plan of
// every statement they made a SQLite store run, the inline ones of the
// store's methods as much as the query compiler's: the store never runs
// ANALYZE, and without statistics SQLite's plans do not depend on table
// sizes, so a statement that reads every object of a repository here
// does so on a store of a million (a version list once read all of them
// through objects_pwc, repository_id alone; getCheckedOutDocs walked every
// object in name order to find the PWCs). The query cases of the
// benchmark have their own, stricter check (storage's
// TestQueryPlansSmall). It returns the exit code for TestMain: m's, or 1
// when a plan reads a whole table or repository. On PostgreSQL, whose
// planner goes by statistics, it only runs m.
func CheckPlans(m *testing.M) int {
	if pgtest.OnPostgres() {
		return m.Run()
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	storage.ObserveStatements(func(q string) {
		q = manyParams.ReplaceAllString(q, "IN (?)")
		mu.Lock()
		seen[q] = true
		mu.Unlock()
	})
	code := m.Run()
	storage.ObserveStatements(nil)
	if code == 0 {
		if err := checkAllPlans(seen); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: statement plans:", err)
			code = 1
		}
	}
	return code
}

// manyParams is a list of parameters (sqlx.In's expansion): one plans
// like many.
var manyParams = regexp.MustCompile(`IN \(\?(, ?\?)+\)`)

// FullScan is a plan's line, in SQLite's EXPLAIN QUERY PLAN's words, that
// reads a whole table (or a whole index of one) among objects (the query
// compiler's tN, o, p, pwc), object_properties (pv), containment (c, fc,
// cc), acl_entries (ace) and object_secondary_types (st).
var FullScan = regexp.MustCompile(`^SCAN (t\d+|o|p|pwc|pv|c|fc|cc|ace|st|objects|object_properties|containment|acl_entries)\b`)

// wholeRepository searches every object of a repository by that alone (a
// type's objects, or a repository's PWCs, are what a statement may ask
// for; TestQueryPlansSmall holds the query compiler's type-wide pages to
// their cases).
var wholeRepository = regexp.MustCompile(`^SEARCH \w+ USING (COVERING )?INDEX (objects_type\w*|objects_name|objects_pwc) \(repository_id=\?\)`)

// planned are the statements whose plans say something: the others
// change the schema or the connection.
var planned = regexp.MustCompile(`(?i)^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|REPLACE)\b`)

// wholeReads are the statements that read a whole table or repository on
// purpose, whitespace collapsed (a final "*" matches any rest), and why.
var wholeReads = map[string]string{
	"SELECT * FROM *":                    "copying a store to another engine (copy.go) reads each table whole",
	"SELECT id FROM objects ORDER BY id": "copying a store (copy.go) lists every object",
	"SELECT id FROM objects":             "rebuilding the full-text index (sqlite_fulltext.go) reads every object",
	"SELECT (SELECT COUNT(*) FROM objects), (SELECT COUNT(*) FROM contents), (SELECT COALESCE(SUM(length), 0) FROM contents)": "the status page's counts (Stats), cached by the server",
	"SELECT o.id AS id, o.name AS name, o.base_type_id AS base, o.path AS path,*":                                             "concurrency_test's check of the whole tree",
	"SELECT COUNT(*) FROM containment": "paging_test's check of every filing",
	"SELECT COUNT(*) FROM containment c JOIN objects o ON o.id = c.child_id WHERE c.name <> o.name*":        "paging_test's check of every filing",
	"SELECT o.id, o.acl_id, a.readers FROM objects o LEFT JOIN acls a ON a.id = o.acl_id":                   "acl_ids_test's check of every object's ACL id",
	"SELECT DISTINCT object_id, principal_id FROM acl_entries ORDER BY object_id, principal_id":             "acl_ids_test's check of every object's ACL id",
	"SELECT c.child_id FROM containment c JOIN objects o ON o.id = c.child_id WHERE c.acl_id IS NULL*":      "acl_ids_test's check of every filing's ACL id",
	"SELECT id FROM objects WHERE base_type_id = 'cmis:folder' ORDER BY id":                                 "acl_ids_test's check of every folder's children",
	"SELECT c.parent_id || '/' || c.child_id FROM containment c JOIN objects o ON o.id = c.child_id WHERE*": "filing_filters_test's check of every filing's listed type and multi-filing",
}

// exempt reports whether q reads a whole table on purpose (wholeReads).
func exempt(q string) bool {
	q = strings.Join(strings.Fields(q), " ")
	for w := range wholeReads {
		if prefix, ok := strings.CutSuffix(w, "*"); ok && strings.HasPrefix(q, prefix) || q == w {
			return true
		}
	}
	return false
}

// checkAllPlans explains each statement of seen on a fresh store and
// returns an error naming those that read a whole table (FullScan) or
// every object of a repository (wholeRepository).
func checkAllPlans(seen map[string]bool) error {
	dir, err := os.MkdirTemp("", "cmisd-plans-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, _, err := datadir.Open(ctx, dir, "", storage.Options{NoSweep: true})
	if err != nil {
		return err
	}
	store.Close()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "cmisd.db")+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var bad, unexplained []string
	explained := 0
	for q := range seen {
		if !planned.MatchString(q) || exempt(q) {
			continue
		}
		plan, err := explain(ctx, conn, q)
		if err != nil {
			unexplained = append(unexplained, fmt.Sprintf("%v\n    %s", err, q))
			continue
		}
		explained++
		for _, line := range plan {
			if FullScan.MatchString(line) || wholeRepository.MatchString(line) {
				bad = append(bad, line+"\n    "+strings.Join(strings.Fields(q), " "))
			}
		}
	}
	slices.Sort(bad)
	slices.Sort(unexplained)
	fmt.Fprintf(os.Stderr, "statement plans: %d statements explained, %d not explainable on a fresh store\n", explained, len(unexplained))
	for _, u := range unexplained {
		fmt.Fprintln(os.Stderr, "  not explained:", u)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d statements read a whole table or repository:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	return nil
}

// explain is the EXPLAIN QUERY PLAN of q, its parameters bound to NULL
// (the build's SQLITE_ENABLE_QPSG keeps plans from depending on them).
func explain(ctx context.Context, conn *sql.Conn, q string) ([]string, error) {
	var n int
	err := conn.Raw(func(dc any) error {
		st, err := dc.(sqldriver.Conn).Prepare("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			return err
		}
		n = st.NumInput()
		return st.Close()
	})
	if err != nil {
		return nil, err
	}
	return storage.SQLitePlan(ctx, conn, q, make([]any, n))
}
