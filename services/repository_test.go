package services

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/internal/xsd"
)

const repo = "default"

func newRepositoryService(t *testing.T) (generated.RepositoryServicePort, context.Context) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	if _, err := db.EnsureRepository(ctx, repo, "Test", "", "admin"); err != nil {
		t.Fatal(err)
	}
	ports := New(Config{Types: db, Objects: db, ACLs: db, Queries: db, Changes: db, Tx: db, ProductVersion: "test"})
	admin := cmis.NewContextWithUser(ctx, &cmis.User{Name: "admin", Admin: true})
	return ports.Repository, admin
}

func wantErr(t *testing.T, what string, err error, want cmis.ErrorType) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", what, err)
		}
		return
	}
	if got := cmis.ErrorTypeOf(err); err == nil || got != want {
		t.Fatalf("%s: want %s, got %v", what, want, err)
	}
}

func TestRepositoryInfo(t *testing.T) {
	s, ctx := newRepositoryService(t)
	repos, err := s.GetRepositoriesContext(ctx, &generated.GetRepositories{})
	if err != nil || len(repos.Repositories) != 1 || repos.Repositories[0].RepositoryId != repo {
		t.Fatalf("getRepositories: %+v %v", repos, err)
	}
	info, err := s.GetRepositoryInfoContext(ctx, &generated.GetRepositoryInfo{RepositoryId: repo})
	if err != nil {
		t.Fatal(err)
	}
	ri := info.RepositoryInfo
	if ri.CmisVersionSupported != "1.1" || ri.RootFolderId == "" || ri.ProductVersion != "test" {
		t.Fatalf("repository info: %+v", ri)
	}
	// Nothing that answers notSupported may be advertised.
	c := ri.Capabilities
	if (c.CapabilityQuery != "metadataonly" && c.CapabilityQuery != "bothcombined") || c.CapabilityACL != "manage" || ri.AclCapability == nil || c.CapabilityChanges != "all" || ri.LatestChangeLogToken == nil || *ri.ChangesIncomplete || !c.CapabilityMultifiling || !c.CapabilityUnfiling {
		t.Fatalf("capabilities promise unimplemented services: %+v", c)
	}
	if len(c.CapabilityCreatablePropertyTypes.CanCreate) != 8 {
		t.Fatalf("all eight property types are creatable")
	}
	_, err = s.GetRepositoryInfoContext(ctx, &generated.GetRepositoryInfo{RepositoryId: "nope"})
	wantErr(t, "unknown repository", err, cmis.ErrObjectNotFound)

	// The thin client URI is the page at / of the address the client used.
	info, err = s.GetRepositoryInfoContext(cmis.NewContextWithBaseURL(ctx, "https://cmis.example.org/base"),
		&generated.GetRepositoryInfo{RepositoryId: repo})
	if err != nil || info.RepositoryInfo.ThinClientURI == nil || *info.RepositoryInfo.ThinClientURI != "https://cmis.example.org/base/" {
		t.Fatalf("thinClientURI: %v %v", info.RepositoryInfo.ThinClientURI, err)
	}
}

