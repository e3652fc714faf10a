package services

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/storetest"
)

// ends sets cmis:sourceId and cmis:targetId.
func ends(src, tgt string) func(*generated.CmisPropertiesType) {
	return func(p *generated.CmisPropertiesType) {
		p.Properties = append(p.Properties,
			&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropSourceID}, Value: []string{src}},
			&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropTargetID}, Value: []string{tgt}})
	}
}

func (f *fixture) createRel(ctx context.Context, typeID, name, src, tgt string) (string, error) {
	r, err := f.ports.Object.CreateRelationshipContext(ctx, &generated.CreateRelationship{RepositoryId: repo, Properties: props(typeID, name, ends(src, tgt))})
	if err != nil {
		return "", err
	}
	return r.ObjectId, nil
}

func (f *fixture) rel(t *testing.T, typeID, name, src, tgt string) string {
	t.Helper()
	id, err := f.createRel(f.ctx, typeID, name, src, tgt)
	if err != nil {
		t.Fatalf("createRelationship %s: %v", name, err)
	}
	return id
}

// relType creates a relationship type.
func (f *fixture) relType(t *testing.T, id, parent string, sources, targets []string, controllablePolicy bool) {
	t.Helper()
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: id, LocalName: id, BaseId: "cmis:relationship", ParentId: ptr(parent), Creatable: true, Queryable: true,
		ControllableACL: true, ControllablePolicy: controllablePolicy, AllowedSourceTypes: sources, AllowedTargetTypes: targets}})
	if err != nil {
		t.Fatalf("createType %s: %v", id, err)
	}
}

// docType creates a document subtype.
func (f *fixture) docType(t *testing.T, id string) {
	t.Helper()
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: id, LocalName: id, BaseId: "cmis:document", ParentId: ptr("cmis:document"), Creatable: true, Fileable: true, Queryable: true,
		ControllableACL: true, ControllablePolicy: true, Versionable: ptr(false), ContentStreamAllowed: ptr(generated.EnumContentStreamAllowed("allowed"))}})
	if err != nil {
		t.Fatalf("createType %s: %v", id, err)
	}
}

// relNames lists the cmis:name of objects.
func relNames(objs []*generated.CmisObjectType) string {
	var n []string
	for _, o := range objs {
		v, _ := value(o, cmis.PropName)
		n = append(n, v)
	}
	return strings.Join(n, ",")
}

