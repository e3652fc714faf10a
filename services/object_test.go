package services

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/storetest"
	"github.com/cmisd/cmisd/internal/xsd"
	"github.com/cmisd/cmisd/storage"
)

type fixture struct {
	ctx      context.Context
	ports    *generated.Ports
	root     string
	fullText bool // the store can run CONTAINS
	core     *core
	store    *storage.DB // also for the tests that tune its limits
}

func newFixture(t *testing.T) *fixture { return newFixtureTB(t) }

func newFixtureTB(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	r, err := db.EnsureRepository(ctx, repo, "Test", "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	c := newCore(Config{Types: db, Objects: db, ACLs: db, Queries: db, Changes: db, Tx: db, ProductVersion: "test"})
	return &fixture{
		ctx:      cmis.NewContextWithUser(ctx, &cmis.User{Name: "admin", Admin: true}),
		ports:    c.ports(),
		root:     r.RootFolderID,
		fullText: db.FullText(),
		core:     c,
		store:    db,
	}
}

func props(typeID, name string, more ...func(*generated.CmisPropertiesType)) *generated.CmisPropertiesType {
	p := &generated.CmisPropertiesType{
		Properties: generated.PropertyList{
			&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropObjectTypeID}, Value: []string{typeID}},
			&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []string{name}},
		},
	}
	for _, m := range more {
		m(p)
	}
	return p
}

func content(s string) *generated.CmisContentStreamType {
	return &generated.CmisContentStreamType{MimeType: ptr("text/plain"), Filename: ptr("f.txt"),
		Stream: &xsd.Stream{Href: "x", Reader: strings.NewReader(s)}}
}

func (f *fixture) folder(t *testing.T, parent, name string) string {
	return f.folderTB(t, parent, name)
}

func (f *fixture) folderTB(t testing.TB, parent, name string) string {
	t.Helper()
	r, err := f.ports.Object.CreateFolderContext(f.ctx, &generated.CreateFolder{RepositoryId: repo, FolderId: parent, Properties: props("cmis:folder", name)})
	if err != nil {
		t.Fatalf("createFolder %s: %v", name, err)
	}
	return r.ObjectId
}

func (f *fixture) doc(t testing.TB, parent, name, body string) string {
	t.Helper()
	var cs *generated.CmisContentStreamType
	if body != "" {
		cs = content(body)
	}
	r, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &parent,
		Properties: props("cmis:document", name), ContentStream: cs})
	if err != nil {
		t.Fatalf("createDocument %s: %v", name, err)
	}
	return r.ObjectId
}

func (f *fixture) get(t *testing.T, id string, filter string) *generated.CmisObjectType {
	t.Helper()
	r, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: id, Filter: &filter, IncludeAllowableActions: ptr(true)})
	if err != nil {
		t.Fatalf("getObject %s: %v", id, err)
	}
	return r.Object
}