func TestBaseTypeDefinitions(t *testing.T) {
	s, ctx := newRepositoryService(t)
	cases := []struct {
		id          string
		xsi         string
		props       int
		creatable   bool
		fileable    bool
		versionable *bool
	}{
		{"cmis:document", "cmisTypeDocumentDefinitionType", 26, true, true, ptr(true)},
		{"cmis:folder", "cmisTypeFolderDefinitionType", 14, true, true, nil},
		{"cmis:relationship", "cmisTypeRelationshipDefinitionType", 13, true, false, nil},
		{"cmis:policy", "cmisTypePolicyDefinitionType", 12, true, true, nil},
		{"cmis:item", "cmisTypeItemDefinitionType", 11, true, true, nil},
		{"cmis:secondary", "cmisTypeSecondaryDefinitionType", 0, false, false, nil},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			resp, err := s.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: c.id})
			if err != nil {
				t.Fatal(err)
			}
			ty := resp.Type_
			if string(ty.XsiType) != c.xsi || ty.Id != c.id || string(ty.BaseId) != c.id || ty.ParentId != nil {
				t.Fatalf("type: xsi %s id %s base %s parent %v", ty.XsiType, ty.Id, ty.BaseId, ty.ParentId)
			}
			if ty.Creatable != c.creatable || ty.Fileable != c.fileable || !reflect.DeepEqual(ty.Versionable, c.versionable) {
				t.Fatalf("attributes: creatable %v fileable %v versionable %v", ty.Creatable, ty.Fileable, ty.Versionable)
			}
			if n := countProps(ty); n != c.props {
				t.Fatalf("%d property definitions, want %d", n, c.props)
			}
		})
	}
	// Spot checks of the spec's system property attributes.
	resp, _ := s.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "cmis:document"})
	for _, p := range generated.OfType[*generated.CmisPropertyIdDefinitionType](resp.Type_.PropertyDefinitions) {
		if p.Id == cmis.PropObjectTypeID && (p.Updatability != "oncreate" || !p.Required) {
			t.Fatalf("cmis:objectTypeId must be oncreate and required: %+v", p.CmisPropertyDefinitionType)
		}
		if p.Id == cmis.PropSecondaryObjectTypeIDs && (p.Cardinality != "multi" || p.Orderable) {
			t.Fatalf("cmis:secondaryObjectTypeIds must be multi and not orderable")
		}
	}
	for _, p := range generated.OfType[*generated.CmisPropertyStringDefinitionType](resp.Type_.PropertyDefinitions) {
		if p.Id == cmis.PropChangeToken && (p.Queryable || p.Orderable || p.Updatability != "readonly") {
			t.Fatalf("cmis:changeToken is readonly, not queryable, not orderable")
		}
	}
	_, err := s.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "nope"})
	wantErr(t, "unknown type", err, cmis.ErrObjectNotFound)
}

func countProps(t *generated.CmisTypeDefinitionType) int { return len(t.PropertyDefinitions) }

// firstDef is the first property definition of kind D in a type.
func firstDef[D generated.PropertyDefinition](t *generated.CmisTypeDefinitionType) D {
	return generated.OfType[D](t.PropertyDefinitions)[0]
}

func TestTypeChildrenPaging(t *testing.T) {
	s, ctx := newRepositoryService(t)
	cases := []struct {
		max, skip *int64
		props     bool
		ids       []string
		more      bool
		err       cmis.ErrorType
	}{
		{nil, nil, false, []string{"cmis:document", "cmis:folder", "cmis:relationship", "cmis:policy", "cmis:item", "cmis:secondary"}, false, ""},
		{ptr(int64(2)), ptr(int64(1)), true, []string{"cmis:folder", "cmis:relationship"}, true, ""},
		{ptr(int64(10)), ptr(int64(6)), false, nil, false, ""},
		{ptr(int64(-1)), nil, false, nil, false, cmis.ErrInvalidArgument},
	}
	for i, c := range cases {
		resp, err := s.GetTypeChildrenContext(ctx, &generated.GetTypeChildren{RepositoryId: repo, MaxItems: c.max, SkipCount: c.skip, IncludePropertyDefinitions: &c.props})
		wantErr(t, "case", err, c.err)
		if err != nil {
			continue
		}
		var ids []string
		for _, ty := range resp.Types.Types {
			ids = append(ids, ty.Id)
			if (countProps(ty) > 0) != (c.props && ty.Id != "cmis:secondary") {
				t.Fatalf("case %d: includePropertyDefinitions=%v but %s has %d", i, c.props, ty.Id, countProps(ty))
			}
		}
		if !reflect.DeepEqual(ids, c.ids) || resp.Types.HasMoreItems != c.more || *resp.Types.NumItems != 6 {
			t.Fatalf("case %d: %v more=%v num=%d", i, ids, resp.Types.HasMoreItems, *resp.Types.NumItems)
		}
	}
}

