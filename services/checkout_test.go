package services

import (
	"context"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// TestCreateCheckedOut: versioningState checkedout creates the document
// as its PWC, the only object of its series, filed in the folder, until
// it is checked in as 1.0 (or cancelled, which deletes it).
func TestCreateCheckedOut(t *testing.T) {
	f := newFixture(t)
	folder := f.folder(t, f.root, "f")
	create := func(name string) string {
		r, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
			Properties: props("cmis:document", name), ContentStream: content("draft"), VersioningState: ptr(generated.EnumVersioningStateCheckedout)})
		if err != nil {
			t.Fatal(err)
		}
		return r.ObjectId
	}
	pwc := create("c")
	o := f.get(t, pwc, "*")
	s := versionState(o)
	if s[cmis.PropIsPrivateWorkingCopy] != "true" || s[cmis.PropIsVersionSeriesCheckedOut] != "true" ||
		s[cmis.PropVersionSeriesCheckedOutID] != pwc || s[cmis.PropIsLatestVersion] != "false" || s[cmis.PropIsLatestMajorVersion] != "false" {
		t.Fatalf("created checked out: %v", s)
	}
	if !deref(o.AllowableActions.CanCheckIn) || !deref(o.AllowableActions.CanCancelCheckOut) || deref(o.AllowableActions.CanCheckOut) {
		t.Fatalf("actions: %+v", o.AllowableActions)
	}
	if got := f.versions(t, pwc); len(got) != 1 || got[0] != pwc {
		t.Fatalf("versions: %v", got)
	}
	parents, err := f.ports.Navigation.GetObjectParentsContext(f.ctx, &generated.GetObjectParents{RepositoryId: repo, ObjectId: pwc})
	if err != nil || len(parents.Parents) != 1 {
		t.Fatalf("parents: %+v %v", parents, err)
	}
	r, err := f.ports.Versioning.GetObjectOfLatestVersionContext(f.ctx, &generated.GetObjectOfLatestVersion{RepositoryId: repo, ObjectId: pwc})
	if id, _ := value(r.Object, cmis.PropObjectID); err != nil || id != pwc {
		t.Fatalf("latest version of a series that has only its PWC: %s %v", id, err)
	}
	_, err = f.ports.Versioning.GetObjectOfLatestVersionContext(f.ctx, &generated.GetObjectOfLatestVersion{RepositoryId: repo, ObjectId: pwc, Major: ptr(true)})
	wantErr(t, "latest major before the first check-in", err, cmis.ErrObjectNotFound)

	v := f.checkIn(t, f.ctx, pwc, true, "")
	if s := versionState(f.get(t, v, "*")); s[cmis.PropVersionLabel] != "1.0" || s[cmis.PropIsLatestVersion] != "true" ||
		s[cmis.PropIsLatestMajorVersion] != "true" || s[cmis.PropIsVersionSeriesCheckedOut] != "false" {
		t.Fatalf("first check-in: %v", s)
	}
	if _, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/f/c"}); err != nil {
		t.Fatal(err)
	}

	other := create("other")
	if _, err := f.ports.Versioning.CancelCheckOutContext(f.ctx, &generated.CancelCheckOut{RepositoryId: repo, ObjectId: other}); err != nil {
		t.Fatal(err)
	}
	_, err = f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/f/other"})
	wantErr(t, "cancelled checked-out creation", err, cmis.ErrObjectNotFound)
}