// value returns a property's first value as text.
func value(o *generated.CmisObjectType, id string) (string, bool) {
	p := o.Properties
	for _, x := range generated.OfType[*generated.CmisPropertyString](p.Properties) {
		if x.PropertyDefinitionId == id && len(x.Value) > 0 {
			return x.Value[0], true
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyId](p.Properties) {
		if x.PropertyDefinitionId == id && len(x.Value) > 0 {
			return x.Value[0], true
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyInteger](p.Properties) {
		if x.PropertyDefinitionId == id && len(x.Value) > 0 {
			return cmis.FormatValue(cmis.PropertyInteger, x.Value[0]), true
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyBoolean](p.Properties) {
		if x.PropertyDefinitionId == id && len(x.Value) > 0 {
			return cmis.FormatValue(cmis.PropertyBoolean, x.Value[0]), true
		}
	}
	return "", false
}

func ids(o *generated.CmisObjectType) []string {
	var out []string
	p := o.Properties
	for _, x := range generated.OfType[*generated.CmisPropertyBoolean](p.Properties) {
		out = append(out, x.PropertyDefinitionId)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyId](p.Properties) {
		out = append(out, x.PropertyDefinitionId)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyInteger](p.Properties) {
		out = append(out, x.PropertyDefinitionId)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyDateTime](p.Properties) {
		out = append(out, x.PropertyDefinitionId)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyString](p.Properties) {
		out = append(out, x.PropertyDefinitionId)
	}
	sort.Strings(out)
	return out
}

func TestCreateAndReadFolderAndDocument(t *testing.T) {
	f := newFixture(t)
	a := f.folder(t, f.root, "a")
	d := f.doc(t, a, "hello.txt", "hello world")

	fo := f.get(t, a, "*")
	if p, _ := value(fo, cmis.PropPath); p != "/a" {
		t.Fatalf("cmis:path %q", p)
	}
	if p, _ := value(fo, cmis.PropParentID); p != f.root {
		t.Fatalf("cmis:parentId %q", p)
	}
	if by, _ := value(fo, cmis.PropCreatedBy); by != "admin" {
		t.Fatalf("cmis:createdBy %q", by)
	}
	do := f.get(t, d, "*")
	for id, want := range map[string]string{cmis.PropContentStreamLength: "11", cmis.PropContentStreamMimeType: "text/plain",
		cmis.PropContentStreamFileName: "f.txt", cmis.PropIsLatestVersion: "true", cmis.PropVersionLabel: "1.0", cmis.PropChangeToken: "1"} {
		if got, _ := value(do, id); got != want {
			t.Fatalf("%s = %q, want %q", id, got, want)
		}
	}
	if _, set := value(do, cmis.PropPath); set {
		t.Fatal("a document has no cmis:path")
	}
	aa := do.AllowableActions
	if !deref(aa.CanGetContentStream) || deref(aa.CanGetChildren) || !deref(aa.CanCheckOut) || !deref(aa.CanGetProperties) {
		t.Fatalf("document allowable actions: %+v", aa)
	}
	ra := f.get(t, f.root, "cmis:name").AllowableActions
	if deref(ra.CanDeleteObject) || deref(ra.CanGetFolderParent) || deref(ra.CanMoveObject) || !deref(ra.CanGetChildren) {
		t.Fatalf("root allowable actions: %+v", ra)
	}
	aa2, _ := f.ports.Object.GetAllowableActionsContext(f.ctx, &generated.GetAllowableActions{RepositoryId: repo, ObjectId: d})
	if !reflect.DeepEqual(aa2.AllowableActions, aa) {
		t.Fatal("getAllowableActions differs from getObject's allowable actions")
	}
	byPath, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/a/hello.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := value(byPath.Object, cmis.PropObjectID); id != d {
		t.Fatalf("getObjectByPath: %s", id)
	}
}

func TestPropertyFilter(t *testing.T) {
	f := newFixture(t)
	d := f.doc(t, f.root, "d", "x")
	cases := []struct {
		filter string
		want   []string
		err    cmis.ErrorType
	}{
		{"cmis:name,cmis:objectId", []string{cmis.PropName, cmis.PropObjectID}, ""},
		{" cmis:name , nosuch:prop ", []string{cmis.PropName}, ""},
		{"cmis:contentStreamMimeType", []string{cmis.PropContentStreamMimeType}, ""},
		{"cmis:name,a b", nil, cmis.ErrFilterNotValid},
	}
	for _, c := range cases {
		r, err := f.ports.Object.GetPropertiesContext(f.ctx, &generated.GetProperties{RepositoryId: repo, ObjectId: d, Filter: &c.filter})
		wantErr(t, c.filter, err, c.err)
		if err == nil {
			got := ids(&generated.CmisObjectType{Properties: r.Properties})
			want := append([]string{}, c.want...)
			sort.Strings(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("filter %q: %v", c.filter, got)
			}
		}
	}
	if n := len(ids(f.get(t, d, "*"))); n < 20 {
		t.Fatalf("filter * returned %d properties", n)
	}
}

func read(t *testing.T, cs *generated.CmisContentStreamType) string {
	t.Helper()
	b, err := io.ReadAll(cs.Stream.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cs.Stream.Reader.(io.Closer); ok {
		c.Close()
	}
	return string(b)
}

func TestContentStreamRanges(t *testing.T) {
	f := newFixture(t)
	body := "0123456789abcdefghijklmnopqrstuvwxyz"
	d := f.doc(t, f.root, "d", body)
	cases := []struct {
		offset, length *int64
		want           string
	}{
		{nil, nil, body},
		{ptr(int64(3)), nil, body[3:]},
		{ptr(int64(5)), ptr(int64(17)), body[5:22]},
		{ptr(int64(9)), ptr(int64(123)), body[9:]},
		{nil, ptr(int64(12)), body[:12]},
		{ptr(int64(100)), nil, ""},
	}
	for _, c := range cases {
		r, err := f.ports.Object.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: d, Offset: c.offset, Length: c.length})
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, r.ContentStream); got != c.want || *r.ContentStream.Length != int64(len(c.want)) {
			t.Fatalf("range %v/%v: %q (length %d)", c.offset, c.length, got, *r.ContentStream.Length)
		}
	}
	empty := f.doc(t, f.root, "empty", "")
	_, err := f.ports.Object.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: empty})
	wantErr(t, "no content", err, cmis.ErrConstraint)
	o := f.get(t, empty, "*")
	if _, set := value(o, cmis.PropContentStreamLength); set {
		t.Fatal("a document without content has no content length")
	}
}

