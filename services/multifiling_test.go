package services

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// userCtx is the context of a user who is not an administrator.
func userCtx(name string) context.Context {
	return cmis.NewContextWithUser(context.Background(), &cmis.User{Name: name})
}

// childNames lists a folder's children by name.
func (f *fixture) childNames(t *testing.T, folder string) string {
	t.Helper()
	r, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder})
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, o := range r.Objects.Objects {
		v, _ := value(o.Object, cmis.PropName)
		n = append(n, v)
	}
	return strings.Join(n, ",")
}

// parents lists the folders an object is filed in, as "folderId/segment".
func (f *fixture) parents(t *testing.T, id string) string {
	t.Helper()
	r, err := f.ports.Navigation.GetObjectParentsContext(f.ctx, &generated.GetObjectParents{RepositoryId: repo, ObjectId: id, IncludeRelativePathSegment: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range r.Parents {
		v, _ := value(p.Object, cmis.PropObjectID)
		out = append(out, v+"/"+*p.RelativePathSegment)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func joinSorted(s ...string) string {
	sort.Strings(s)
	return strings.Join(s, ",")
}

func TestMultiFiling(t *testing.T) {
	f := newFixture(t)
	mf := f.ports.MultiFiling
	a := f.folder(t, f.root, "a")
	b := f.folder(t, f.root, "b")
	d := f.doc(t, a, "d", "body")
	clash := f.doc(t, b, "clash", "")
	f.doc(t, a, "clash", "")
	rel := f.rel(t, "cmis:relationship", "r", d, a)
	bob := userCtx("bob") // reads everything below the root, writes nothing

	if _, err := mf.AddObjectToFolderContext(f.ctx, &generated.AddObjectToFolder{RepositoryId: repo, ObjectId: d, FolderId: b}); err != nil {
		t.Fatal(err)
	}
	if got := f.childNames(t, a); got != "clash,d" {
		t.Fatalf("children of a: %s", got)
	}
	if got := f.childNames(t, b); got != "clash,d" {
		t.Fatalf("children of b: %s", got)
	}
	if got := f.parents(t, d); got != joinSorted(a+"/d", b+"/d") {
		t.Fatalf("parents: %s", got)
	}
	for _, p := range []string{"/a/d", "/b/d"} {
		o, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: p})
		if id, _ := value(o.Object, cmis.PropObjectID); err != nil || id != d {
			t.Fatalf("%s: %v", p, err)
		}
	}

	adds := []struct {
		name string
		ctx  context.Context
		req  generated.AddObjectToFolder
		want cmis.ErrorType
	}{
		{"again", f.ctx, generated.AddObjectToFolder{ObjectId: d, FolderId: b}, ""},
		{"allVersions false", f.ctx, generated.AddObjectToFolder{ObjectId: d, FolderId: b, AllVersions: ptr(false)}, cmis.ErrNotSupported},
		{"allVersions true", f.ctx, generated.AddObjectToFolder{ObjectId: d, FolderId: b, AllVersions: ptr(true)}, ""},
		{"a folder", f.ctx, generated.AddObjectToFolder{ObjectId: a, FolderId: b}, cmis.ErrConstraint},
		{"a relationship", f.ctx, generated.AddObjectToFolder{ObjectId: rel, FolderId: b}, cmis.ErrConstraint},
		{"into a document", f.ctx, generated.AddObjectToFolder{ObjectId: d, FolderId: clash}, cmis.ErrInvalidArgument},
		{"name taken", f.ctx, generated.AddObjectToFolder{ObjectId: clash, FolderId: a}, cmis.ErrNameConstraintViolation},
		{"no folder", f.ctx, generated.AddObjectToFolder{ObjectId: d}, cmis.ErrInvalidArgument},
		{"unknown object", f.ctx, generated.AddObjectToFolder{ObjectId: "nope", FolderId: b}, cmis.ErrObjectNotFound},
		{"unknown folder", f.ctx, generated.AddObjectToFolder{ObjectId: d, FolderId: "nope"}, cmis.ErrObjectNotFound},
		{"bob may not write the folder", bob, generated.AddObjectToFolder{ObjectId: clash, FolderId: f.root}, cmis.ErrPermissionDenied},
	}
	for _, c := range adds {
		c.req.RepositoryId = repo
		_, err := mf.AddObjectToFolderContext(c.ctx, &c.req)
		wantErr(t, "add: "+c.name, err, c.want)
	}
	if got := f.parents(t, d); got != joinSorted(a+"/d", b+"/d") {
		t.Fatalf("parents after the faults: %s", got)
	}

	removes := []struct {
		name string
		ctx  context.Context
		req  generated.RemoveObjectFromFolder
		want cmis.ErrorType
	}{
		{"bob may not write the folder", bob, generated.RemoveObjectFromFolder{ObjectId: d, FolderId: &a}, cmis.ErrPermissionDenied},
		{"bob may not write all parents", bob, generated.RemoveObjectFromFolder{ObjectId: d}, cmis.ErrPermissionDenied},
		{"a folder", f.ctx, generated.RemoveObjectFromFolder{ObjectId: b, FolderId: &f.root}, cmis.ErrConstraint},
		{"not a parent", f.ctx, generated.RemoveObjectFromFolder{ObjectId: clash, FolderId: &a}, cmis.ErrInvalidArgument},
		{"from a", f.ctx, generated.RemoveObjectFromFolder{ObjectId: d, FolderId: &a}, ""},
		{"from a again", f.ctx, generated.RemoveObjectFromFolder{ObjectId: d, FolderId: &a}, cmis.ErrInvalidArgument},
	}
	for _, c := range removes {
		c.req.RepositoryId = repo
		_, err := mf.RemoveObjectFromFolderContext(c.ctx, &c.req)
		wantErr(t, "remove: "+c.name, err, c.want)
	}
	if got := f.parents(t, d); got != b+"/d" {
		t.Fatalf("parents after removing from a: %s", got)
	}
	if got := f.childNames(t, a); got != "clash" {
		t.Fatalf("children of a after removing: %s", got)
	}
	aa := f.get(t, d, "cmis:name").AllowableActions
	if !deref(aa.CanAddObjectToFolder) || !deref(aa.CanRemoveObjectFromFolder) || !deref(aa.CanMoveObject) {
		t.Fatalf("filed document's actions: %+v", aa)
	}

	// From all parents: unfiled, reachable by id, not by path.
	if _, err := mf.RemoveObjectFromFolderContext(f.ctx, &generated.RemoveObjectFromFolder{RepositoryId: repo, ObjectId: d}); err != nil {
		t.Fatal(err)
	}
	if got := f.parents(t, d); got != "" {
		t.Fatalf("unfiled document's parents: %s", got)
	}
	if got := f.childNames(t, b); got != "clash" {
		t.Fatalf("children of b after unfiling: %s", got)
	}
	if _, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/b/d"}); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("unfiled document by path: %v", err)
	}
	r, err := f.ports.Object.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: d})
	if err != nil || read(t, r.ContentStream) != "body" {
		t.Fatalf("unfiled document's content: %v", err)
	}
	_, err = mf.RemoveObjectFromFolderContext(f.ctx, &generated.RemoveObjectFromFolder{RepositoryId: repo, ObjectId: d})
	wantErr(t, "unfile an unfiled object", err, cmis.ErrInvalidArgument)
	ua := f.get(t, d, "cmis:name").AllowableActions
	if !deref(ua.CanAddObjectToFolder) || deref(ua.CanRemoveObjectFromFolder) || deref(ua.CanMoveObject) {
		t.Fatalf("unfiled document's actions: %+v", ua)
	}
	aa2, _ := f.ports.Object.GetAllowableActionsContext(f.ctx, &generated.GetAllowableActions{RepositoryId: repo, ObjectId: d})
	if deref(aa2.AllowableActions.CanMoveObject) != deref(ua.CanMoveObject) || deref(aa2.AllowableActions.CanRemoveObjectFromFolder) {
		t.Fatal("getAllowableActions differs from getObject's")
	}
	fa := f.get(t, a, "cmis:name").AllowableActions
	if deref(fa.CanAddObjectToFolder) || deref(fa.CanRemoveObjectFromFolder) {
		t.Fatalf("folder's filing actions: %+v", fa)
	}
	if ra := f.get(t, rel, "cmis:name").AllowableActions; deref(ra.CanAddObjectToFolder) || deref(ra.CanMoveObject) {
		t.Fatalf("relationship's filing actions: %+v", ra)
	}
	// Filed again: back at its path.
	if _, err := mf.AddObjectToFolderContext(f.ctx, &generated.AddObjectToFolder{RepositoryId: repo, ObjectId: d, FolderId: a}); err != nil {
		t.Fatal(err)
	}
	if got := f.parents(t, d); got != a+"/d" {
		t.Fatalf("refiled: %s", got)
	}
}

