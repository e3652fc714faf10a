package services

import (
	"context"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

func (f *fixture) checkOut(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	r, err := f.ports.Versioning.CheckOutContext(ctx, &generated.CheckOut{RepositoryId: repo, ObjectId: id})
	if err != nil {
		t.Fatalf("checkOut %s: %v", id, err)
	}
	return r.ObjectId
}

func (f *fixture) checkIn(t *testing.T, ctx context.Context, pwc string, major bool, body string) string {
	t.Helper()
	req := &generated.CheckIn{RepositoryId: repo, ObjectId: pwc, Major: &major, CheckinComment: ptr("comment " + body)}
	if body != "" {
		req.ContentStream = content(body)
	}
	r, err := f.ports.Versioning.CheckInContext(ctx, req)
	if err != nil {
		t.Fatalf("checkIn %s: %v", pwc, err)
	}
	return r.ObjectId
}

// versionState is the versioning properties of an object, as text.
func versionState(o *generated.CmisObjectType) map[string]string {
	out := map[string]string{}
	for _, id := range []string{cmis.PropIsLatestVersion, cmis.PropIsMajorVersion, cmis.PropIsLatestMajorVersion,
		cmis.PropIsPrivateWorkingCopy, cmis.PropVersionLabel, cmis.PropIsVersionSeriesCheckedOut,
		cmis.PropVersionSeriesCheckedOutID, cmis.PropVersionSeriesCheckedOutBy, cmis.PropCheckinComment} {
		v, _ := value(o, id)
		out[id] = v
	}
	return out
}

func (f *fixture) versions(t *testing.T, id string) []string {
	t.Helper()
	r, err := f.ports.Versioning.GetAllVersionsContext(f.ctx, &generated.GetAllVersions{RepositoryId: repo, ObjectId: id, IncludeAllowableActions: ptr(true)})
	if err != nil {
		t.Fatalf("getAllVersions %s: %v", id, err)
	}
	var out []string
	for _, o := range r.Objects {
		oid, _ := value(o, cmis.PropObjectID)
		out = append(out, oid)
	}
	return out
}

func TestVersioningFaults(t *testing.T) {
	f := newFixture(t)
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: "t:plain", LocalName: "plain", BaseId: "cmis:document", ParentId: ptr("cmis:document"), Creatable: true, Fileable: true,
		ControllableACL: true, Versionable: ptr(false), ContentStreamAllowed: ptr(generated.EnumContentStreamAllowed("allowed"))}})
	if err != nil {
		t.Fatal(err)
	}
	v := f.ports.Versioning
	folder := f.folder(t, f.root, "f")
	doc := f.doc(t, folder, "d", "one")
	plainR, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
		Properties: props("t:plain", "plain"), VersioningState: ptr(generated.EnumVersioningStateNone)})
	if err != nil {
		t.Fatal(err)
	}
	plain := plainR.ObjectId
	pwc := f.checkOut(t, f.ctx, doc)
	checkOut := func(id string) error {
		_, err := v.CheckOutContext(f.ctx, &generated.CheckOut{RepositoryId: repo, ObjectId: id})
		return err
	}
	checkIn := func(req *generated.CheckIn) error {
		req.RepositoryId = repo
		_, err := v.CheckInContext(f.ctx, req)
		return err
	}
	cancel := func(id string) error {
		_, err := v.CancelCheckOutContext(f.ctx, &generated.CancelCheckOut{RepositoryId: repo, ObjectId: id})
		return err
	}
	cases := []struct {
		name string
		err  error
		want cmis.ErrorType
	}{
		{"check out twice", checkOut(doc), cmis.ErrVersioning},
		{"check out the PWC", checkOut(pwc), cmis.ErrVersioning},
		{"check out a folder", checkOut(folder), cmis.ErrConstraint},
		{"check out a non-versionable document", checkOut(plain), cmis.ErrConstraint},
		{"check out nothing", checkOut("nope"), cmis.ErrObjectNotFound},
		{"check in a non-PWC", checkIn(&generated.CheckIn{ObjectId: doc}), cmis.ErrVersioning},
		{"check in with policies", checkIn(&generated.CheckIn{ObjectId: pwc, Policies: []string{"p"}}), cmis.ErrNotSupported},
		{"check in a read-only property", checkIn(&generated.CheckIn{ObjectId: pwc, Properties: &generated.CmisPropertiesType{
			Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropCreatedBy}, Value: []string{"eve"}}}}}), cmis.ErrConstraint},
		{"check in an unknown permission", checkIn(&generated.CheckIn{ObjectId: pwc, AddACEs: aceList("bob", "cmis:fly")}), cmis.ErrConstraint},
		{"cancel a non-PWC", cancel(doc), cmis.ErrVersioning},
		{"cancel a folder", cancel(folder), cmis.ErrVersioning},
		{"versioningState none on a versionable type", func() error {
			_, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
				Properties: props("cmis:document", "x"), VersioningState: ptr(generated.EnumVersioningStateNone)})
			return err
		}(), cmis.ErrConstraint},
		{"versioningState checkedout on a non-versionable type", func() error {
			_, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
				Properties: props("t:plain", "y"), VersioningState: ptr(generated.EnumVersioningStateCheckedout)})
			return err
		}(), cmis.ErrConstraint},
	}
	for _, c := range cases {
		wantErr(t, c.name, c.err, c.want)
	}
	// Nothing of the refused calls changed the series.
	if got := f.versions(t, doc); len(got) != 2 || got[0] != pwc || got[1] != doc {
		t.Fatalf("versions after refused calls: %v", got)
	}
	// A document that is not versionable is its only version, latest and major.
	if got := f.versions(t, plain); len(got) != 1 || got[0] != plain {
		t.Fatalf("versions of a non-versionable document: %v", got)
	}
	aa := f.get(t, plain, "*").AllowableActions
	if deref(aa.CanCheckOut) || deref(aa.CanCheckIn) || !deref(aa.CanGetAllVersions) {
		t.Fatalf("non-versionable document's actions: %+v", aa)
	}
	if _, err := v.GetAllVersionsContext(f.ctx, &generated.GetAllVersions{RepositoryId: repo, ObjectId: folder}); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("getAllVersions of a folder: %v", err)
	}
}