func TestCreateRelationship(t *testing.T) {
	f := newFixture(t)
	f.docType(t, "t:doc")
	f.relType(t, "t:docToFolder", "cmis:relationship", []string{"cmis:document"}, []string{"cmis:folder"}, true)
	a := f.folder(t, f.root, "a")
	d := f.doc(t, a, "d", "")
	sub, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("t:doc", "sub")})
	if err != nil {
		t.Fatal(err)
	}
	// hidden: a document bob may not read.
	hidden := f.doc(t, a, "hidden", "")
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: hidden, RemoveACEs: aceList(cmis.PrincipalAnyone, cmis.PermRead)}); err != nil {
		t.Fatal(err)
	}
	r := f.rel(t, "cmis:relationship", "plain", d, a)
	bob := userCtx("bob")

	cases := []struct {
		name string
		ctx  context.Context
		req  *generated.CreateRelationship
		want cmis.ErrorType
	}{
		{"allowed types", f.ctx, &generated.CreateRelationship{Properties: props("t:docToFolder", "ok", ends(d, a))}, ""},
		{"subtype of an allowed type", f.ctx, &generated.CreateRelationship{Properties: props("t:docToFolder", "ok", ends(sub.ObjectId, a))}, ""},
		{"source type not allowed", f.ctx, &generated.CreateRelationship{Properties: props("t:docToFolder", "x", ends(a, a))}, cmis.ErrConstraint},
		{"target type not allowed", f.ctx, &generated.CreateRelationship{Properties: props("t:docToFolder", "x", ends(d, d))}, cmis.ErrConstraint},
		{"no target", f.ctx, &generated.CreateRelationship{Properties: props("cmis:relationship", "x", func(p *generated.CmisPropertiesType) {
			p.Properties = append(p.Properties, &generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropSourceID}, Value: []string{d}})
		})}, cmis.ErrInvalidArgument},
		{"unknown end", f.ctx, &generated.CreateRelationship{Properties: props("cmis:relationship", "x", ends(d, "nope"))}, cmis.ErrObjectNotFound},
		{"relationship as end", f.ctx, &generated.CreateRelationship{Properties: props("cmis:relationship", "x", ends(r, d))}, cmis.ErrConstraint},
		{"not a relationship type", f.ctx, &generated.CreateRelationship{Properties: props("cmis:document", "x", ends(d, a))}, cmis.ErrInvalidArgument},
		{"no properties", f.ctx, &generated.CreateRelationship{}, cmis.ErrInvalidArgument},
		{"with a policy that does not exist", f.ctx, &generated.CreateRelationship{Properties: props("cmis:relationship", "x", ends(d, a)), Policies: []string{"nope"}}, cmis.ErrObjectNotFound},
		{"bob, both ends readable", bob, &generated.CreateRelationship{Properties: props("cmis:relationship", "bobs", ends(d, a))}, ""},
		{"bob, source hidden", bob, &generated.CreateRelationship{Properties: props("cmis:relationship", "x", ends(hidden, a))}, cmis.ErrPermissionDenied},
		{"bob, target hidden", bob, &generated.CreateRelationship{Properties: props("cmis:relationship", "x", ends(d, hidden))}, cmis.ErrPermissionDenied},
	}
	for _, c := range cases {
		c.req.RepositoryId = repo
		_, err := f.ports.Object.CreateRelationshipContext(c.ctx, c.req)
		wantErr(t, c.name, err, c.want)
	}
	o := f.get(t, r, "*")
	if src, _ := value(o, cmis.PropSourceID); src != d {
		t.Fatalf("cmis:sourceId %q", src)
	}
	if tgt, _ := value(o, cmis.PropTargetID); tgt != a {
		t.Fatalf("cmis:targetId %q", tgt)
	}
	if base, _ := value(o, cmis.PropBaseTypeID); base != "cmis:relationship" {
		t.Fatalf("cmis:baseTypeId %q", base)
	}
	if got := f.parents(t, r); got != "" {
		t.Fatalf("a relationship has parents: %s", got)
	}
	aa := o.AllowableActions
	if deref(aa.CanCreateRelationship) || deref(aa.CanMoveObject) || !deref(aa.CanDeleteObject) || !deref(aa.CanGetObjectRelationships) {
		t.Fatalf("relationship's allowable actions: %+v", aa)
	}
	if da := f.get(t, d, "cmis:name").AllowableActions; !deref(da.CanCreateRelationship) || !deref(da.CanGetObjectRelationships) {
		t.Fatalf("document's relationship actions: %+v", da)
	}
}

// TestRelationshipSourceActions: canCreateRelationship follows the
// relationship types' allowedSourceTypes.
func TestRelationshipSourceActions(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	tc := f.core.typeCache(ctx, repo)
	docType, _ := tc.get(ctx, "cmis:document")
	folderType, _ := tc.get(ctx, "cmis:folder")
	relType, _ := tc.get(ctx, "cmis:relationship")
	doc := &cmis.Object{ID: "d", BaseTypeID: cmis.BaseDocument, TypeID: "cmis:document"}
	folder := &cmis.Object{ID: "f", BaseTypeID: cmis.BaseFolder, TypeID: "cmis:folder"}
	rel := &cmis.Object{ID: "r", BaseTypeID: cmis.BaseRelationship, TypeID: "cmis:relationship"}
	onlyFolders := &cmis.TypeDefinition{ID: "x", Creatable: true, AllowedSourceTypes: []string{"cmis:folder"}}
	anything := &cmis.TypeDefinition{ID: "y", Creatable: true}
	cases := []struct {
		name  string
		types []*cmis.TypeDefinition
		o     *cmis.Object
		t     *cmis.TypeDefinition
		level cmis.Level
		want  bool
	}{
		{"folder, folders allowed", []*cmis.TypeDefinition{onlyFolders}, folder, folderType, cmis.CanRead, true},
		{"document, folders allowed", []*cmis.TypeDefinition{onlyFolders}, doc, docType, cmis.CanRead, false},
		{"document, one type allows all", []*cmis.TypeDefinition{onlyFolders, anything}, doc, docType, cmis.CanRead, true},
		{"no relationship types", nil, doc, docType, cmis.CanAll, false},
		{"a relationship", []*cmis.TypeDefinition{anything}, rel, relType, cmis.CanAll, false},
		{"no access", []*cmis.TypeDefinition{anything}, doc, docType, cmis.NoAccess, false},
	}
	for _, c := range cases {
		facts := &pageFacts{relTypes: c.types, tc: tc}
		a := &generated.CmisAllowableActionsType{}
		if err := facts.actions(ctx, a, c.o, objectType{primary: c.t}, c.level); err != nil {
			t.Fatal(err)
		}
		if deref(a.CanCreateRelationship) != c.want {
			t.Fatalf("%s: canCreateRelationship %v", c.name, deref(a.CanCreateRelationship))
		}
	}
}