func TestGetCheckedOutDocs(t *testing.T) {
	f := newFixture(t)
	alice := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "alice"})
	a := f.folder(t, f.root, "a")
	b := f.folder(t, f.root, "b")
	var pwcs []string
	for _, n := range []string{"3", "1", "2"} {
		pwcs = append(pwcs, f.checkOut(t, f.ctx, f.doc(t, a, n, "")))
	}
	f.checkOut(t, f.ctx, f.doc(t, b, "4", ""))
	f.doc(t, a, "not checked out", "")
	// Alice may read only one PWC: the others lose the inherited anyone.
	for _, p := range pwcs[1:] {
		if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: p, RemoveACEs: aceList(cmis.PrincipalAnyone, cmis.PermRead)}); err != nil {
			t.Fatal(err)
		}
	}
	nav := f.ports.Navigation
	cases := []struct {
		name  string
		ctx   context.Context
		req   *generated.GetCheckedOutDocs
		names string
		more  bool
		total int64
		err   cmis.ErrorType
	}{
		{"repository", f.ctx, &generated.GetCheckedOutDocs{}, "1,2,3,4", false, 4, ""},
		{"folder", f.ctx, &generated.GetCheckedOutDocs{FolderId: &a}, "1,2,3", false, 3, ""},
		{"page", f.ctx, &generated.GetCheckedOutDocs{MaxItems: ptr(int64(2)), SkipCount: ptr(int64(1))}, "2,3", true, 4, ""},
		{"past the end", f.ctx, &generated.GetCheckedOutDocs{SkipCount: ptr(int64(9))}, "", false, 4, ""},
		{"order by name descending", f.ctx, &generated.GetCheckedOutDocs{FolderId: &a, OrderBy: ptr("cmis:name DESC")}, "3,2,1", false, 3, ""},
		{"reader", alice, &generated.GetCheckedOutDocs{FolderId: &a}, "3", false, 1, ""},
		{"not a folder", f.ctx, &generated.GetCheckedOutDocs{FolderId: &pwcs[0]}, "", false, 0, cmis.ErrInvalidArgument},
		{"bad order", f.ctx, &generated.GetCheckedOutDocs{OrderBy: ptr("cmis:name UP")}, "", false, 0, cmis.ErrInvalidArgument},
		{"negative page", f.ctx, &generated.GetCheckedOutDocs{MaxItems: ptr(int64(-1))}, "", false, 0, cmis.ErrInvalidArgument},
	}
	for _, c := range cases {
		c.req.RepositoryId = repo
		c.req.IncludeAllowableActions = ptr(true)
		r, err := nav.GetCheckedOutDocsContext(c.ctx, c.req)
		wantErr(t, c.name, err, c.err)
		if err != nil {
			continue
		}
		var names []string
		for _, o := range r.Objects.Objects {
			n, _ := value(o, cmis.PropName)
			names = append(names, n)
			if s := versionState(o); s[cmis.PropIsPrivateWorkingCopy] != "true" || s[cmis.PropIsLatestVersion] != "false" ||
				s[cmis.PropIsLatestMajorVersion] != "false" || !deref(o.AllowableActions.CanCheckIn) == (c.ctx == f.ctx) {
				t.Fatalf("%s: %s is not a PWC as the TCK expects: %v", c.name, n, s)
			}
		}
		if strings.Join(names, ",") != c.names || r.Objects.HasMoreItems != c.more || *r.Objects.NumItems != c.total {
			t.Fatalf("%s: %v more=%v num=%d", c.name, names, r.Objects.HasMoreItems, *r.Objects.NumItems)
		}
	}
}