// TestVersionSeriesStates walks a series through check-out, cancel,
// check-out and minor and major check-ins, checking the versioning
// properties and allowable actions of every version at every step.
func TestVersionSeriesStates(t *testing.T) {
	f := newFixture(t)
	folder := f.folder(t, f.root, "f")
	v1 := f.doc(t, folder, "d", "one")
	series, _ := value(f.get(t, v1, "*"), cmis.PropVersionSeriesID)

	type want struct {
		latest, major, latestMajor, pwc, checkedOut bool
		label                                       string
	}
	check := func(step, id string, w want, pwcID string) {
		t.Helper()
		o := f.get(t, id, "*")
		s := versionState(o)
		b := func(x bool) string {
			if x {
				return "true"
			}
			return "false"
		}
		exp := map[string]string{
			cmis.PropIsLatestVersion: b(w.latest), cmis.PropIsMajorVersion: b(w.major), cmis.PropIsLatestMajorVersion: b(w.latestMajor),
			cmis.PropIsPrivateWorkingCopy: b(w.pwc), cmis.PropVersionLabel: w.label, cmis.PropIsVersionSeriesCheckedOut: b(w.checkedOut),
			cmis.PropVersionSeriesCheckedOutID: pwcID, cmis.PropVersionSeriesCheckedOutBy: "",
		}
		if w.checkedOut {
			exp[cmis.PropVersionSeriesCheckedOutBy] = "admin"
		}
		for k, e := range exp {
			if s[k] != e {
				t.Fatalf("%s: %s %s = %q, want %q", step, id, k, s[k], e)
			}
		}
		if vs, _ := value(o, cmis.PropVersionSeriesID); vs != series {
			t.Fatalf("%s: %s is in series %s, not %s", step, id, vs, series)
		}
		// Allowable actions promise exactly what the operations allow.
		aa := o.AllowableActions
		canOut := w.latest && !w.checkedOut
		if deref(aa.CanCheckOut) != canOut || deref(aa.CanCheckIn) != w.pwc || deref(aa.CanCancelCheckOut) != w.pwc ||
			!deref(aa.CanGetAllVersions) || deref(aa.CanUpdateProperties) != (w.latest || w.pwc) ||
			deref(aa.CanSetContentStream) != (w.latest || w.pwc) {
			t.Fatalf("%s: actions of %s: out %v in %v cancel %v update %v", step, id, deref(aa.CanCheckOut), deref(aa.CanCheckIn),
				deref(aa.CanCancelCheckOut), deref(aa.CanUpdateProperties))
		}
	}
	check("created", v1, want{latest: true, major: true, latestMajor: true, label: "1.0"}, "")

	pwc := f.checkOut(t, f.ctx, v1)
	check("checked out: document", v1, want{latest: true, major: true, latestMajor: true, checkedOut: true, label: "1.0"}, pwc)
	check("checked out: PWC", pwc, want{pwc: true, checkedOut: true, label: "pwc"}, pwc)
	if _, err := f.ports.Versioning.CancelCheckOutContext(f.ctx, &generated.CancelCheckOut{RepositoryId: repo, ObjectId: pwc}); err != nil {
		t.Fatal(err)
	}
	check("cancelled", v1, want{latest: true, major: true, latestMajor: true, label: "1.0"}, "")
	if _, err := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: pwc}); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("cancelled PWC: %v", err)
	}

	v2 := f.checkIn(t, f.ctx, f.checkOut(t, f.ctx, v1), false, "two")
	check("minor: new", v2, want{latest: true, label: "1.1"}, "")
	check("minor: old", v1, want{major: true, latestMajor: true, label: "1.0"}, "")
	if c, _ := value(f.get(t, v2, "*"), cmis.PropCheckinComment); c != "comment two" {
		t.Fatalf("checkinComment %q", c)
	}

	pwc = f.checkOut(t, f.ctx, v2)
	check("second check-out: 1.0", v1, want{major: true, latestMajor: true, checkedOut: true, label: "1.0"}, pwc)
	check("second check-out: 1.1", v2, want{latest: true, checkedOut: true, label: "1.1"}, pwc)
	v3 := f.checkIn(t, f.ctx, pwc, true, "three")
	check("major: new", v3, want{latest: true, major: true, latestMajor: true, label: "2.0"}, "")
	check("major: 1.1", v2, want{label: "1.1"}, "")
	check("major: 1.0", v1, want{major: true, label: "1.0"}, "")

	// getAllVersions: the PWC first, then newest first, by any version or
	// by the series id.
	pwc = f.checkOut(t, f.ctx, v3)
	for _, id := range []string{v1, v3, pwc, series} {
		if got := f.versions(t, id); strings.Join(got, ",") != strings.Join([]string{pwc, v3, v2, v1}, ",") {
			t.Fatalf("getAllVersions(%s): %v", id, got)
		}
	}
	// The folder lists the latest version only; the PWC's parents are the
	// series' folder.
	kids, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder})
	if err != nil || len(kids.Objects.Objects) != 1 {
		t.Fatalf("children: %+v %v", kids, err)
	}
	if id, _ := value(kids.Objects.Objects[0].Object, cmis.PropObjectID); id != v3 {
		t.Fatalf("the folder lists %s, not the latest version %s", id, v3)
	}
	parents, err := f.ports.Navigation.GetObjectParentsContext(f.ctx, &generated.GetObjectParents{RepositoryId: repo, ObjectId: pwc})
	if err != nil || len(parents.Parents) != 1 {
		t.Fatalf("parents of the PWC: %+v %v", parents, err)
	}

	latest := []struct {
		name  string
		id    string
		major bool
		want  string
	}{
		{"latest by old version", v1, false, v3},
		{"latest by series", series, false, v3},
		{"latest by PWC", pwc, false, v3},
		{"latest major", v2, true, v3},
	}
	for _, c := range latest {
		r, err := f.ports.Versioning.GetObjectOfLatestVersionContext(f.ctx, &generated.GetObjectOfLatestVersion{RepositoryId: repo, ObjectId: c.id, Major: &c.major})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if id, _ := value(r.Object, cmis.PropObjectID); id != c.want {
			t.Fatalf("%s: %s, want %s", c.name, id, c.want)
		}
		p, err := f.ports.Versioning.GetPropertiesOfLatestVersionContext(f.ctx, &generated.GetPropertiesOfLatestVersion{RepositoryId: repo, ObjectId: c.id, Major: &c.major, Filter: ptr("cmis:objectId")})
		if err != nil {
			t.Fatalf("%s properties: %v", c.name, err)
		}
		if got := ids(&generated.CmisObjectType{Properties: p.Properties}); len(got) != 1 {
			t.Fatalf("%s: filter ignored: %v", c.name, got)
		}
	}
	minor, err := f.ports.Object.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
		Properties: props("cmis:document", "minor"), VersioningState: ptr(generated.EnumVersioningStateMinor)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ports.Versioning.GetObjectOfLatestVersionContext(f.ctx, &generated.GetObjectOfLatestVersion{RepositoryId: repo, ObjectId: minor.ObjectId, Major: ptr(true)})
	wantErr(t, "latest major of a series without one", err, cmis.ErrObjectNotFound)
	_, err = f.ports.Versioning.GetPropertiesOfLatestVersionContext(f.ctx, &generated.GetPropertiesOfLatestVersion{RepositoryId: repo, ObjectId: "nope"})
	wantErr(t, "latest of nothing", err, cmis.ErrObjectNotFound)
	minorPWC := f.checkOut(t, f.ctx, minor.ObjectId)
	if l, _ := value(f.get(t, f.checkIn(t, f.ctx, minorPWC, false, ""), "*"), cmis.PropVersionLabel); l != "0.2" {
		t.Fatalf("minor after 0.1: %q", l)
	}
}