func TestGetObjectRelationships(t *testing.T) {
	f := newFixture(t)
	f.relType(t, "t:rel", "cmis:relationship", nil, nil, true)
	f.relType(t, "t:subrel", "t:rel", nil, nil, true)
	a := f.doc(t, f.root, "a", "")
	b := f.doc(t, f.root, "b", "")
	c := f.doc(t, f.root, "c", "")
	f.rel(t, "cmis:relationship", "r1", a, b)
	f.rel(t, "t:rel", "r2", a, c)
	f.rel(t, "t:subrel", "r3", c, a)
	f.rel(t, "cmis:relationship", "r4", b, c)
	rs := f.ports.Relationship
	dir := func(d string) *generated.EnumRelationshipDirection {
		return ptr(generated.EnumRelationshipDirection(d))
	}
	cases := []struct {
		name  string
		req   generated.GetObjectRelationships
		want  string
		total int64
		more  bool
		err   cmis.ErrorType
	}{
		{"default source", generated.GetObjectRelationships{ObjectId: a}, "r1,r2", 2, false, ""},
		{"source", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("source")}, "r1,r2", 2, false, ""},
		{"target", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("target")}, "r3", 1, false, ""},
		{"either", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either")}, "r1,r2,r3", 3, false, ""},
		{"first page", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either"), MaxItems: ptr(int64(2))}, "r1,r2", 3, true, ""},
		{"second page", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either"), MaxItems: ptr(int64(2)), SkipCount: ptr(int64(2))}, "r3", 3, false, ""},
		{"past the end", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either"), SkipCount: ptr(int64(9))}, "", 3, false, ""},
		{"type", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either"), TypeId: ptr("t:rel")}, "r2", 1, false, ""},
		{"type and subtypes", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either"), TypeId: ptr("t:rel"), IncludeSubRelationshipTypes: ptr(true)}, "r2,r3", 2, false, ""},
		{"base type and subtypes", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("either"), TypeId: ptr("cmis:relationship"), IncludeSubRelationshipTypes: ptr(true)}, "r1,r2,r3", 3, false, ""},
		{"target of b", generated.GetObjectRelationships{ObjectId: b, RelationshipDirection: dir("target")}, "r1", 1, false, ""},
		{"not a relationship type", generated.GetObjectRelationships{ObjectId: a, TypeId: ptr("cmis:document")}, "", 0, false, cmis.ErrInvalidArgument},
		{"unknown type", generated.GetObjectRelationships{ObjectId: a, TypeId: ptr("x:nope")}, "", 0, false, cmis.ErrInvalidArgument},
		{"bad direction", generated.GetObjectRelationships{ObjectId: a, RelationshipDirection: dir("sideways")}, "", 0, false, cmis.ErrInvalidArgument},
		{"negative maxItems", generated.GetObjectRelationships{ObjectId: a, MaxItems: ptr(int64(-1))}, "", 0, false, cmis.ErrInvalidArgument},
		{"unknown object", generated.GetObjectRelationships{ObjectId: "nope"}, "", 0, false, cmis.ErrObjectNotFound},
	}
	for _, c := range cases {
		c.req.RepositoryId = repo
		r, err := rs.GetObjectRelationshipsContext(f.ctx, &c.req)
		wantErr(t, c.name, err, c.err)
		if err != nil {
			continue
		}
		if got := relNames(r.Objects.Objects); got != c.want || *r.Objects.NumItems != c.total || r.Objects.HasMoreItems != c.more {
			t.Fatalf("%s: %q numItems %d more %v", c.name, got, *r.Objects.NumItems, r.Objects.HasMoreItems)
		}
	}
	// Filter and allowable actions.
	r, err := rs.GetObjectRelationshipsContext(f.ctx, &generated.GetObjectRelationships{RepositoryId: repo, ObjectId: b, RelationshipDirection: dir("target"),
		Filter: ptr("cmis:sourceId"), IncludeAllowableActions: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	o := r.Objects.Objects[0]
	if src, _ := value(o, cmis.PropSourceID); src != a || strings.Join(ids(o), ",") != cmis.PropSourceID || !deref(o.AllowableActions.CanGetProperties) {
		t.Fatalf("filtered relationship: %v %+v", ids(o), o.AllowableActions)
	}

	// bob sees the relationships he may read: his own. He needs read on
	// the object.
	bob := userCtx("bob")
	if _, err := f.createRel(bob, "cmis:relationship", "bobs", a, b); err != nil {
		t.Fatal(err)
	}
	br, err := rs.GetObjectRelationshipsContext(bob, &generated.GetObjectRelationships{RepositoryId: repo, ObjectId: a, RelationshipDirection: dir("either")})
	if err != nil || relNames(br.Objects.Objects) != "bobs" || *br.Objects.NumItems != 1 {
		t.Fatalf("bob's relationships: %v %v", br, err)
	}
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: a, RemoveACEs: aceList(cmis.PrincipalAnyone, cmis.PermRead)}); err != nil {
		t.Fatal(err)
	}
	_, err = rs.GetObjectRelationshipsContext(bob, &generated.GetObjectRelationships{RepositoryId: repo, ObjectId: a})
	wantErr(t, "bob lists the relationships of an object he may not read", err, cmis.ErrPermissionDenied)
}

func TestRelationshipsGoWithTheirEnds(t *testing.T) {
	f := newFixture(t)
	tree := f.folder(t, f.root, "t")
	a := f.doc(t, f.root, "a", "")
	b := f.doc(t, tree, "b", "")
	c := f.doc(t, f.root, "c", "")
	r1 := f.rel(t, "cmis:relationship", "r1", a, b)
	r2 := f.rel(t, "cmis:relationship", "r2", c, a)
	r3 := f.rel(t, "cmis:relationship", "r3", c, tree)
	r4 := f.rel(t, "cmis:relationship", "r4", c, a)
	gone := func(id string) bool {
		_, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: id})
		return cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound
	}
	if _, err := f.ports.Object.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: r4}); err != nil {
		t.Fatalf("delete a relationship: %v", err)
	}
	if !gone(r4) || gone(a) || gone(c) {
		t.Fatal("deleting a relationship touched its ends")
	}
	if _, err := f.ports.Object.DeleteTreeContext(f.ctx, &generated.DeleteTree{RepositoryId: repo, FolderId: tree}); err != nil {
		t.Fatal(err)
	}
	if !gone(r1) || !gone(r3) || gone(r2) {
		t.Fatalf("after deleteTree: r1 gone %v, r3 gone %v, r2 gone %v", gone(r1), gone(r3), gone(r2))
	}
	if _, err := f.ports.Object.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: a}); err != nil {
		t.Fatal(err)
	}
	if !gone(r2) || gone(c) {
		t.Fatal("deleting a target did not delete its relationship, or deleted its source")
	}
}

