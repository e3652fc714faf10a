package services

import (
	"slices"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// fixture10 is a repository holding what CMIS 1.0 cannot know next to
// what it can: folder f with documents d (with secondary type t:tagged)
// and d2 and item i; relationships d→d2, d→i and i→d.
type fixture10 struct {
	*fixture
	f, d, d2, i, dd2 string
}

func newFixture10(t *testing.T) *fixture10 {
	f := &fixture10{fixture: newFixture(t)}
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: "t:tagged", LocalName: "tagged", QueryName: ptr("t:tagged"), BaseId: "cmis:secondary", ParentId: ptr("cmis:secondary"), Queryable: true,
		PropertyDefinitions: generated.PropertyDefinitionList{&generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: generated.CmisPropertyDefinitionType{
			Id: "t:tag", LocalName: "tag", QueryName: ptr("t:tag"), PropertyType: "string", Cardinality: "single", Updatability: "readwrite", Queryable: true}}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.f = f.folder(t, f.root, "f")
	tagged := func(p *generated.CmisPropertiesType) {
		p.Properties = append(p.Properties,
			&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropSecondaryObjectTypeIDs}, Value: []string{"t:tagged"}},
			&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "t:tag"}, Value: []string{"red"}},
			&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropDescription}, Value: []string{"about d"}})
	}
	r, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &f.f, Properties: props("cmis:document", "d", tagged)})
	if err != nil {
		t.Fatal(err)
	}
	f.d = r.ObjectId
	f.d2 = f.doc(t, f.f, "d2", "x")
	item, err := f.ports.Object.CreateItemContext(f.ctx, &generated.CreateItem{RepositoryId: repo, FolderId: &f.f, Properties: props("cmis:item", "i")})
	if err != nil {
		t.Fatal(err)
	}
	f.i = item.ObjectId
	f.dd2 = f.rel(t, "cmis:relationship", "d-d2", f.d, f.d2)
	f.rel(t, "cmis:relationship", "d-i", f.d, f.i)
	f.rel(t, "cmis:relationship", "i-d", f.i, f.d)
	return f
}

// written10 writes a response as the 1.0 face does; a value CMIS 1.0
// does not define fails the test.
func written10(t *testing.T, what string, body interface{ WriteBody(*xsd.Writer) }) string {
	t.Helper()
	w := xsd.NewWriter(nil)
	w.V10 = true
	body.WriteBody(w)
	if err := w.Err(); err != nil {
		t.Errorf("%s: not CMIS 1.0: %v", what, err)
	}
	return string(w.Bytes())
}

func TestVersion10Repository(t *testing.T) {
	f := newFixture10(t)
	rs := f.ports.Repository
	ctx10 := cmis.NewContextWithVersion(f.ctx, cmis.Version10)

	for _, tt := range []struct {
		v       cmis.Version
		version string
		item    bool
	}{{cmis.Version11, "1.1", true}, {cmis.Version10, "1.0", false}} {
		info, err := rs.GetRepositoryInfoContext(cmis.NewContextWithVersion(f.ctx, tt.v), &generated.GetRepositoryInfo{RepositoryId: repo})
		if err != nil {
			t.Fatal(err)
		}
		ri := info.RepositoryInfo
		if ri.CmisVersionSupported != tt.version || slices.Contains(ri.ChangesOnType, "cmis:item") != tt.item {
			t.Errorf("CMIS %s: cmisVersionSupported %s, changesOnType %v", tt.v, ri.CmisVersionSupported, ri.ChangesOnType)
		}
	}
	info, _ := rs.GetRepositoryInfoContext(ctx10, &generated.GetRepositoryInfo{RepositoryId: repo})
	if out := written10(t, "repositoryInfo", info); strings.Contains(out, "capabilityOrderBy") || !strings.Contains(out, "capabilityQuery") {
		t.Errorf("1.0 repository info:\n%s", out)
	}

	// Base types: four, paged and counted as four.
	kids, err := rs.GetTypeChildrenContext(ctx10, &generated.GetTypeChildren{RepositoryId: repo, MaxItems: ptr(int64(3)), IncludePropertyDefinitions: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ty := range kids.Types.Types {
		got = append(got, ty.Id)
	}
	if strings.Join(got, ",") != "cmis:document,cmis:folder,cmis:relationship" || *kids.Types.NumItems != 4 || !kids.Types.HasMoreItems {
		t.Errorf("1.0 base types %v, numItems %d, hasMore %v", got, *kids.Types.NumItems, kids.Types.HasMoreItems)
	}
	written10(t, "getTypeChildren", kids)
	desc, err := rs.GetTypeDescendantsContext(ctx10, &generated.GetTypeDescendants{RepositoryId: repo, IncludePropertyDefinitions: ptr(true)})
	if err != nil || len(desc.Types) != 4 {
		t.Fatalf("1.0 type descendants: %d, %v", len(desc.Types), err)
	}
	written10(t, "getTypeDescendants", desc)

	// Items and secondary types do not exist.
	for _, id := range []string{"cmis:item", "cmis:secondary", "t:tagged"} {
		_, err := rs.GetTypeDefinitionContext(ctx10, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: id})
		wantErr(t, "getTypeDefinition "+id, err, cmis.ErrObjectNotFound)
		_, err = rs.GetTypeChildrenContext(ctx10, &generated.GetTypeChildren{RepositoryId: repo, TypeId: ptr(id)})
		wantErr(t, "getTypeChildren "+id, err, cmis.ErrObjectNotFound)
		_, err = rs.GetTypeDescendantsContext(ctx10, &generated.GetTypeDescendants{RepositoryId: repo, TypeId: ptr(id)})
		wantErr(t, "getTypeDescendants "+id, err, cmis.ErrObjectNotFound)
	}

	// The base types' properties that 1.1 added are not defined in 1.0.
	for _, tt := range []struct {
		ctx  cmis.Version
		want bool
	}{{cmis.Version11, true}, {cmis.Version10, false}} {
		def, err := rs.GetTypeDefinitionContext(cmis.NewContextWithVersion(f.ctx, tt.ctx), &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "cmis:document"})
		if err != nil {
			t.Fatal(err)
		}
		var defs []string
		for _, p := range def.Type_.PropertyDefinitions {
			defs = append(defs, p.PropertyDefinitionBase().Id)
		}
		for _, id := range []string{cmis.PropDescription, cmis.PropSecondaryObjectTypeIDs, cmis.PropIsPrivateWorkingCopy} {
			if slices.Contains(defs, id) != tt.want {
				t.Errorf("CMIS %s: cmis:document defines %s: %v", tt.ctx, id, !tt.want)
			}
		}
		if !slices.Contains(defs, cmis.PropName) {
			t.Errorf("CMIS %s: no cmis:name", tt.ctx)
		}
	}
}