func TestChangesToVersions(t *testing.T) {
	f := newFixture(t)
	_, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: &generated.CmisTypeDefinitionType{
		Id: "t:doc", LocalName: "doc", BaseId: "cmis:document", ParentId: ptr("cmis:document"), Creatable: true, Fileable: true,
		ControllableACL: true, Versionable: ptr(true), ContentStreamAllowed: ptr(generated.EnumContentStreamAllowed("allowed")),
		PropertyDefinitions: generated.PropertyDefinitionList{&generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: generated.CmisPropertyDefinitionType{
			Id: "t:draft", LocalName: "draft", PropertyType: "string", Cardinality: "single", Updatability: "whencheckedout"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	obj := f.ports.Object
	r, err := obj.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &f.root,
		Properties: props("t:doc", "d"), ContentStream: content("original")})
	if err != nil {
		t.Fatal(err)
	}
	v1 := r.ObjectId
	v2 := f.checkIn(t, f.ctx, f.checkOut(t, f.ctx, v1), true, "second")
	pwc := f.checkOut(t, f.ctx, v2)

	draft := &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "t:draft"}, Value: []string{"wip"}}}}
	rename := &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []string{"x"}}}}
	update := func(id string, p *generated.CmisPropertiesType) error {
		_, err := obj.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: id, Properties: p})
		return err
	}
	setContent := func(id, body string) error {
		_, err := obj.SetContentStreamContext(f.ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: id, ContentStream: content(body)})
		return err
	}
	appendContent := func(id, body string) error {
		_, err := obj.AppendContentStreamContext(f.ctx, &generated.AppendContentStream{RepositoryId: repo, ObjectId: id, ContentStream: content(body)})
		return err
	}
	deleteContent := func(id string) error {
		_, err := obj.DeleteContentStreamContext(f.ctx, &generated.DeleteContentStream{RepositoryId: repo, ObjectId: id})
		return err
	}
	cases := []struct {
		name string
		err  error
		want cmis.ErrorType
	}{
		{"rename an old version", update(v1, rename), cmis.ErrVersioning},
		{"set content of an old version", setContent(v1, "x"), cmis.ErrVersioning},
		{"append to an old version", appendContent(v1, "x"), cmis.ErrVersioning},
		{"delete content of an old version", deleteContent(v1), cmis.ErrVersioning},
		{"whencheckedout on the latest version", update(v2, draft), cmis.ErrConstraint},
		{"whencheckedout on the PWC", update(pwc, draft), ""},
		{"rename the PWC", update(pwc, rename), ""},
		{"replace the PWC's content", setContent(pwc, "work"), ""},
		{"append to the PWC's content", appendContent(pwc, " in progress"), ""},
	}
	for _, c := range cases {
		wantErr(t, c.name, c.err, c.want)
	}
	body := func(id string) string {
		t.Helper()
		r, err := obj.GetContentStreamContext(f.ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: id})
		if err != nil {
			t.Fatalf("content of %s: %v", id, err)
		}
		return read(t, r.ContentStream)
	}
	if body(v1) != "original" || body(v2) != "second" || body(pwc) != "work in progress" {
		t.Fatalf("contents: %q %q %q", body(v1), body(v2), body(pwc))
	}
	if n, _ := value(f.get(t, v2, "*"), cmis.PropName); n != "d" {
		t.Fatalf("renaming the PWC renamed the latest version: %q", n)
	}
	// The PWC's changes become the new version's; the old versions keep theirs.
	v3 := f.checkIn(t, f.ctx, pwc, true, "")
	o := f.get(t, v3, "*")
	if n, _ := value(o, cmis.PropName); n != "x" {
		t.Fatalf("new version's name %q", n)
	}
	if d, _ := value(o, "t:draft"); d != "wip" {
		t.Fatalf("new version's t:draft %q", d)
	}
	if body(v3) != "work in progress" || body(v2) != "second" {
		t.Fatal("check-in changed contents")
	}
	if _, err := obj.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/x"}); err != nil {
		t.Fatalf("the new version is not filed under its name: %v", err)
	}
	// Check-in with properties and content in the same call.
	pwc = f.checkOut(t, f.ctx, v3)
	ci, err := f.ports.Versioning.CheckInContext(f.ctx, &generated.CheckIn{RepositoryId: repo, ObjectId: pwc, Major: ptr(false),
		Properties: props("t:doc", "y"), ContentStream: content("final")})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := value(f.get(t, ci.ObjectId, "*"), cmis.PropName); n != "y" || body(ci.ObjectId) != "final" {
		t.Fatalf("check-in with properties and content: %q %q", n, body(ci.ObjectId))
	}
	if l, _ := value(f.get(t, ci.ObjectId, "*"), cmis.PropVersionLabel); l != "3.1" {
		t.Fatalf("label %q", l)
	}
}

