package services

// The rules of createX and updateProperties: what may be set when, and
// one change token raced by two clients.

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

func TestUpdateRules(t *testing.T) {
	f := newFixture(t)
	a := f.folder(t, f.root, "a")
	d := f.doc(t, a, "d", "x")
	f.doc(t, a, "taken", "")
	obj := f.ports.Object
	rename := func(name string, token *string) error {
		_, err := obj.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: d, ChangeToken: token,
			Properties: &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []string{name}}}}})
		return err
	}
	r, err := obj.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: d, ChangeToken: ptr("1"),
		Properties: &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []string{"renamed"}}}}})
	if err != nil || *r.ChangeToken != "2" {
		t.Fatalf("rename: %v %v", r, err)
	}
	cases := []struct {
		name string
		err  error
		want cmis.ErrorType
	}{
		{"stale token", rename("again", ptr("1")), cmis.ErrUpdateConflict},
		{"foreign token", rename("again", ptr("abc")), cmis.ErrUpdateConflict},
		{"slash in name", rename("a/b", nil), cmis.ErrNameConstraintViolation},
		{"empty name", rename(" ", nil), cmis.ErrInvalidArgument},
		{"sibling's name", rename("taken", nil), cmis.ErrNameConstraintViolation},
	}
	for _, c := range cases {
		wantErr(t, c.name, c.err, c.want)
	}
	bad := []struct {
		name string
		p    *generated.CmisPropertiesType
		want cmis.ErrorType
	}{
		{"readonly", &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropCreatedBy}, Value: []string{"eve"}}}}, cmis.ErrConstraint},
		{"oncreate changed", &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropObjectTypeID}, Value: []string{"cmis:folder"}}}}, cmis.ErrConstraint},
		{"oncreate echoed", &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropObjectTypeID}, Value: []string{"cmis:document"}}}}, ""},
		{"unknown", &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "x:nope"}, Value: []string{"v"}}}}, cmis.ErrInvalidArgument},
		{"wrong kind", &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyInteger{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []int64{1}}}}, cmis.ErrInvalidArgument},
		{"two values", &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []string{"a", "b"}}}}, cmis.ErrInvalidArgument},
	}
	for _, c := range bad {
		_, err := obj.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: d, Properties: c.p})
		wantErr(t, c.name, err, c.want)
	}
	if n, _ := value(f.get(t, d, "*"), cmis.PropName); n != "renamed" {
		t.Fatalf("a refused update changed the name: %s", n)
	}
	_, err = obj.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: f.root, Properties: props("cmis:folder", "x")})
	wantErr(t, "rename root", err, cmis.ErrConstraint)
}

func TestCreateRules(t *testing.T) {
	f := newFixture(t)
	obj := f.ports.Object
	a := f.folder(t, f.root, "a")
	d := f.doc(t, a, "d", "x")
	cases := []struct {
		name string
		req  *generated.CreateDocument
		want cmis.ErrorType
	}{
		{"folder type", &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:folder", "x")}, cmis.ErrInvalidArgument},
		{"unknown type", &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("x:nope", "x")}, cmis.ErrInvalidArgument},
		{"no name", &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: &generated.CmisPropertiesType{Properties: generated.PropertyList{generated.OfType[*generated.CmisPropertyId](props("cmis:document", "").Properties)[0]}}}, cmis.ErrConstraint},
		{"no folder: unfiled", &generated.CreateDocument{RepositoryId: repo, Properties: props("cmis:document", "x")}, ""},
		{"folder is a document", &generated.CreateDocument{RepositoryId: repo, FolderId: &d, Properties: props("cmis:document", "x")}, cmis.ErrInvalidArgument},
		{"duplicate", &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "d")}, cmis.ErrNameConstraintViolation},
		{"versioning none", &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "v"),
			VersioningState: ptr(generated.EnumVersioningStateNone)}, cmis.ErrConstraint},
		{"policies", &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "p"), Policies: []string{"x"}}, cmis.ErrObjectNotFound},
		{"unknown repository", &generated.CreateDocument{RepositoryId: "nope", FolderId: &a, Properties: props("cmis:document", "r")}, cmis.ErrObjectNotFound},
	}
	for _, c := range cases {
		_, err := obj.CreateDocumentContext(f.ctx, c.req)
		wantErr(t, c.name, err, c.want)
	}
	minor, err := obj.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "m"),
		VersioningState: ptr(generated.EnumVersioningStateMinor)})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := value(f.get(t, minor.ObjectId, "*"), cmis.PropVersionLabel); l != "0.1" {
		t.Fatalf("minor version label %q", l)
	}
	// Any Unicode and inner spaces are fine in names.
	for _, n := range []string{"العربية", "中文 名", " lead and trail ", "emoji 😀"} {
		id := f.doc(t, a, n, "")
		if got, _ := value(f.get(t, id, "*"), cmis.PropName); got != n {
			t.Fatalf("name %q came back as %q", n, got)
		}
	}
}

// updateProperties from two clients holding one change token, sent at
// the same moment: one is applied, the other is updateConflict, and the
// name is the one that was applied.
func TestUpdatePropertiesRace(t *testing.T) {
	f := newFixture(t)
	d := f.doc(t, f.root, "d", "")
	for round := range 50 {
		token, _ := value(f.get(t, d, cmis.PropChangeToken), cmis.PropChangeToken)
		names := [2]string{fmt.Sprintf("r%d-a", round), fmt.Sprintf("r%d-b", round)}
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[w] = f.ports.Object.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: d,
					ChangeToken: &token, Properties: props("cmis:document", name)})
			}()
		}
		close(start)
		wg.Wait()
		won := slices.IndexFunc(errs[:], func(err error) bool { return err == nil })
		lost := 1 - won
		if won < 0 || cmis.ErrorTypeOf(errs[lost]) != cmis.ErrUpdateConflict {
			t.Fatalf("round %d: %v, want one success and one updateConflict", round, errs)
		}
		if got, _ := value(f.get(t, d, cmis.PropName), cmis.PropName); got != names[won] {
			t.Fatalf("round %d: name %q, want the winner's %q", round, got, names[won])
		}
	}
}