func TestVersion10Objects(t *testing.T) {
	f := newFixture10(t)
	ctx10 := cmis.NewContextWithVersion(f.ctx, cmis.Version10)
	nav, obj := f.ports.Navigation, f.ports.Object

	kids, err := nav.GetChildrenContext(ctx10, &generated.GetChildren{RepositoryId: repo, FolderId: f.f})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(kids.Objects.Objects); n != 2 || *kids.Objects.NumItems != 2 {
		t.Errorf("1.0 children of f: %d, numItems %d; want d, d2", n, *kids.Objects.NumItems)
	}
	written10(t, "getChildren", kids)
	desc, err := nav.GetDescendantsContext(ctx10, &generated.GetDescendants{RepositoryId: repo, FolderId: f.root})
	if err != nil {
		t.Fatal(err)
	}
	if out := written10(t, "getDescendants", desc); strings.Contains(out, f.i) || !strings.Contains(out, f.d2) {
		t.Errorf("1.0 descendants: item listed or d2 missing:\n%s", out)
	}

	// d as 1.1 and 1.0 see it.
	for _, tt := range []struct {
		v    cmis.Version
		want bool // the properties 1.1 added, and secondary ones, are there
	}{{cmis.Version11, true}, {cmis.Version10, false}} {
		ctx := cmis.NewContextWithVersion(f.ctx, tt.v)
		r, err := obj.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: f.d, IncludeAllowableActions: ptr(true),
			IncludeRelationships: ptr(generated.EnumIncludeRelationshipsBoth)})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(r.Object)
		for _, id := range []string{cmis.PropDescription, cmis.PropSecondaryObjectTypeIDs, cmis.PropIsPrivateWorkingCopy, "t:tag"} {
			if slices.Contains(got, id) != tt.want {
				t.Errorf("CMIS %s: getObject shows %s: %v", tt.v, id, !tt.want)
			}
		}
		if n := len(r.Object.Relationship); (n == 3) != tt.want || n == 0 {
			t.Errorf("CMIS %s: %d relationships of d", tt.v, n)
		}
	}

	// The item does not exist, by id or path, nor in relationships.
	_, err = obj.GetObjectContext(ctx10, &generated.GetObject{RepositoryId: repo, ObjectId: f.i})
	wantErr(t, "getObject(item)", err, cmis.ErrObjectNotFound)
	_, err = obj.GetObjectByPathContext(ctx10, &generated.GetObjectByPath{RepositoryId: repo, Path: "/f/i"})
	wantErr(t, "getObjectByPath(item)", err, cmis.ErrObjectNotFound)
	rels, err := f.ports.Relationship.GetObjectRelationshipsContext(ctx10, &generated.GetObjectRelationships{RepositoryId: repo, ObjectId: f.d,
		RelationshipDirection: ptr(generated.EnumRelationshipDirectionEither)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rels.Objects.Objects); n != 1 || *rels.Objects.NumItems != 1 {
		t.Errorf("1.0 relationships of d: %d, numItems %d; want d-d2 only", n, *rels.Objects.NumItems)
	}
}