func TestChildrenAndTrees(t *testing.T) {
	f := newFixture(t)
	a := f.folder(t, f.root, "a")
	b := f.folder(t, a, "b")
	for _, n := range []string{"x3", "x1", "x2"} {
		f.doc(t, a, n, "")
	}
	f.doc(t, b, "deep", "")
	nav := f.ports.Navigation
	r, err := nav.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: a, MaxItems: ptr(int64(2)),
		SkipCount: ptr(int64(1)), OrderBy: ptr("cmis:name DESC"), IncludePathSegment: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range r.Objects.Objects {
		names = append(names, *o.PathSegment)
	}
	if strings.Join(names, ",") != "x2,x1" || !r.Objects.HasMoreItems || *r.Objects.NumItems != 4 {
		t.Fatalf("children: %v more=%v num=%d", names, r.Objects.HasMoreItems, *r.Objects.NumItems)
	}
	cases := []struct {
		name    string
		req     *generated.GetChildren
		wantErr cmis.ErrorType
	}{
		{"not orderable", &generated.GetChildren{RepositoryId: repo, FolderId: a, OrderBy: ptr("cmis:changeToken")}, cmis.ErrInvalidArgument},
		{"unknown order", &generated.GetChildren{RepositoryId: repo, FolderId: a, OrderBy: ptr("x:nope")}, cmis.ErrInvalidArgument},
		{"bad direction", &generated.GetChildren{RepositoryId: repo, FolderId: a, OrderBy: ptr("cmis:name UP")}, cmis.ErrInvalidArgument},
		{"not a folder", &generated.GetChildren{RepositoryId: repo, FolderId: f.doc(t, f.root, "doc", "")}, cmis.ErrInvalidArgument},
		{"unknown folder", &generated.GetChildren{RepositoryId: repo, FolderId: "nope"}, cmis.ErrObjectNotFound},
		{"negative skip", &generated.GetChildren{RepositoryId: repo, FolderId: a, SkipCount: ptr(int64(-1))}, cmis.ErrInvalidArgument},
	}
	for _, c := range cases {
		_, err := nav.GetChildrenContext(f.ctx, c.req)
		wantErr(t, c.name, err, c.wantErr)
	}
	count := func(cs []*generated.CmisObjectInFolderContainerType) int {
		var n func([]*generated.CmisObjectInFolderContainerType) int
		n = func(cs []*generated.CmisObjectInFolderContainerType) int {
			t := len(cs)
			for _, c := range cs {
				t += n(c.Children)
			}
			return t
		}
		return n(cs)
	}
	all, err := nav.GetDescendantsContext(f.ctx, &generated.GetDescendants{RepositoryId: repo, FolderId: a, Depth: ptr(int64(-1))})
	if err != nil || count(all.Objects) != 5 {
		t.Fatalf("descendants: %d %v", count(all.Objects), err)
	}
	one, _ := nav.GetDescendantsContext(f.ctx, &generated.GetDescendants{RepositoryId: repo, FolderId: a, Depth: ptr(int64(1))})
	if count(one.Objects) != 4 {
		t.Fatalf("depth 1: %d", count(one.Objects))
	}
	tree, _ := nav.GetFolderTreeContext(f.ctx, &generated.GetFolderTree{RepositoryId: repo, FolderId: f.root})
	if count(tree.Objects) != 2 || len(tree.Objects[0].Children) != 1 {
		t.Fatalf("folder tree: %d", count(tree.Objects))
	}
	_, err = nav.GetDescendantsContext(f.ctx, &generated.GetDescendants{RepositoryId: repo, FolderId: a, Depth: ptr(int64(0))})
	wantErr(t, "depth 0", err, cmis.ErrInvalidArgument)
	_, err = nav.GetFolderParentContext(f.ctx, &generated.GetFolderParent{RepositoryId: repo, FolderId: f.root})
	wantErr(t, "parent of root", err, cmis.ErrInvalidArgument)
	p, err := nav.GetFolderParentContext(f.ctx, &generated.GetFolderParent{RepositoryId: repo, FolderId: b})
	if id, _ := value(p.Object, cmis.PropObjectID); err != nil || id != a {
		t.Fatalf("parent of b: %s %v", id, err)
	}
	parents, err := nav.GetObjectParentsContext(f.ctx, &generated.GetObjectParents{RepositoryId: repo, ObjectId: b, IncludeRelativePathSegment: ptr(true)})
	if err != nil || len(parents.Parents) != 1 || *parents.Parents[0].RelativePathSegment != "b" {
		t.Fatalf("parents: %+v %v", parents, err)
	}
}