// countingStore counts the per-page store calls of rendering.
type countingStore struct {
	cmis.ObjectStore
	relationshipsOf, policyIDs, filed int
}

func (s *countingStore) RelationshipsOf(ctx context.Context, repo string, ids []string, d cmis.Direction, r *cmis.Access) ([]*cmis.Object, error) {
	s.relationshipsOf++
	return s.ObjectStore.RelationshipsOf(ctx, repo, ids, d, r)
}

func (s *countingStore) PolicyIDs(ctx context.Context, ids []string, r *cmis.Access) (map[string][]string, error) {
	s.policyIDs++
	return s.ObjectStore.PolicyIDs(ctx, ids, r)
}

func (s *countingStore) Filed(ctx context.Context, ids []string) (map[string]bool, error) {
	s.filed++
	return s.ObjectStore.Filed(ctx, ids)
}

func newCountingFixture(t *testing.T) (*fixture, *countingStore) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	r, err := db.EnsureRepository(ctx, repo, "Test", "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{ObjectStore: db}
	return &fixture{
		ctx:   cmis.NewContextWithUser(ctx, &cmis.User{Name: "admin", Admin: true}),
		ports: New(Config{Types: db, Objects: cs, ACLs: db, Tx: db, ProductVersion: "test"}),
		root:  r.RootFolderID,
	}, cs
}