// everyKind is a document subtype with one property of each of the
// eight property types, with the attributes each kind has.
func everyKind(id string) *generated.CmisTypeDefinitionType {
	base := func(pid string, pt generated.EnumPropertyType) generated.CmisPropertyDefinitionType {
		return generated.CmisPropertyDefinitionType{Id: pid, LocalName: pid, QueryName: ptr(pid), PropertyType: pt,
			Cardinality: "single", Updatability: "readwrite", Queryable: true}
	}
	one := func(pid string) generated.CmisProperty { return generated.CmisProperty{PropertyDefinitionId: pid} }
	return &generated.CmisTypeDefinitionType{
		XsiType: generated.XsiCmisTypeDocumentDefinitionType, Id: id, LocalName: id, QueryName: ptr(id),
		BaseId: "cmis:document", ParentId: ptr("cmis:document"), Creatable: true, Fileable: true, Queryable: true,
		Versionable: ptr(false), ContentStreamAllowed: ptr(generated.EnumContentStreamAllowed("allowed")),
		// Not in the schema's order of kinds: definitions keep the order
		// they were created in.
		PropertyDefinitions: generated.PropertyDefinitionList{
			&generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: base("t:str", "string"),
				MaxLength: ptr(int64(20)), DefaultValue: &generated.CmisPropertyString{CmisProperty: one("t:str"), Value: []string{"x"}}},
			&generated.CmisPropertyBooleanDefinitionType{CmisPropertyDefinitionType: base("t:bool", "boolean"),
				DefaultValue: &generated.CmisPropertyBoolean{CmisProperty: one("t:bool"), Value: []bool{true}}},
			&generated.CmisPropertyUriDefinitionType{CmisPropertyDefinitionType: base("t:uri", "uri")},
			&generated.CmisPropertyIdDefinitionType{CmisPropertyDefinitionType: base("t:id", "id")},
			&generated.CmisPropertyDecimalDefinitionType{CmisPropertyDefinitionType: base("t:dec", "decimal"),
				Precision: ptr(generated.EnumDecimalPrecision("64")), MinValue: ptr(xsdDecimal("-1.5"))},
			&generated.CmisPropertyIntegerDefinitionType{CmisPropertyDefinitionType: base("t:int", "integer"),
				MinValue: ptr(int64(0)), MaxValue: ptr(int64(10)),
				Choice: []*generated.CmisChoiceInteger{{CmisChoice: generated.CmisChoice{DisplayName: "five"}, Value: []int64{5}}}},
			&generated.CmisPropertyHtmlDefinitionType{CmisPropertyDefinitionType: base("t:html", "html")},
			&generated.CmisPropertyDateTimeDefinitionType{CmisPropertyDefinitionType: base("t:date", "datetime"),
				Resolution: ptr(generated.EnumDateTimeResolution("date"))},
		},
	}
}

// everyKindWith is everyKind changed by f.
func everyKindWith(id string, f func(*generated.CmisTypeDefinitionType)) *generated.CmisTypeDefinitionType {
	ty := everyKind(id)
	f(ty)
	return ty
}

// typeCase is a type for createType or updateType and the fault it gets
// ("": none).
type typeCase struct {
	name string
	ctx  context.Context
	ty   *generated.CmisTypeDefinitionType
	want cmis.ErrorType
}