func TestVersion10Discovery(t *testing.T) {
	f := newFixture10(t)
	ctx10 := cmis.NewContextWithVersion(f.ctx, cmis.Version10)
	ds := f.ports.Discovery
	query := func(stmt string) (*generated.QueryResponse, error) {
		return ds.QueryContext(ctx10, &generated.Query{RepositoryId: repo, Statement: stmt})
	}
	for _, stmt := range []string{
		"SELECT * FROM cmis:item",
		"SELECT * FROM t:tagged",
		"SELECT d.cmis:name FROM cmis:document d JOIN t:tagged t ON d.cmis:objectId = t.cmis:objectId",
		"SELECT cmis:description FROM cmis:document",
		"SELECT cmis:name FROM cmis:document WHERE cmis:isPrivateWorkingCopy = false",
	} {
		_, err := query(stmt)
		wantErr(t, stmt, err, cmis.ErrInvalidArgument)
	}
	docs, err := query("SELECT * FROM cmis:document")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range docs.Objects.Objects {
		if got := ids(o); slices.Contains(got, cmis.PropDescription) || slices.Contains(got, cmis.PropSecondaryObjectTypeIDs) {
			t.Errorf("1.0 query shows 1.1 properties: %v", got)
		}
	}
	written10(t, "query cmis:document", docs)
	rels, err := query("SELECT cmis:objectId FROM cmis:relationship")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := value(rels.Objects.Objects[0], cmis.PropObjectID); len(rels.Objects.Objects) != 1 || *rels.Objects.NumItems != 1 || v != f.dd2 {
		t.Errorf("1.0 relationships by query: %d (numItems %d); want d-d2 only", len(rels.Objects.Objects), *rels.Objects.NumItems)
	}

	changes, err := ds.GetContentChangesContext(ctx10, &generated.GetContentChanges{RepositoryId: repo, IncludeProperties: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if out := written10(t, "getContentChanges", changes); strings.Contains(out, f.i) || !strings.Contains(out, f.d2) {
		t.Errorf("1.0 change log: item listed or d2 missing:\n%s", out)
	}
}

// Property definitions come back in the order the type was created with,
// and an object's properties in the order of its type's definitions, on
// both faces.
func TestPropertyOrderBothFaces(t *testing.T) {
	f := newFixture(t)
	if _, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: everyKind("t:doc")}); err != nil {
		t.Fatal(err)
	}
	created := []string{"t:str", "t:bool", "t:uri", "t:id", "t:dec", "t:int", "t:html", "t:date"}
	own := func(ids []string) []string {
		return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return strings.HasPrefix(id, "cmis:") })
	}
	defIDs := func(ty *generated.CmisTypeDefinitionType) []string {
		var out []string
		for _, p := range ty.PropertyDefinitions {
			out = append(out, p.PropertyDefinitionBase().Id)
		}
		return out
	}
	r, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &f.root,
		Properties: props("t:doc", "ordered")})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []cmis.Version{cmis.Version11, cmis.Version10} {
		ctx := cmis.NewContextWithVersion(f.ctx, v)
		def, err := f.ports.Repository.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "t:doc"})
		if err != nil {
			t.Fatal(err)
		}
		if got := own(defIDs(def.Type_)); !slices.Equal(got, created) {
			t.Errorf("CMIS %s getTypeDefinition: %v, want %v", v, got, created)
		}
		kids, err := f.ports.Repository.GetTypeChildrenContext(ctx, &generated.GetTypeChildren{RepositoryId: repo,
			TypeId: ptr("cmis:document"), IncludePropertyDefinitions: ptr(true)})
		if err != nil || len(kids.Types.Types) != 1 {
			t.Fatalf("CMIS %s getTypeChildren: %v", v, err)
		}
		if got := own(defIDs(kids.Types.Types[0])); !slices.Equal(got, created) {
			t.Errorf("CMIS %s getTypeChildren: %v, want %v", v, got, created)
		}
		o, err := f.ports.Object.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: r.ObjectId})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range o.Object.Properties.Properties {
			got = append(got, p.PropertyBase().PropertyDefinitionId)
		}
		if want := defIDs(def.Type_); !slices.Equal(got, want) {
			t.Errorf("CMIS %s getObject properties:\n%v\nwant the type's order\n%v", v, got, want)
		}
	}
}