func TestCreateUnfiled(t *testing.T) {
	f := newFixture(t)
	obj := f.ports.Object
	doc, err := obj.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, Properties: props("cmis:document", "loose"), ContentStream: content("x")})
	if err != nil {
		t.Fatal(err)
	}
	item, err := obj.CreateItemContext(f.ctx, &generated.CreateItem{RepositoryId: repo, Properties: props("cmis:item", "loose")})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := obj.CreatePolicyContext(f.ctx, &generated.CreatePolicy{RepositoryId: repo, Properties: props("cmis:policy", "loose")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{doc.ObjectId, item.ObjectId, pol.ObjectId} {
		if got := f.parents(t, id); got != "" {
			t.Fatalf("%s has parents %s", id, got)
		}
		if n, _ := value(f.get(t, id, "*"), cmis.PropName); n != "loose" {
			t.Fatalf("%s: name %q", id, n)
		}
	}
	if got := f.childNames(t, f.root); got != "" {
		t.Fatalf("root lists unfiled objects: %s", got)
	}
	_, err = obj.CreateFolderContext(f.ctx, &generated.CreateFolder{RepositoryId: repo, Properties: props("cmis:folder", "loose")})
	wantErr(t, "a folder without parent", err, cmis.ErrConstraint)
	// Only the creator may read what it created unfiled: no folder to
	// inherit ACEs from.
	_, err = obj.GetObjectContext(userCtx("bob"), &generated.GetObject{RepositoryId: repo, ObjectId: doc.ObjectId})
	wantErr(t, "bob reads an unfiled document", err, cmis.ErrPermissionDenied)
}

// TestDeleteTreeModes: tree t holds sub folder s with a document only
// there (single) and a document also filed outside the tree (multi).
func TestDeleteTreeModes(t *testing.T) {
	cases := []struct {
		mode          *generated.EnumUnfileObject
		single, multi bool // stay
		multiPath     string
	}{
		{ptr(generated.EnumUnfileObject("unfile")), true, true, "/out/multi"},
		{ptr(generated.EnumUnfileObject("deletesinglefiled")), false, true, "/out/multi"},
		{ptr(generated.EnumUnfileObject("delete")), false, false, ""},
		{nil, false, false, ""},
	}
	for _, c := range cases {
		name := "default"
		if c.mode != nil {
			name = string(*c.mode)
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			tree := f.folder(t, f.root, "t")
			sub := f.folder(t, tree, "s")
			out := f.folder(t, f.root, "out")
			single := f.doc(t, sub, "single", "1")
			multi := f.doc(t, tree, "multi", "2")
			if _, err := f.ports.MultiFiling.AddObjectToFolderContext(f.ctx, &generated.AddObjectToFolder{RepositoryId: repo, ObjectId: multi, FolderId: out}); err != nil {
				t.Fatal(err)
			}
			r, err := f.ports.Object.DeleteTreeContext(f.ctx, &generated.DeleteTree{RepositoryId: repo, FolderId: tree, UnfileObjects: c.mode})
			if err != nil || len(r.FailedToDelete.ObjectIds) != 0 {
				t.Fatalf("deleteTree: %v %v", r, err)
			}
			for _, x := range []struct {
				id      string
				stays   bool
				parents string
			}{{tree, false, ""}, {sub, false, ""}, {single, c.single, ""}, {multi, c.multi, out + "/multi"}} {
				_, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: x.id})
				if (err == nil) != x.stays {
					t.Fatalf("%s: stays %v, want %v", x.id, err == nil, x.stays)
				}
				if x.stays {
					if got := f.parents(t, x.id); got != x.parents {
						t.Fatalf("%s: parents %q, want %q", x.id, got, x.parents)
					}
				}
			}
			if c.multiPath != "" {
				if _, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: c.multiPath}); err != nil {
					t.Fatalf("%s: %v", c.multiPath, err)
				}
			}
		})
	}
	f := newFixture(t)
	_, err := f.ports.Object.DeleteTreeContext(f.ctx, &generated.DeleteTree{RepositoryId: repo, FolderId: f.folder(t, f.root, "x"),
		UnfileObjects: ptr(generated.EnumUnfileObject("shred"))})
	wantErr(t, "unknown mode", err, cmis.ErrInvalidArgument)
}

