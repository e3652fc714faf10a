package services

import (
	"context"
	"reflect"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

func policyText(s string) func(*generated.CmisPropertiesType) {
	return func(p *generated.CmisPropertiesType) {
		p.Properties = append(p.Properties, &generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropPolicyText}, Value: []string{s}})
	}
}

func (f *fixture) policy(t *testing.T, folder *string, name string) string {
	t.Helper()
	r, err := f.ports.Object.CreatePolicyContext(f.ctx, &generated.CreatePolicy{RepositoryId: repo, FolderId: folder, Properties: props("cmis:policy", name, policyText("text of "+name))})
	if err != nil {
		t.Fatalf("createPolicy %s: %v", name, err)
	}
	return r.ObjectId
}

// policyIDs returns what getObject says with includePolicyIds.
func (f *fixture) policyIDs(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	r, err := f.ports.Object.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: id, IncludePolicyIds: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Object.PolicyIds == nil {
		t.Fatal("includePolicyIds gave no policyIds element")
	}
	return r.Object.PolicyIds.Id
}

// applied returns what getAppliedPolicies says, as ids.
func (f *fixture) applied(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	r, err := f.ports.Policy.GetAppliedPoliciesContext(ctx, &generated.GetAppliedPolicies{RepositoryId: repo, ObjectId: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range r.Objects {
		v, _ := value(o, cmis.PropObjectID)
		out = append(out, v)
	}
	return out
}

func TestCreatePolicy(t *testing.T) {
	f := newFixture(t)
	a := f.folder(t, f.root, "a")
	filed := f.policy(t, &a, "filed")
	loose := f.policy(t, nil, "loose")
	o := f.get(t, filed, "*")
	if txt, _ := value(o, cmis.PropPolicyText); txt != "text of filed" {
		t.Fatalf("cmis:policyText %q", txt)
	}
	if got := f.parents(t, filed); got != a+"/filed" {
		t.Fatalf("filed policy's parents: %s", got)
	}
	if got := f.parents(t, loose); got != "" {
		t.Fatalf("unfiled policy's parents: %s", got)
	}
	cases := []struct {
		name string
		ctx  context.Context
		req  *generated.CreatePolicy
		want cmis.ErrorType
	}{
		{"no policy text", f.ctx, &generated.CreatePolicy{Properties: props("cmis:policy", "plain")}, ""},
		{"document type", f.ctx, &generated.CreatePolicy{Properties: props("cmis:document", "x")}, cmis.ErrInvalidArgument},
		{"name taken", f.ctx, &generated.CreatePolicy{FolderId: &a, Properties: props("cmis:policy", "filed")}, cmis.ErrNameConstraintViolation},
		{"policies on a policy", f.ctx, &generated.CreatePolicy{Properties: props("cmis:policy", "y"), Policies: []string{loose}}, cmis.ErrConstraint},
		{"bob in a folder he may only read", userCtx("bob"), &generated.CreatePolicy{FolderId: &a, Properties: props("cmis:policy", "z")}, cmis.ErrPermissionDenied},
	}
	for _, c := range cases {
		c.req.RepositoryId = repo
		_, err := f.ports.Object.CreatePolicyContext(c.ctx, c.req)
		wantErr(t, c.name, err, c.want)
	}
	pa := f.get(t, filed, "cmis:name").AllowableActions
	if deref(pa.CanApplyPolicy) || deref(pa.CanRemovePolicy) || deref(pa.CanGetAppliedPolicies) || !deref(pa.CanAddObjectToFolder) || !deref(pa.CanRemoveObjectFromFolder) {
		t.Fatalf("a policy's allowable actions: %+v", pa)
	}
}

func TestApplyAndRemovePolicy(t *testing.T) {
	f := newFixture(t)
	f.relType(t, "t:plain", "cmis:relationship", nil, nil, false)
	a := f.folder(t, f.root, "a")
	d := f.doc(t, a, "d", "")
	p := f.policy(t, &a, "p") // bob may read it (inherited)
	hiddenP := f.policy(t, nil, "hidden")
	plain := f.rel(t, "t:plain", "plain", d, a)
	ps := f.ports.Policy
	bob := userCtx("bob")

	before := f.get(t, d, "*")
	if da := before.AllowableActions; !deref(da.CanApplyPolicy) || deref(da.CanRemovePolicy) || !deref(da.CanGetAppliedPolicies) {
		t.Fatalf("actions without a policy: %+v", da)
	}
	if _, err := ps.ApplyPolicyContext(f.ctx, &generated.ApplyPolicy{RepositoryId: repo, PolicyId: p, ObjectId: d}); err != nil {
		t.Fatal(err)
	}
	if tok, _ := value(f.get(t, d, "*"), cmis.PropChangeToken); tok == mustValue(t, before, cmis.PropChangeToken) {
		t.Fatal("applying a policy left the change token")
	}
	if got := f.policyIDs(t, f.ctx, d); !reflect.DeepEqual(got, []string{p}) {
		t.Fatalf("policyIds %v", got)
	}
	if got := f.applied(t, f.ctx, d); !reflect.DeepEqual(got, []string{p}) {
		t.Fatalf("applied policies %v", got)
	}
	if da := f.get(t, d, "cmis:name").AllowableActions; !deref(da.CanRemovePolicy) {
		t.Fatalf("actions with a policy: %+v", da)
	}
	// Without includePolicyIds there is no element.
	if r, _ := f.ports.Object.GetObjectContext(f.ctx, &generated.GetObject{RepositoryId: repo, ObjectId: d}); r.Object.PolicyIds != nil {
		t.Fatal("policyIds without includePolicyIds")
	}
	if r, _ := f.ports.Object.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/a/d", IncludePolicyIds: ptr(true)}); r.Object.PolicyIds == nil || len(r.Object.PolicyIds.Id) != 1 {
		t.Fatal("getObjectByPath without policyIds")
	}

	applies := []struct {
		name string
		ctx  context.Context
		req  generated.ApplyPolicy
		want cmis.ErrorType
	}{
		{"again", f.ctx, generated.ApplyPolicy{PolicyId: p, ObjectId: d}, ""},
		{"a document as policy", f.ctx, generated.ApplyPolicy{PolicyId: d, ObjectId: a}, cmis.ErrInvalidArgument},
		{"to a policy", f.ctx, generated.ApplyPolicy{PolicyId: p, ObjectId: hiddenP}, cmis.ErrConstraint},
		{"to a non-controllable relationship", f.ctx, generated.ApplyPolicy{PolicyId: p, ObjectId: plain}, cmis.ErrConstraint},
		{"unknown policy", f.ctx, generated.ApplyPolicy{PolicyId: "nope", ObjectId: d}, cmis.ErrObjectNotFound},
		{"no policy", f.ctx, generated.ApplyPolicy{ObjectId: d}, cmis.ErrInvalidArgument},
		{"unknown object", f.ctx, generated.ApplyPolicy{PolicyId: p, ObjectId: "nope"}, cmis.ErrObjectNotFound},
		{"bob may only read the object", bob, generated.ApplyPolicy{PolicyId: p, ObjectId: a}, cmis.ErrPermissionDenied},
	}
	for _, c := range applies {
		c.req.RepositoryId = repo
		_, err := ps.ApplyPolicyContext(c.ctx, &c.req)
		wantErr(t, "apply: "+c.name, err, c.want)
	}
	// bob, with write on the folder, may apply a policy he can read, not
	// one he cannot.
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: a, AddACEs: aceList("bob", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	_, err := ps.ApplyPolicyContext(bob, &generated.ApplyPolicy{RepositoryId: repo, PolicyId: hiddenP, ObjectId: a})
	wantErr(t, "bob applies a policy he may not read", err, cmis.ErrPermissionDenied)
	_, err = ps.ApplyPolicyContext(bob, &generated.ApplyPolicy{RepositoryId: repo, PolicyId: p, ObjectId: a})
	wantErr(t, "bob applies a policy he may read", err, "")
	// bob does not see a policy he may not read, in either listing.
	if _, err := ps.ApplyPolicyContext(f.ctx, &generated.ApplyPolicy{RepositoryId: repo, PolicyId: hiddenP, ObjectId: a}); err != nil {
		t.Fatal(err)
	}
	if got, all := f.applied(t, bob, a), f.applied(t, f.ctx, a); !reflect.DeepEqual(got, []string{p}) || len(all) != 2 {
		t.Fatalf("bob's applied policies %v, admin's %v", got, all)
	}
	if got := f.policyIDs(t, bob, a); !reflect.DeepEqual(got, []string{p}) {
		t.Fatalf("bob's policyIds %v", got)
	}
	// Every object answers getAppliedPolicies: a policy, a folder and a
	// document without policies have an empty list, not a fault.
	for _, id := range []string{p, f.root, f.doc(t, f.root, "plain.txt", "x")} {
		if got := f.applied(t, f.ctx, id); len(got) != 0 {
			t.Fatalf("applied policies of %s: %v", id, got)
		}
	}

	// Deleting an applied policy is refused until it is removed.
	_, err = f.ports.Object.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: p})
	wantErr(t, "delete an applied policy", err, cmis.ErrConstraint)
	removes := []struct {
		name string
		ctx  context.Context
		req  generated.RemovePolicy
		want cmis.ErrorType
	}{
		{"bob may only read d", bob, generated.RemovePolicy{PolicyId: p, ObjectId: d}, cmis.ErrPermissionDenied},
		{"from d", f.ctx, generated.RemovePolicy{PolicyId: p, ObjectId: d}, ""},
		{"from d again", f.ctx, generated.RemovePolicy{PolicyId: p, ObjectId: d}, cmis.ErrInvalidArgument},
		{"a document as policy", f.ctx, generated.RemovePolicy{PolicyId: d, ObjectId: a}, cmis.ErrInvalidArgument},
		{"from a policy", f.ctx, generated.RemovePolicy{PolicyId: p, ObjectId: hiddenP}, cmis.ErrConstraint},
		{"bob from a", bob, generated.RemovePolicy{PolicyId: p, ObjectId: a}, ""},
		{"from a", f.ctx, generated.RemovePolicy{PolicyId: hiddenP, ObjectId: a}, ""},
	}
	for _, c := range removes {
		c.req.RepositoryId = repo
		_, err := ps.RemovePolicyContext(c.ctx, &c.req)
		wantErr(t, "remove: "+c.name, err, c.want)
	}
	if got := f.policyIDs(t, f.ctx, d); len(got) != 0 {
		t.Fatalf("policyIds after removal %v", got)
	}
	if _, err := f.ports.Object.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: p}); err != nil {
		t.Fatalf("delete a policy no longer applied: %v", err)
	}
	// Actions for a reader: listing only.
	ba, _ := f.ports.Object.GetAllowableActionsContext(bob, &generated.GetAllowableActions{RepositoryId: repo, ObjectId: d})
	if a := ba.AllowableActions; deref(a.CanApplyPolicy) || deref(a.CanRemovePolicy) || !deref(a.CanGetAppliedPolicies) {
		t.Fatalf("bob's policy actions: %+v", a)
	}
}

