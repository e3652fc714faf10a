package services

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// numItems is what the store counted: exact up to its bound, left out
// above it (unless the page reaches the end of the results), while
// hasMoreItems stays exact, for queries and getChildren alike.
func TestNumItemsPastTheCountBound(t *testing.T) {
	f, ids := queryFixture(t) // five q:doc; folder A holds alpha, beta and B
	type page struct {
		skip  int64
		names string
		more  bool
		num   string // "-": left out
	}
	check := func(what string, got []string, more bool, num *int64, want page) {
		t.Helper()
		n := "-"
		if num != nil {
			n = fmt.Sprint(*num)
		}
		if g := strings.Join(got, ","); g != want.names || more != want.more || n != want.num {
			t.Errorf("%s skip %d: %s more %v numItems %s, want %s more %v numItems %s", what, want.skip, g, more, n, want.names, want.more, want.num)
		}
	}
	for _, c := range []struct {
		bound int64
		pages []page
	}{
		{5, []page{{0, "alpha,beta", true, "5"}, {2, "delta,epsilon", true, "5"}, {4, "gamma", false, "5"}}},
		{4, []page{{0, "alpha,beta", true, "-"}, {2, "delta,epsilon", true, "-"}, {4, "gamma", false, "5"}}},
	} {
		f.store.SetLimits(c.bound, 0)
		for _, p := range c.pages {
			r, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo, Statement: "SELECT cmis:name FROM q:doc ORDER BY cmis:name",
				MaxItems: ptr(int64(2)), SkipCount: ptr(p.skip)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range r.Objects.Objects {
				names = append(names, generated.OfType[*generated.CmisPropertyString](o.Properties.Properties)[0].Value[0])
			}
			check(fmt.Sprintf("bound %d, query", c.bound), names, r.Objects.HasMoreItems, r.Objects.NumItems, p)
		}
	}
	for _, c := range []struct {
		bound int64
		pages []page
	}{
		{3, []page{{0, "B,alpha", true, "3"}, {2, "beta", false, "3"}}},
		{2, []page{{0, "B,alpha", true, "-"}, {2, "beta", false, "3"}}},
	} {
		f.store.SetLimits(c.bound, 0)
		for _, p := range c.pages {
			r, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: ids["A"],
				MaxItems: ptr(int64(2)), SkipCount: ptr(p.skip)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range r.Objects.Objects {
				v, _ := value(o.Object, cmis.PropName)
				names = append(names, v)
			}
			check(fmt.Sprintf("bound %d, children", c.bound), names, r.Objects.HasMoreItems, r.Objects.NumItems, p)
		}
	}
}

// A query that runs past the time limit is stopped with a runtime fault
// that names the limit.
func TestQueryTimeLimit(t *testing.T) {
	f := newFixture(t)
	for i := range 30 {
		f.doc(t, f.root, fmt.Sprintf("d%02d", i), "")
	}
	// Four tables of 30 documents joined on their one creator: 810,000
	// rows to order.
	const slow = "SELECT a.cmis:name FROM cmis:document a JOIN cmis:document b ON a.cmis:createdBy = b.cmis:createdBy " +
		"JOIN cmis:document c ON b.cmis:createdBy = c.cmis:createdBy JOIN cmis:document d ON c.cmis:createdBy = d.cmis:createdBy " +
		"ORDER BY a.cmis:name DESC"
	f.store.SetLimits(0, 50*time.Millisecond)
	start := time.Now()
	_, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo, Statement: slow, MaxItems: ptr(int64(10))})
	took := time.Since(start)
	e, ok := cmis.AsError(err)
	if !ok || e.Type != cmis.ErrRuntime || !strings.Contains(e.Message, "time limit of 50ms") {
		t.Fatalf("after %v: %v, want a runtime fault naming the 50ms limit", took, err)
	}
	// The same query runs to its end under a generous limit.
	f.store.SetLimits(0, time.Minute)
	r, err := f.ports.Discovery.QueryContext(f.ctx, &generated.Query{RepositoryId: repo, Statement: slow, MaxItems: ptr(int64(1))})
	if err != nil || len(r.Objects.Objects) != 1 {
		t.Fatalf("without the limit: %v", err)
	}
	if d := time.Since(start) - took; d < 50*time.Millisecond {
		t.Errorf("the query takes %v in full: too quick to show the limit at work", d)
	}
}