// TestDeleteTreeUnfileNeedsLess: bob may write the tree's folders but only
// read the document in it: he may unfile it, not delete it.
func TestDeleteTreeUnfileNeedsLess(t *testing.T) {
	f := newFixture(t)
	tree := f.folder(t, f.root, "t")
	d := f.doc(t, tree, "d", "")
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: tree, AddACEs: aceList("bob", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	bob := userCtx("bob")
	for _, c := range []struct {
		mode string
		want cmis.ErrorType
	}{{"delete", cmis.ErrPermissionDenied}, {"deletesinglefiled", cmis.ErrPermissionDenied}, {"unfile", ""}} {
		_, err := f.ports.Object.DeleteTreeContext(bob, &generated.DeleteTree{RepositoryId: repo, FolderId: tree, UnfileObjects: ptr(generated.EnumUnfileObject(c.mode))})
		wantErr(t, "bob deleteTree "+c.mode, err, c.want)
	}
	if _, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: d}); err != nil {
		t.Fatalf("the unfiled document: %v", err)
	}
}

// TestMultiFilingVersions: filing belongs to the version series, whichever
// version a request names.
func TestMultiFilingVersions(t *testing.T) {
	f := newFixture(t)
	mf := f.ports.MultiFiling
	a := f.folder(t, f.root, "a")
	b := f.folder(t, f.root, "b")
	v1 := f.doc(t, a, "d", "one")
	co, err := f.ports.Versioning.CheckOutContext(f.ctx, &generated.CheckOut{RepositoryId: repo, ObjectId: v1})
	if err != nil {
		t.Fatal(err)
	}
	ci, err := f.ports.Versioning.CheckInContext(f.ctx, &generated.CheckIn{RepositoryId: repo, ObjectId: co.ObjectId})
	if err != nil {
		t.Fatal(err)
	}
	v2 := ci.ObjectId
	// Filing the old version files the series: b lists the latest.
	if _, err := mf.AddObjectToFolderContext(f.ctx, &generated.AddObjectToFolder{RepositoryId: repo, ObjectId: v1, FolderId: b}); err != nil {
		t.Fatal(err)
	}
	r, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/b/d"})
	if id, _ := value(r.Object, cmis.PropObjectID); err != nil || id != v2 {
		t.Fatalf("/b/d is %s (%v), want the latest version %s", id, err, v2)
	}
	for _, v := range []string{v1, v2} {
		if got := f.parents(t, v); got != joinSorted(a+"/d", b+"/d") {
			t.Fatalf("parents of %s: %s", v, got)
		}
		if aa := f.get(t, v, "cmis:name").AllowableActions; !deref(aa.CanRemoveObjectFromFolder) || !deref(aa.CanAddObjectToFolder) {
			t.Fatalf("filing actions of %s: %+v", v, aa)
		}
	}
	// Unfiling through the old version unfiles the series.
	if _, err := mf.RemoveObjectFromFolderContext(f.ctx, &generated.RemoveObjectFromFolder{RepositoryId: repo, ObjectId: v1}); err != nil {
		t.Fatal(err)
	}
	if got := f.parents(t, v2); got != "" {
		t.Fatalf("parents of the latest version after unfiling: %s", got)
	}
	if aa := f.get(t, v1, "cmis:name").AllowableActions; deref(aa.CanRemoveObjectFromFolder) {
		t.Fatal("an unfiled series may be removed from a folder")
	}
}