func mustValue(t *testing.T, o *generated.CmisObjectType, id string) string {
	t.Helper()
	v, ok := value(o, id)
	if !ok {
		t.Fatalf("%s not set", id)
	}
	return v
}

func TestPoliciesOnCreate(t *testing.T) {
	f := newFixture(t)
	a := f.folder(t, f.root, "a")
	p := f.policy(t, nil, "p")
	obj := f.ports.Object
	doc, err := obj.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "d"), Policies: []string{p, p}})
	if err != nil {
		t.Fatal(err)
	}
	folder, err := obj.CreateFolderContext(f.ctx, &generated.CreateFolder{RepositoryId: repo, FolderId: a, Properties: props("cmis:folder", "f"), Policies: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := obj.CreateRelationshipContext(f.ctx, &generated.CreateRelationship{RepositoryId: repo, Properties: props("cmis:relationship", "r", ends(doc.ObjectId, a)), Policies: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := obj.CreateDocumentFromSourceContext(f.ctx, &generated.CreateDocumentFromSource{RepositoryId: repo, SourceId: doc.ObjectId, FolderId: &a,
		Properties: props("cmis:document", "copy"), Policies: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{doc.ObjectId, folder.ObjectId, rel.ObjectId, cp.ObjectId} {
		if got := f.applied(t, f.ctx, id); !reflect.DeepEqual(got, []string{p}) {
			t.Fatalf("%s: applied %v", id, got)
		}
	}
	cases := []struct {
		name     string
		policies []string
		want     cmis.ErrorType
	}{
		{"not a policy", []string{a}, cmis.ErrInvalidArgument},
		{"unknown", []string{"nope"}, cmis.ErrObjectNotFound},
	}
	for _, c := range cases {
		_, err := obj.CreateDocumentContext(f.ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "never"), Policies: c.policies})
		wantErr(t, c.name, err, c.want)
	}
	if _, err := obj.GetObjectByPathContext(f.ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: "/a/never"}); cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
		t.Fatalf("a refused create left an object: %v", err)
	}
	// bob may create in a folder he may write, but not with a policy he
	// may not read.
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: a, AddACEs: aceList("bob", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	_, err = obj.CreateDocumentContext(userCtx("bob"), &generated.CreateDocument{RepositoryId: repo, FolderId: &a, Properties: props("cmis:document", "bobs"), Policies: []string{p}})
	wantErr(t, "bob creates with a policy he may not read", err, cmis.ErrPermissionDenied)
	// Deleting the tree frees the policy: its applications went with the
	// objects.
	if _, err := obj.DeleteTreeContext(f.ctx, &generated.DeleteTree{RepositoryId: repo, FolderId: a}); err != nil {
		t.Fatal(err)
	}
	if _, err := obj.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: p}); err != nil {
		t.Fatalf("delete the freed policy: %v", err)
	}
}