func TestCreateTypeRoundTrips(t *testing.T) {
	s, ctx := newRepositoryService(t)
	created, err := s.CreateTypeContext(ctx, &generated.CreateType{RepositoryId: repo, Type_: everyKind("t:doc")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "t:doc"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(created.Type_, got.Type_) {
		t.Fatalf("createType's answer differs from getTypeDefinition's:\n%+v\n%+v", created.Type_, got.Type_)
	}
	ty := got.Type_
	if countProps(ty) != 26+8 || !ty.TypeMutability.Create || !ty.TypeMutability.Delete || *ty.ParentId != "cmis:document" {
		t.Fatalf("created type: %d props, mutability %+v", countProps(ty), ty.TypeMutability)
	}
	var own int
	for _, p := range generated.OfType[*generated.CmisPropertyIntegerDefinitionType](ty.PropertyDefinitions) {
		if p.Id == "t:int" && (*p.MaxValue != 10 || p.Choice[0].Value[0] != 5 || *p.Inherited) {
			t.Fatalf("t:int: %+v", p)
		}
	}
	for _, p := range generated.OfType[*generated.CmisPropertyStringDefinitionType](ty.PropertyDefinitions) {
		if !*p.Inherited {
			own++
			if *p.MaxLength != 20 || p.DefaultValue.Value[0] != "x" {
				t.Fatalf("t:str: %+v", p)
			}
		}
	}
	if own != 1 {
		t.Fatalf("%d own string properties", own)
	}
	kids, _ := s.GetTypeChildrenContext(ctx, &generated.GetTypeChildren{RepositoryId: repo, TypeId: ptr("cmis:document")})
	if len(kids.Types.Types) != 1 || kids.Types.Types[0].Id != "t:doc" {
		t.Fatalf("getTypeChildren(cmis:document): %+v", kids.Types)
	}
	tree, err := s.GetTypeDescendantsContext(ctx, &generated.GetTypeDescendants{RepositoryId: repo})
	if err != nil || len(tree.Types) != 6 || len(tree.Types[0].Children) != 1 {
		t.Fatalf("getTypeDescendants: %v %v", tree, err)
	}
}

func TestCreateTypeRules(t *testing.T) {
	s, ctx := newRepositoryService(t)
	user := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "bob"})
	mutate := func(f func(*generated.CmisTypeDefinitionType)) *generated.CmisTypeDefinitionType {
		return everyKindWith("t:x", f)
	}
	cases := []typeCase{
		{"not admin", user, everyKind("t:x"), cmis.ErrPermissionDenied},
		{"no type", ctx, nil, cmis.ErrInvalidArgument},
		{"no parent", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.ParentId = nil }), cmis.ErrInvalidArgument},
		{"unknown parent", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.ParentId = ptr("t:none") }), cmis.ErrInvalidArgument},
		{"reserved id", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.Id = "cmis:mine" }), cmis.ErrInvalidArgument},
		{"bad query name", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.QueryName = ptr("a b") }), cmis.ErrInvalidArgument},
		{"reserved query name", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.QueryName = ptr("cmis:x") }), cmis.ErrInvalidArgument},
		{"bad content stream rule", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			t.ContentStreamAllowed = ptr(generated.EnumContentStreamAllowed("sometimes"))
		}), cmis.ErrInvalidArgument},
		{"base mismatch", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.BaseId = "cmis:folder" }), cmis.ErrInvalidArgument},
		{"xsi mismatch", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.XsiType = generated.XsiCmisTypeFolderDefinitionType }), cmis.ErrInvalidArgument},
		{"default too long", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyStringDefinitionType](t).DefaultValue.Value = []string{"this default is longer than twenty"}
		}), cmis.ErrInvalidArgument},
		{"choice out of range", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyIntegerDefinitionType](t).Choice[0].Value = []int64{11}
		}), cmis.ErrInvalidArgument},
		{"multi orderable", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyIdDefinitionType](t).Cardinality, firstDef[*generated.CmisPropertyIdDefinitionType](t).Orderable = "multi", true
		}), cmis.ErrInvalidArgument},
		{"redefines inherited", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyIdDefinitionType](t).Id = "cmis:objectId"
		}), cmis.ErrInvalidArgument},
		{"wrong kind tag", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyIdDefinitionType](t).PropertyType = "string"
		}), cmis.ErrInvalidArgument},
		{"creatable secondary", ctx, &generated.CmisTypeDefinitionType{Id: "t:sec", BaseId: "cmis:secondary",
			ParentId: ptr("cmis:secondary"), Creatable: true}, cmis.ErrConstraint},
		{"fileable relationship", ctx, &generated.CmisTypeDefinitionType{Id: "t:rel", BaseId: "cmis:relationship",
			ParentId: ptr("cmis:relationship"), Fileable: true}, cmis.ErrConstraint},
		{"valid", ctx, everyKind("t:x"), ""},
		{"duplicate", ctx, everyKind("t:x"), cmis.ErrNameConstraintViolation},
		{"same property ids, same definitions", ctx, everyKind("t:y"), ""},
		{"property id redefined differently", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			t.Id, t.QueryName = "t:z", ptr("t:z")
			firstDef[*generated.CmisPropertyIdDefinitionType](t).Cardinality = "multi"
		}), cmis.ErrNameConstraintViolation},
		{"query name standing for another id", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			t.Id, t.QueryName = "t:w", ptr("t:w")
			firstDef[*generated.CmisPropertyIdDefinitionType](t).Id = "t:other"
		}), cmis.ErrNameConstraintViolation},
	}
	for _, c := range cases {
		_, err := s.CreateTypeContext(c.ctx, &generated.CreateType{RepositoryId: repo, Type_: c.ty})
		wantErr(t, c.name, err, c.want)
	}
}

