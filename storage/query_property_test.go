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

// An equality's page reads the value's index alone where the property
// rows carry their object's ACL id and listed type (PostgreSQL's
// migration 14), and probes each object's row where they do not or the
// query tests more (here a condition on the object's id). After each
// change to a matching object's ACL, versions and value, the two must
// answer the same rows, for the administrator and for a reader, and page
// alike.
func TestPropertyPagesFollowChanges(t *testing.T) {
	db := openSynthetic(t, "the store is synthetic's", synthetic.Options{Folders: 4, DocsPerFolder: 25, Seed: 5})
	ctx := context.Background()
	admin := &cmis.Access{Admin: true}
	equal := "SELECT cmis:objectId FROM " + synthetic.TypeID + " WHERE " + synthetic.NProperty + " = "
	// A value no document has, given to four documents the reader sees
	// and four it does not.
	const value = int64(424242)
	stmt := equal + fmt.Sprint(value)
	hideEveryThird(t, db, "default")
	all := idsOf(runQuery(t, db, "SELECT cmis:objectId FROM "+synthetic.TypeID, admin, cmis.Page{MaxItems: -1}))
	readable := idsOf(runQuery(t, db, "SELECT cmis:objectId FROM "+synthetic.TypeID, benchReader, cmis.Page{MaxItems: -1}))
	var seen, hidden []string
	for _, id := range all {
		if slices.Contains(readable, id) && len(seen) < 4 {
			seen = append(seen, id)
		} else if !slices.Contains(readable, id) && len(hidden) < 4 {
			hidden = append(hidden, id)
		}
	}
	if len(seen) < 4 || len(hidden) < 4 {
		t.Fatalf("the reader sees %d documents of %d; want four of each", len(readable), len(all))
	}
	setValue := func(id string, v int64) error {
		_, err := db.UpdateObject(ctx, "default", id, nil, cmis.Change{Properties: map[string][]cmis.Value{synthetic.NProperty: {v}}}, "admin")
		return err
	}
	for _, id := range append(slices.Clone(seen[:3]), hidden[:3]...) {
		if err := setValue(id, value); err != nil {
			t.Fatal(err)
		}
	}
	other := seen[3]
	check := func(when string) {
		t.Helper()
		for _, r := range []*cmis.Access{admin, benchReader} {
			got := idsOf(runQuery(t, db, stmt, r, cmis.Page{MaxItems: -1}))
			want := idsOf(runQuery(t, db, stmt+" AND cmis:objectId IS NOT NULL", r, cmis.Page{MaxItems: -1}))
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s as %v:\n got %v\nwant %v (probing each object)", when, stmt, r.Principals, got, want)
			}
			// What the reader may read of the administrator's answer, by
			// the per-object check.
			levels, err := db.Levels(ctx, idsOf(runQuery(t, db, stmt, admin, cmis.Page{MaxItems: -1})), r)
			if err != nil {
				t.Fatal(err)
			}
			var readable []string
			for id, l := range levels {
				if l >= cmis.CanRead {
					readable = append(readable, id)
				}
			}
			if slices.Sort(readable); !slices.Equal(got, readable) {
				t.Errorf("%s: %s as %v:\n got %v\nwant %v (the objects' ACLs)", when, stmt, r.Principals, got, readable)
			}
			var paged []string
			for skip := int64(0); skip < int64(len(got))+2; skip += 2 {
				paged = append(paged, idsOf(runQuery(t, db, stmt, r, cmis.Page{MaxItems: 2, SkipCount: skip}))...)
			}
			if !slices.Equal(paged, got) {
				t.Errorf("%s: %s as %v in pages of 2: %v, want %v", when, stmt, r.Principals, paged, got)
			}
		}
	}
	check("generated")

	var pwc *cmis.Object
	steps := []struct {
		name string
		do   func() error
	}{
		{"a hidden match given to the reader", func() error {
			_, err := db.ApplyACL(ctx, "default", hidden[0], []cmis.ACE{{Principal: "bench-reader", Permission: cmis.PermRead}}, nil, false, "admin")
			return err
		}},
		{"a match checked out", func() (err error) {
			pwc, err = db.CheckOut(ctx, "default", seen[0], "bob")
			return err
		}},
		{"checked in", func() error {
			_, err := db.CheckIn(ctx, "default", pwc.ID, cmis.CheckIn{Major: true, User: "bob"})
			return err
		}},
		{"a match's value changed", func() error { return setValue(seen[1], value+1) }},
		{"another document given the value", func() error { return setValue(other, value) }},
		{"a match deleted", func() error { return db.DeleteObject(ctx, "default", seen[2], cmis.Permit{}) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
	}
}

// runQuery runs a query as r.
func runQuery(t *testing.T, db *storage.DB, stmt string, r *cmis.Access, p cmis.Page) ([]query.Row, cmis.PageEnd) {
	t.Helper()
	q, err := query.Prepare(context.Background(), db, "default", stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	rows, end, err := db.RunQuery(context.Background(), "default", q, query.Options{Reader: r, Page: p})
	if err != nil {
		t.Fatalf("%s, %+v: %v", stmt, p, err)
	}
	return rows, end
}

// idsOf are the first table's object ids of rows.
func idsOf(rows []query.Row, _ cmis.PageEnd) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Objects[0].ID)
	}
	return out
}

// TestSystemOnlyRows holds query.Options.SystemOnly to its word: the rows'
// objects come without their custom values, which they carry otherwise.
func TestSystemOnlyRows(t *testing.T) {
	db := openSynthetic(t, "the store is synthetic's", synthetic.Options{Folders: 1, DocsPerFolder: 3, Seed: 5})
	q, err := query.Prepare(context.Background(), db, "default", "SELECT cmis:objectId FROM "+synthetic.TypeID)
	if err != nil {
		t.Fatal(err)
	}
	for _, systemOnly := range []bool{false, true} {
		rows, _, err := db.RunQuery(context.Background(), "default", q, query.Options{Reader: &cmis.Access{Admin: true},
			Page: cmis.Page{MaxItems: -1}, SystemOnly: systemOnly})
		if err != nil || len(rows) != 3 {
			t.Fatalf("SystemOnly %v: %d rows, %v", systemOnly, len(rows), err)
		}
		for _, r := range rows {
			o := r.Objects[0]
			if got := len(o.Properties[synthetic.NProperty]) > 0; got == systemOnly || o.Name == "" {
				t.Errorf("SystemOnly %v: %s named %q has %s: %v", systemOnly, o.ID, o.Name, synthetic.NProperty, got)
			}
		}
	}
}