// relIDs lists the relationship elements of an object by name.
func relIDs(o *generated.CmisObjectType) string {
	var n []string
	for _, r := range o.Relationship {
		v, _ := value(r, cmis.PropName)
		n = append(n, v)
	}
	sort.Strings(n)
	return strings.Join(n, ",")
}

func TestIncludeRelationships(t *testing.T) {
	f, counts := newCountingFixture(t)
	a := f.folder(t, f.root, "a")
	x := f.doc(t, a, "x", "")
	y := f.doc(t, a, "y", "")
	z := f.doc(t, f.root, "z", "")
	f.rel(t, "cmis:relationship", "xy", x, y)
	f.rel(t, "cmis:relationship", "xz", x, z)
	f.rel(t, "cmis:relationship", "zx", z, x)
	f.rel(t, "cmis:relationship", "za", z, a)
	inc := func(s string) *generated.EnumIncludeRelationships { return ptr(generated.EnumIncludeRelationships(s)) }
	cases := []struct {
		name string
		rels *generated.EnumIncludeRelationships
		want string
		err  cmis.ErrorType
	}{
		{"absent", nil, "", ""},
		{"none", inc("none"), "", ""},
		{"source", inc("source"), "xy,xz", ""},
		{"target", inc("target"), "zx", ""},
		{"both", inc("both"), "xy,xz,zx", ""},
		{"bad", inc("all"), "", cmis.ErrInvalidArgument},
	}
	for _, c := range cases {
		r, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: x, IncludeRelationships: c.rels})
		wantErr(t, "getObject "+c.name, err, c.err)
		if err == nil && relIDs(r.Object) != c.want {
			t.Fatalf("getObject %s: %q", c.name, relIDs(r.Object))
		}
		p, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/a/x", IncludeRelationships: c.rels})
		wantErr(t, "getObjectByPath "+c.name, err, c.err)
		if err == nil && relIDs(p.Object) != c.want {
			t.Fatalf("getObjectByPath %s: %q", c.name, relIDs(p.Object))
		}
	}
	r, _ := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: x, IncludeRelationships: inc("source")})
	if src, _ := value(r.Object.Relationship[0], cmis.PropSourceID); src != x {
		t.Fatalf("an included relationship's source: %q", src)
	}

	// A page of children: one relationship lookup for the page.
	before := counts.relationshipsOf
	ch, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: f.root,
		IncludeRelationships: inc("both"), IncludeAllowableActions: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range ch.Objects.Objects {
		n, _ := value(o.Object, cmis.PropName)
		got[n] = relIDs(o.Object)
	}
	if got["a"] != "za" || got["z"] != "xz,za,zx" || len(got) != 2 {
		t.Fatalf("children's relationships: %v", got)
	}
	if n := counts.relationshipsOf - before; n != 1 {
		t.Fatalf("a page of children looked relationships up %d times", n)
	}
	ch, _ = f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: a, IncludeRelationships: inc("target")})
	got = map[string]string{}
	for _, o := range ch.Objects.Objects {
		n, _ := value(o.Object, cmis.PropName)
		got[n] = relIDs(o.Object)
	}
	if got["x"] != "zx" || got["y"] != "xy" {
		t.Fatalf("children's target relationships: %v", got)
	}
	// Rendering a page with allowable actions costs one filing and one
	// policy lookup, however many objects it has.
	before, beforeP := counts.filed, counts.policyIDs
	if _, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: a, IncludeAllowableActions: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if counts.filed-before != 1 || counts.policyIDs-beforeP != 1 {
		t.Fatalf("filing lookups %d, policy lookups %d for one page", counts.filed-before, counts.policyIDs-beforeP)
	}
}