// updateType applies createType's rules, and keeps what an update may
// not change.
func TestUpdateTypeRules(t *testing.T) {
	s, ctx := newRepositoryService(t)
	user := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "bob"})
	for _, ty := range []*generated.CmisTypeDefinitionType{everyKind("t:doc"),
		{Id: "t:sec", BaseId: "cmis:secondary", ParentId: ptr("cmis:secondary")}} {
		if _, err := s.CreateTypeContext(ctx, &generated.CreateType{RepositoryId: repo, Type_: ty}); err != nil {
			t.Fatal(err)
		}
	}
	mutate := func(f func(*generated.CmisTypeDefinitionType)) *generated.CmisTypeDefinitionType {
		return everyKindWith("t:doc", f)
	}
	newProp := func(f func(*generated.CmisPropertyDefinitionType)) func(*generated.CmisTypeDefinitionType) {
		return func(t *generated.CmisTypeDefinitionType) {
			p := generated.CmisPropertyDefinitionType{Id: "t:new", LocalName: "t:new", PropertyType: "id", Cardinality: "single", Updatability: "readwrite"}
			f(&p)
			t.PropertyDefinitions = append(t.PropertyDefinitions, &generated.CmisPropertyIdDefinitionType{CmisPropertyDefinitionType: p})
		}
	}
	cases := []typeCase{
		{"not admin", user, everyKind("t:doc"), cmis.ErrPermissionDenied},
		{"unknown type", ctx, everyKind("t:none"), cmis.ErrObjectNotFound},
		{"base type", ctx, &generated.CmisTypeDefinitionType{Id: "cmis:folder", BaseId: "cmis:folder"}, cmis.ErrConstraint},
		{"base change", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.BaseId = "cmis:folder" }), cmis.ErrInvalidArgument},
		{"parent change", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.ParentId = ptr("cmis:folder") }), cmis.ErrInvalidArgument},
		{"bad query name", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.QueryName = ptr("a b") }), cmis.ErrInvalidArgument},
		{"reserved query name", ctx, mutate(func(t *generated.CmisTypeDefinitionType) { t.QueryName = ptr("cmis:doc") }), cmis.ErrInvalidArgument},
		{"content stream rule change", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			t.ContentStreamAllowed = ptr(generated.EnumContentStreamAllowed("required"))
		}), cmis.ErrConstraint},
		{"creatable secondary", ctx, &generated.CmisTypeDefinitionType{Id: "t:sec", BaseId: "cmis:secondary", Creatable: true}, cmis.ErrConstraint},
		{"cardinality change", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyIntegerDefinitionType](t).Cardinality = "multi"
		}), cmis.ErrConstraint},
		{"property becomes required", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyIdDefinitionType](t).Required = true
		}), cmis.ErrConstraint},
		{"restated default too long", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			firstDef[*generated.CmisPropertyStringDefinitionType](t).DefaultValue.Value = []string{"this default is longer than twenty"}
		}), cmis.ErrInvalidArgument},
		{"new property multi orderable", ctx, mutate(newProp(func(p *generated.CmisPropertyDefinitionType) {
			p.Cardinality, p.Orderable = "multi", true
		})), cmis.ErrInvalidArgument},
		{"new property reserved id", ctx, mutate(newProp(func(p *generated.CmisPropertyDefinitionType) { p.Id = "cmis:new" })), cmis.ErrInvalidArgument},
		{"new property redefines inherited", ctx, mutate(newProp(func(p *generated.CmisPropertyDefinitionType) { p.Id = "cmis:objectId" })), cmis.ErrInvalidArgument},
		{"new property with a taken query name", ctx, mutate(newProp(func(p *generated.CmisPropertyDefinitionType) { p.QueryName = ptr("t:int") })), cmis.ErrInvalidArgument},
		{"valid: new names and a new property", ctx, mutate(func(t *generated.CmisTypeDefinitionType) {
			t.DisplayName, t.QueryName = ptr("Doc"), ptr("t:document")
			newProp(func(*generated.CmisPropertyDefinitionType) {})(t)
		}), ""},
	}
	for _, c := range cases {
		_, err := s.UpdateTypeContext(c.ctx, &generated.UpdateType{RepositoryId: repo, Type_: c.ty})
		wantErr(t, c.name, err, c.want)
	}
	got, err := s.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "t:doc"})
	if err != nil {
		t.Fatal(err)
	}
	ty := got.Type_
	if *ty.QueryName != "t:document" || *ty.DisplayName != "Doc" || *ty.ContentStreamAllowed != "allowed" ||
		!ty.TypeMutability.Update || countProps(ty) != 26+9 {
		t.Errorf("after the updates: query name %s, display name %s, contentStreamAllowed %s, mutability %+v, %d properties",
			*ty.QueryName, *ty.DisplayName, *ty.ContentStreamAllowed, ty.TypeMutability, countProps(ty))
	}
}