// TestVersioningACLs: bob may only read the document, alice may write
// it. Every versioning operation checks its permission, and allowable
// actions say the same.
func TestVersioningACLs(t *testing.T) {
	f := newFixture(t)
	alice := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "alice"})
	bob := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "bob"})
	folder := f.folder(t, f.root, "f")
	doc := f.doc(t, folder, "d", "x")
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: doc, AddACEs: aceList("alice", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	v := f.ports.Versioning
	actions := func(ctx context.Context, id string) *generated.CmisAllowableActionsType {
		t.Helper()
		r, err := f.ports.Object.GetAllowableActionsContext(ctx, &generated.GetAllowableActions{RepositoryId: repo, ObjectId: id})
		if err != nil {
			t.Fatal(err)
		}
		return r.AllowableActions
	}
	if deref(actions(bob, doc).CanCheckOut) || !deref(actions(alice, doc).CanCheckOut) || !deref(actions(bob, doc).CanGetAllVersions) {
		t.Fatal("canCheckOut does not follow write access")
	}
	_, err := v.CheckOutContext(bob, &generated.CheckOut{RepositoryId: repo, ObjectId: doc})
	wantErr(t, "bob checks out with read", err, cmis.ErrPermissionDenied)
	pwc := f.checkOut(t, alice, doc)

	// The PWC: the document's ACEs plus alice's cmis:all.
	acl, err := f.ports.ACL.GetACLContext(f.ctx, &generated.GetACL{RepositoryId: repo, ObjectId: pwc})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range acl.ACL.ACL.Permission {
		got[e.Principal.PrincipalId+" "+e.Permission[0]] = true
	}
	if !got["alice cmis:all"] || !got["alice cmis:write"] || !got["admin cmis:all"] || !got["anyone cmis:read"] {
		t.Fatalf("PWC ACL: %v", got)
	}
	if o := f.get(t, pwc, "*"); func() string { s, _ := value(o, cmis.PropVersionSeriesCheckedOutBy); return s }() != "alice" {
		t.Fatal("versionSeriesCheckedOutBy is not the checker-out")
	}
	if a := actions(bob, pwc); deref(a.CanCheckIn) || deref(a.CanCancelCheckOut) {
		t.Fatalf("bob's actions on the PWC: %+v", a)
	}
	ops := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"cancelCheckOut", func(ctx context.Context) error {
			_, err := v.CancelCheckOutContext(ctx, &generated.CancelCheckOut{RepositoryId: repo, ObjectId: pwc})
			return err
		}},
		{"checkIn", func(ctx context.Context) error {
			_, err := v.CheckInContext(ctx, &generated.CheckIn{RepositoryId: repo, ObjectId: pwc})
			return err
		}},
		{"delete the PWC", func(ctx context.Context) error {
			_, err := f.ports.Object.DeleteObjectContext(ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: pwc})
			return err
		}},
		{"update the PWC", func(ctx context.Context) error {
			_, err := f.ports.Object.UpdatePropertiesContext(ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: pwc, Properties: props("cmis:document", "z")})
			return err
		}},
		{"checkIn granting an ACE (needs cmis:all, which bob lacks)", func(ctx context.Context) error {
			_, err := v.CheckInContext(ctx, &generated.CheckIn{RepositoryId: repo, ObjectId: pwc, AddACEs: aceList("bob", cmis.PermAll)})
			return err
		}},
	}
	for _, op := range ops {
		wantErr(t, "bob: "+op.name, op.call(bob), cmis.ErrPermissionDenied)
	}
	// Read paths: bob may read the series through anyone's cmis:read; eve,
	// without it, may not.
	eve := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "eve"})
	for _, id := range []string{doc, pwc} {
		if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: id,
			RemoveACEs: aceList(cmis.PrincipalAnyone, cmis.PermRead), AddACEs: aceList("bob", cmis.PermRead)}); err != nil {
			t.Fatal(err)
		}
	}
	reads := map[string]func(ctx context.Context) error{
		"getAllVersions": func(ctx context.Context) error {
			_, err := v.GetAllVersionsContext(ctx, &generated.GetAllVersions{RepositoryId: repo, ObjectId: doc})
			return err
		},
		"getObjectOfLatestVersion": func(ctx context.Context) error {
			_, err := v.GetObjectOfLatestVersionContext(ctx, &generated.GetObjectOfLatestVersion{RepositoryId: repo, ObjectId: pwc})
			return err
		},
		"getPropertiesOfLatestVersion": func(ctx context.Context) error {
			_, err := v.GetPropertiesOfLatestVersionContext(ctx, &generated.GetPropertiesOfLatestVersion{RepositoryId: repo, ObjectId: doc})
			return err
		},
	}
	for name, read := range reads {
		wantErr(t, "bob "+name, read(bob), "")
		wantErr(t, "eve "+name, read(eve), cmis.ErrPermissionDenied)
	}
	r, err := f.ports.Navigation.GetCheckedOutDocsContext(eve, &generated.GetCheckedOutDocs{RepositoryId: repo})
	if err != nil || len(r.Objects.Objects) != 0 || *r.Objects.NumItems != 0 {
		t.Fatalf("eve sees checked-out documents she cannot read: %+v %v", r, err)
	}

	// Alice has cmis:all on her PWC, but not on the document: she may not
	// change the ACL the new version takes from the document.
	_, err = v.CheckInContext(alice, &generated.CheckIn{RepositoryId: repo, ObjectId: pwc, AddACEs: aceList("alice", cmis.PermAll)})
	wantErr(t, "alice grants herself cmis:all through check-in", err, cmis.ErrPermissionDenied)
	// Alice checks in: the new version has the document's ACL, not the
	// PWC's cmis:all for her.
	nv := f.checkIn(t, alice, pwc, true, "y")
	acl, _ = f.ports.ACL.GetACLContext(f.ctx, &generated.GetACL{RepositoryId: repo, ObjectId: nv})
	for _, e := range acl.ACL.ACL.Permission {
		if e.Principal.PrincipalId == "alice" && e.Permission[0] == cmis.PermAll {
			t.Fatal("the checker-out kept cmis:all on the new version")
		}
	}
	if a := actions(alice, nv); !deref(a.CanCheckOut) || deref(a.CanApplyACL) {
		t.Fatalf("alice on the new version: %+v", a)
	}
	// Deleting every version needs canDelete on every version.
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: doc, RemoveACEs: aceList("alice", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.ports.Object.DeleteObjectContext(alice, &generated.DeleteObject{RepositoryId: repo, ObjectId: nv})
	wantErr(t, "alice deletes a series with a version she may not delete", err, cmis.ErrPermissionDenied)
	_, err = f.ports.Object.DeleteObjectContext(alice, &generated.DeleteObject{RepositoryId: repo, ObjectId: nv, AllVersions: ptr(false)})
	wantErr(t, "alice deletes the version she may delete", err, "")
}
