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