func TestUpdateAndDeleteType(t *testing.T) {
	s, ctx := newRepositoryService(t)
	if _, err := s.CreateTypeContext(ctx, &generated.CreateType{RepositoryId: repo, Type_: everyKind("t:doc")}); err != nil {
		t.Fatal(err)
	}
	upd := everyKind("t:doc")
	upd.DisplayName = ptr("Renamed")
	// The boolean is not restated: kept.
	upd.PropertyDefinitions = slices.DeleteFunc(upd.PropertyDefinitions, func(d generated.PropertyDefinition) bool {
		_, ok := d.(*generated.CmisPropertyBooleanDefinitionType)
		return ok
	})
	upd.PropertyDefinitions = append(upd.PropertyDefinitions, &generated.CmisPropertyStringDefinitionType{
		CmisPropertyDefinitionType: generated.CmisPropertyDefinitionType{Id: "t:new", LocalName: "t:new", PropertyType: "string",
			Cardinality: "single", Updatability: "readwrite"}})
	resp, err := s.UpdateTypeContext(ctx, &generated.UpdateType{RepositoryId: repo, Type_: upd})
	if err != nil {
		t.Fatal(err)
	}
	if *resp.Type_.DisplayName != "Renamed" || countProps(resp.Type_) != 26+9 {
		t.Fatalf("updated: %s, %d props", *resp.Type_.DisplayName, countProps(resp.Type_))
	}
	bad := everyKind("t:doc")
	firstDef[*generated.CmisPropertyIntegerDefinitionType](bad).Cardinality = "multi"
	_, err = s.UpdateTypeContext(ctx, &generated.UpdateType{RepositoryId: repo, Type_: bad})
	wantErr(t, "cardinality change", err, cmis.ErrConstraint)
	_, err = s.UpdateTypeContext(ctx, &generated.UpdateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{Id: "cmis:folder", BaseId: "cmis:folder"}})
	wantErr(t, "update base type", err, cmis.ErrConstraint)

	child := everyKind("t:child")
	child.ParentId = ptr("t:doc")
	child.PropertyDefinitions = nil
	if _, err := s.CreateTypeContext(ctx, &generated.CreateType{RepositoryId: repo, Type_: child}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteTypeContext(ctx, &generated.DeleteType{RepositoryId: repo, TypeId: "t:doc"})
	wantErr(t, "delete type with subtypes", err, cmis.ErrConstraint)
	_, err = s.DeleteTypeContext(ctx, &generated.DeleteType{RepositoryId: repo, TypeId: "cmis:document"})
	wantErr(t, "delete base type", err, cmis.ErrConstraint)
	for _, id := range []string{"t:child", "t:doc"} {
		_, err = s.DeleteTypeContext(ctx, &generated.DeleteType{RepositoryId: repo, TypeId: id})
		wantErr(t, "delete "+id, err, "")
	}
	_, err = s.GetTypeDefinitionContext(ctx, &generated.GetTypeDefinition{RepositoryId: repo, TypeId: "t:doc"})
	wantErr(t, "deleted type", err, cmis.ErrObjectNotFound)
}

func TestTypeDescendantsDepth(t *testing.T) {
	s, ctx := newRepositoryService(t)
	_, err := s.GetTypeDescendantsContext(ctx, &generated.GetTypeDescendants{RepositoryId: repo, Depth: ptr(int64(0))})
	wantErr(t, "depth 0", err, cmis.ErrInvalidArgument)
	one, err := s.GetTypeDescendantsContext(ctx, &generated.GetTypeDescendants{RepositoryId: repo, Depth: ptr(int64(1))})
	if err != nil || len(one.Types) != 6 {
		t.Fatalf("depth 1 without typeId lists the base types: %v", err)
	}
}

func TestNotSupportedOperations(t *testing.T) {
	f := newFixture(t)
	_, err := f.ports.Discovery.GetContentChangesContext(f.ctx, &generated.GetContentChanges{RepositoryId: "nope"})
	wantErr(t, "getContentChanges on unknown repository", err, cmis.ErrObjectNotFound)
}

func xsdDecimal(s string) xsd.Decimal { return xsd.Decimal(s) }