func TestMoveCopyDelete(t *testing.T) {
	f := newFixture(t)
	obj := f.ports.Object
	a := f.folder(t, f.root, "a")
	b := f.folder(t, a, "b")
	c := f.folder(t, f.root, "c")
	d := f.doc(t, a, "d", "payload")
	if _, err := obj.MoveObjectContext(f.ctx, &generated.MoveObject{RepositoryId: repo, ObjectId: d, SourceFolderId: a, TargetFolderId: c}); err != nil {
		t.Fatal(err)
	}
	if _, err := obj.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/c/d"}); err != nil {
		t.Fatalf("moved document not at its new path: %v", err)
	}
	_, err := obj.MoveObjectContext(f.ctx, &generated.MoveObject{RepositoryId: repo, ObjectId: a, SourceFolderId: f.root, TargetFolderId: b})
	wantErr(t, "move into own subtree", err, cmis.ErrConstraint)
	cp, err := obj.CreateDocumentFromSourceContext(f.ctx, &generated.CreateDocumentFromSource{RepositoryId: repo, SourceId: d, FolderId: &b,
		Properties: &generated.CmisPropertiesType{}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := obj.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: cp.ObjectId})
	if got := read(t, r.ContentStream); got != "payload" {
		t.Fatalf("copied content %q", got)
	}
	if n, _ := value(f.get(t, cp.ObjectId, "*"), cmis.PropName); n != "d" {
		t.Fatalf("copy's name %q", n)
	}
	_, err = obj.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: a})
	wantErr(t, "delete non-empty folder", err, cmis.ErrConstraint)
	tr, err := obj.DeleteTreeContext(f.ctx, &generated.DeleteTree{RepositoryId: repo, FolderId: a})
	if err != nil || len(tr.FailedToDelete.ObjectIds) != 0 {
		t.Fatalf("deleteTree: %v %v", tr, err)
	}
	for _, id := range []string{a, b, cp.ObjectId} {
		_, err := obj.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: id})
		wantErr(t, "deleted "+id, err, cmis.ErrObjectNotFound)
	}
	if _, err := obj.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: d}); err != nil {
		t.Fatal(err)
	}
}

