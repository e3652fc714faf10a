package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

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

// BulkCreate writes each object as CreateObject does: the same rows in
// every table, the ACL inherited and changed the same way.
func TestBulkCreateMatchesCreateObject(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	admin := cmis.ACE{Principal: cmis.AdminUser, Permission: cmis.PermAll, Direct: true}
	staff := cmis.ACE{Principal: "staff", Permission: cmis.PermRead, Direct: true}
	anyone := cmis.ACE{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}
	desc := "amber basin quokka"
	newFolder := func(name string) *cmis.Object {
		return &cmis.Object{RepositoryID: repo.ID, TypeID: string(cmis.BaseFolder), BaseTypeID: cmis.BaseFolder,
			Name: name, CreatedBy: cmis.AdminUser}
	}
	newDoc := func(name string) *cmis.Object {
		return &cmis.Object{RepositoryID: repo.ID, TypeID: string(cmis.BaseDocument), BaseTypeID: cmis.BaseDocument,
			Name: name, Description: &desc, CreatedBy: cmis.AdminUser,
			VersionLabel: "1.0", IsMajorVersion: true, IsLatestVersion: true, IsLatestMajorVersion: true,
			Properties: map[string][]cmis.Value{"x:code": {"C-1"}, "x:n": {int64(7)}, "x:tags": {"b", "a"}, "x:d": {cmis.Decimal("1.5")}}}
	}
	// Each level in turn, bulk loaded and created beside each other: a
	// folder with a group's read added and anyone's removed, a folder
	// inside it as it is, a document inside that.
	type level struct {
		o           func(string) *cmis.Object
		add, remove []cmis.ACE
	}
	levels := []level{{newFolder, []cmis.ACE{admin, staff}, []cmis.ACE{anyone}}, {newFolder, []cmis.ACE{admin}, nil}, {newDoc, []cmis.ACE{admin}, nil}}
	parent := repo.RootFolderID
	var commits int
	for i, l := range levels {
		bulk := l.o(fmt.Sprint("bulk", i))
		err := db.BulkCreate(ctx, BulkOptions{RepositoryID: repo.ID, OnCommit: func() { commits++ }}, func(create BulkCreateFunc) error {
			return create(bulk, parent, l.add, l.remove)
		})
		if err != nil {
			t.Fatal(err)
		}
		made, err := db.CreateObject(ctx, l.o(fmt.Sprint("made", i)), parent, nil, l.add, l.remove)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rowsOf(t, db, bulk.ID), rowsOf(t, db, made.ID); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("level %d: bulk rows\n  %s\nCreateObject's\n  %s", i, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		if want := strings.TrimSuffix(made.Path, "made"+fmt.Sprint(i)) + "bulk" + fmt.Sprint(i); bulk.BaseTypeID == cmis.BaseFolder && bulk.Path != want {
			t.Errorf("level %d: bulk folder at %q, want %q", i, bulk.Path, want)
		}
		parent = bulk.ID
	}
	if commits != len(levels) {
		t.Errorf("%d commits for %d loads", commits, len(levels))
	}
}

// A load commits every BatchRows rows; an error rolls back what it has
// not committed; what it cannot write like CreateObject it refuses.
func TestBulkCreateBatchesAndRefuses(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	folder := func(name string) *cmis.Object {
		return &cmis.Object{RepositoryID: repo.ID, TypeID: string(cmis.BaseFolder), BaseTypeID: cmis.BaseFolder, Name: name, CreatedBy: "a"}
	}
	var commits int
	err := db.BulkCreate(ctx, BulkOptions{RepositoryID: repo.ID, BatchRows: 20, OnCommit: func() { commits++ }}, func(create BulkCreateFunc) error {
		for i := range 30 {
			if err := create(folder(fmt.Sprint("f", i)), repo.RootFolderID, nil, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if commits < 5 {
		t.Errorf("%d commits for 30 folders of 5 rows or more in batches of 20", commits)
	}
	kids, total, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: repo.RootFolderID, Page: cmis.Page{MaxItems: -1}})
	if err != nil || total.Total != 30 || len(kids) != 30 {
		t.Fatalf("%d children (%v), want 30", total.Total, err)
	}
	cases := []struct {
		name string
		o    *cmis.Object
		want cmis.ErrorType // "" = any error
	}{
		{"name taken", folder("f3"), cmis.ErrNameConstraintViolation},
		{"secondary type", &cmis.Object{RepositoryID: repo.ID, TypeID: "cmis:folder", BaseTypeID: cmis.BaseFolder, Name: "s", SecondaryTypeIDs: []string{"x"}}, ""},
		{"other repository", &cmis.Object{RepositoryID: "other", TypeID: "cmis:folder", BaseTypeID: cmis.BaseFolder, Name: "o"}, ""},
	}
	for _, c := range cases {
		err := db.BulkCreate(ctx, BulkOptions{RepositoryID: repo.ID}, func(create BulkCreateFunc) error {
			if err := create(folder("rolled-back"), repo.RootFolderID, nil, nil); err != nil {
				return err
			}
			return create(c.o, repo.RootFolderID, nil, nil)
		})
		if err == nil || (c.want != "" && cmis.ErrorTypeOf(err) != c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if _, err := db.ObjectByPath(ctx, repo.ID, "/rolled-back"); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			t.Errorf("%s: the load's other object was kept: %v", c.name, err)
		}
	}
}