func TestDeleteObjectVersions(t *testing.T) {
	f := newFixture(t)
	obj := f.ports.Object
	folder := f.folder(t, f.root, "f")
	del := func(id string, all *bool) error {
		_, err := obj.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: id, AllVersions: all})
		return err
	}
	gone := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			_, err := obj.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: id})
			wantErr(t, "deleted "+id, err, cmis.ErrObjectNotFound)
		}
	}
	child := func() string {
		t.Helper()
		r, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder})
		if err != nil || len(r.Objects.Objects) != 1 {
			t.Fatalf("children: %+v %v", r, err)
		}
		id, _ := value(r.Objects.Objects[0].Object, cmis.PropObjectID)
		return id
	}

	// allVersions=false on the latest version, repeatedly (TCK
	// VersionDeleteTest): the previous one becomes latest each time.
	v1 := f.doc(t, folder, "d", "1")
	v2 := f.checkIn(t, f.ctx, f.checkOut(t, f.ctx, v1), true, "2")
	v3 := f.checkIn(t, f.ctx, f.checkOut(t, f.ctx, v2), true, "3")
	steps := []struct{ del, latest string }{{v3, v2}, {v2, v1}}
	for _, s := range steps {
		if !deref(f.get(t, s.del, "*").AllowableActions.CanDeleteObject) {
			t.Fatalf("%s has no canDeleteObject", s.del)
		}
		if err := del(s.del, ptr(false)); err != nil {
			t.Fatal(err)
		}
		gone(s.del)
		if child() != s.latest {
			t.Fatalf("after deleting %s the folder lists %s, not %s", s.del, child(), s.latest)
		}
		if l, _ := value(f.get(t, s.latest, "*"), cmis.PropIsLatestVersion); l != "true" {
			t.Fatalf("%s is not latest", s.latest)
		}
		if got := f.versions(t, s.latest); len(got) != 1+len(steps)-1-indexOf(steps, s.del) {
			t.Fatalf("after deleting %s: versions %v", s.del, got)
		}
	}
	if err := del(v1, ptr(false)); err != nil {
		t.Fatal(err)
	}
	gone(v1)

	// Deleting a PWC is cancelCheckOut, whatever allVersions says.
	w1 := f.doc(t, folder, "w", "1")
	w2 := f.checkIn(t, f.ctx, f.checkOut(t, f.ctx, w1), true, "2")
	pwc := f.checkOut(t, f.ctx, w2)
	if err := del(pwc, nil); err != nil {
		t.Fatal(err)
	}
	gone(pwc)
	if s := versionState(f.get(t, w2, "*")); s[cmis.PropIsVersionSeriesCheckedOut] != "false" || len(f.versions(t, w1)) != 2 {
		t.Fatalf("after deleting the PWC: %v", s)
	}
	// allVersions (the default) takes the series, the PWC included, from
	// any version.
	pwc = f.checkOut(t, f.ctx, w2)
	if err := del(w1, nil); err != nil {
		t.Fatal(err)
	}
	gone(w1, w2, pwc)
	// Deleting an older version leaves the latest and its filing alone.
	x1 := f.doc(t, folder, "x", "1")
	x2 := f.checkIn(t, f.ctx, f.checkOut(t, f.ctx, x1), false, "2")
	if err := del(x1, ptr(false)); err != nil {
		t.Fatal(err)
	}
	if child() != x2 || len(f.versions(t, x2)) != 1 {
		t.Fatal("deleting an old version disturbed the latest")
	}
}

func indexOf(steps []struct{ del, latest string }, id string) int {
	for i, s := range steps {
		if s.del == id {
			return i
		}
	}
	return -1
}

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