func TestSetAppendDeleteContent(t *testing.T) {
	f := newFixture(t)
	obj := f.ports.Object
	d := f.doc(t, f.root, "d", "abc")
	_, err := obj.SetContentStreamContext(f.ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: d, OverwriteFlag: ptr(false), ContentStream: content("x")})
	wantErr(t, "overwrite false", err, cmis.ErrContentAlreadyExists)
	s, err := obj.SetContentStreamContext(f.ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: d, ChangeToken: ptr("1"), ContentStream: content("new")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = obj.SetContentStreamContext(f.ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: d, ChangeToken: ptr("1"), ContentStream: content("stale")})
	wantErr(t, "stale token", err, cmis.ErrUpdateConflict)
	if _, err := obj.AppendContentStreamContext(f.ctx, &generated.AppendContentStream{RepositoryId: repo, ObjectId: d, ChangeToken: s.ChangeToken, ContentStream: content("+more")}); err != nil {
		t.Fatal(err)
	}
	r, _ := obj.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: d})
	if got := read(t, r.ContentStream); got != "new+more" {
		t.Fatalf("content %q", got)
	}
	if _, err := obj.DeleteContentStreamContext(f.ctx, &generated.DeleteContentStream{RepositoryId: repo, ObjectId: d}); err != nil {
		t.Fatal(err)
	}
	o := f.get(t, d, "*")
	if _, set := value(o, cmis.PropContentStreamLength); set || deref(o.AllowableActions.CanGetContentStream) {
		t.Fatal("content properties or actions left after deleteContentStream")
	}
	folder := f.folder(t, f.root, "f")
	_, err = obj.SetContentStreamContext(f.ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: folder, ContentStream: content("x")})
	wantErr(t, "content on a folder", err, cmis.ErrConstraint)
}

func TestSecondaryTypes(t *testing.T) {
	f := newFixture(t)
	rs := f.ports.Repository
	_, err := rs.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: "t:tagged", LocalName: "tagged", BaseId: "cmis:secondary", ParentId: ptr("cmis:secondary"), Queryable: true,
		PropertyDefinitions: generated.PropertyDefinitionList{&generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: generated.CmisPropertyDefinitionType{
			Id: "t:tag", LocalName: "tag", PropertyType: "string", Cardinality: "single", Updatability: "readwrite"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	withSecondary := func(p *generated.CmisPropertiesType) {
		p.Properties = append(p.Properties, &generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropSecondaryObjectTypeIDs}, Value: []string{"t:tagged"}})
		p.Properties = append(p.Properties, &generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "t:tag"}, Value: []string{"red"}})
	}
	r, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &f.root, Properties: props("cmis:document", "d", withSecondary)})
	if err != nil {
		t.Fatal(err)
	}
	if tag, _ := value(f.get(t, r.ObjectId, "*"), "t:tag"); tag != "red" {
		t.Fatalf("secondary property %q", tag)
	}
	_, err = f.ports.Object.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: r.ObjectId,
		Properties: &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropSecondaryObjectTypeIDs}}}}})
	if err != nil {
		t.Fatal(err)
	}
	o := f.get(t, r.ObjectId, "*")
	if _, set := value(o, "t:tag"); set || bytes.Contains([]byte(strings.Join(ids(o), ",")), []byte("t:tag")) {
		t.Fatal("detached secondary type's property is still there")
	}
	_, err = rs.DeleteTypeContext(f.ctx, &generated.DeleteType{RepositoryId: repo, TypeId: "t:tagged"})
	if err != nil {
		t.Fatalf("delete a secondary type no object uses: %v", err)
	}
}

// The root folder has a non-empty cmis:name (clients and kits refuse empty
// strings) and stays at cmis:path "/".
func TestRootFolderNameAndPath(t *testing.T) {
	f := newFixture(t)
	r, err := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := value(r.Object, cmis.PropName); name != cmis.RootFolderName {
		t.Errorf("root cmis:name %q", name)
	}
	if path, _ := value(r.Object, cmis.PropPath); path != "/" {
		t.Errorf("root cmis:path %q", path)
	}
	a := f.folder(t, f.root, "a")
	got, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: a})
	if err != nil {
		t.Fatal(err)
	}
	if path, _ := value(got.Object, cmis.PropPath); path != "/a" {
		t.Errorf("child of the root at %q", path)
	}
}
