package services

import (
	"context"
	"io"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

func aceList(principal string, perms ...string) *generated.CmisAccessControlListType {
	return &generated.CmisAccessControlListType{Permission: []*generated.CmisAccessControlEntryType{
		{Principal: &generated.CmisAccessControlPrincipalType{PrincipalId: principal}, Permission: perms}}}
}

// TestACLsBiteEverywhere: alice and bob are users, alice is in staff. A
// document that no longer grants anyone read is invisible to both on every
// read path, until staff is granted cmis:read; write and all likewise.
func TestACLsBiteEverywhere(t *testing.T) {
	f := newFixture(t)
	alice := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "alice", Groups: []string{"staff"}})
	bob := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "bob"})
	folder := f.folder(t, f.root, "shared")
	doc := f.doc(t, folder, "secret.txt", "top secret")
	acl := f.ports.ACL
	apply := func(ctx context.Context, id string, add, remove *generated.CmisAccessControlListType) error {
		_, err := acl.ApplyACLContext(ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: id, AddACEs: add, RemoveACEs: remove})
		return err
	}
	// Inherited from the root: anyone may read. Take that away on the doc.
	if err := apply(f.ctx, doc, nil, aceList(cmis.PrincipalAnyone, cmis.PermRead)); err != nil {
		t.Fatal(err)
	}

	docPath := "/shared/secret.txt"
	reads := map[string]func(ctx context.Context) error{
		"getObject": func(ctx context.Context) error {
			_, err := f.ports.Object.GetObjectContext(ctx, &generated.GetObject{RepositoryId: repo, ObjectId: doc})
			return err
		},
		"getObjectByPath": func(ctx context.Context) error {
			_, err := f.ports.Object.GetObjectByPathContext(ctx, &generated.GetObjectByPath{RepositoryId: repo, Path: docPath})
			return err
		},
		"getContentStream": func(ctx context.Context) error {
			r, err := f.ports.Object.GetContentStreamContext(ctx, &generated.GetContentStream{RepositoryId: repo, ObjectId: doc})
			if err == nil {
				read(t, r.ContentStream)
			}
			return err
		},
		"getChildren": func(ctx context.Context) error {
			r, err := f.ports.Navigation.GetChildrenContext(ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder})
			if err != nil {
				return err
			}
			if *r.Objects.NumItems != int64(len(r.Objects.Objects)) {
				t.Fatalf("numItems %d counts objects the user cannot see (%d listed)", *r.Objects.NumItems, len(r.Objects.Objects))
			}
			if len(r.Objects.Objects) == 0 {
				return cmis.Errorf(cmis.ErrPermissionDenied, "not listed")
			}
			return nil
		},
		"getDescendants": func(ctx context.Context) error {
			r, err := f.ports.Navigation.GetDescendantsContext(ctx, &generated.GetDescendants{RepositoryId: repo, FolderId: folder})
			if err != nil {
				return err
			}
			if len(r.Objects) == 0 {
				return cmis.Errorf(cmis.ErrPermissionDenied, "not listed")
			}
			return nil
		},
		"query": func(ctx context.Context) error {
			r, err := f.ports.Discovery.QueryContext(ctx, &generated.Query{RepositoryId: repo,
				Statement: "SELECT cmis:objectId FROM cmis:document WHERE IN_FOLDER('" + folder + "')"})
			if err != nil {
				return err
			}
			if *r.Objects.NumItems != int64(len(r.Objects.Objects)) {
				t.Fatalf("query numItems %d counts objects the user cannot see", *r.Objects.NumItems)
			}
			if len(r.Objects.Objects) == 0 {
				return cmis.Errorf(cmis.ErrPermissionDenied, "not found by query")
			}
			return nil
		},
		"getACL": func(ctx context.Context) error {
			_, err := acl.GetACLContext(ctx, &generated.GetACL{RepositoryId: repo, ObjectId: doc})
			return err
		},
	}
	check := func(who string, ctx context.Context, want cmis.ErrorType) {
		t.Helper()
		for name, op := range reads {
			wantErr(t, who+" "+name, op(ctx), want)
		}
	}
	check("alice before", alice, cmis.ErrPermissionDenied)
	check("bob before", bob, cmis.ErrPermissionDenied)
	check("admin", f.ctx, "")

	if err := apply(f.ctx, doc, aceList("staff", cmis.PermRead), nil); err != nil {
		t.Fatal(err)
	}
	check("alice through staff", alice, "")
	check("bob outside staff", bob, cmis.ErrPermissionDenied)

	rename := func(ctx context.Context, name string) error {
		_, err := f.ports.Object.UpdatePropertiesContext(ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: doc,
			Properties: &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropName}, Value: []string{name}}}}})
		return err
	}
	setContent := func(ctx context.Context) error {
		_, err := f.ports.Object.SetContentStreamContext(ctx, &generated.SetContentStream{RepositoryId: repo, ObjectId: doc, ContentStream: content("x")})
		return err
	}
	wantErr(t, "alice renames with read", rename(alice, "mine.txt"), cmis.ErrPermissionDenied)
	wantErr(t, "alice sets content with read", setContent(alice), cmis.ErrPermissionDenied)
	wantErr(t, "alice applies an ACL with read", apply(alice, doc, aceList("alice", cmis.PermAll), nil), cmis.ErrPermissionDenied)
	_, err := f.ports.Object.CreateDocumentContext(alice, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder, Properties: props("cmis:document", "new")})
	wantErr(t, "alice creates in a folder she can only read", err, cmis.ErrPermissionDenied)
	o, err := f.ports.Object.GetObjectContext(alice, &generated.GetObject{RepositoryId: repo, ObjectId: doc, IncludeAllowableActions: ptr(true)})
	if err != nil || deref(o.Object.AllowableActions.CanUpdateProperties) || !deref(o.Object.AllowableActions.CanGetContentStream) {
		t.Fatalf("allowable actions with read: %+v %v", o, err)
	}

	if err := apply(f.ctx, doc, aceList("staff", cmis.PermWrite), nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "alice renames with write", rename(alice, "mine.txt"), "")
	docPath = "/shared/mine.txt"
	wantErr(t, "alice sets content with write", setContent(alice), "")
	wantErr(t, "alice still may not apply an ACL", apply(alice, doc, aceList("alice", cmis.PermAll), nil), cmis.ErrPermissionDenied)
	wantErr(t, "bob still may not rename", rename(bob, "his.txt"), cmis.ErrPermissionDenied)

	if err := apply(f.ctx, doc, aceList("alice", cmis.PermAll), nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "alice applies an ACL with all", apply(alice, doc, aceList("bob", cmis.PermRead), nil), "")
	check("bob after alice granted him read", bob, "")
	wantErr(t, "bob deletes with read", func() error {
		_, err := f.ports.Object.DeleteObjectContext(bob, &generated.DeleteObject{RepositoryId: repo, ObjectId: doc})
		return err
	}(), cmis.ErrPermissionDenied)
	_, err = f.ports.Object.DeleteTreeContext(alice, &generated.DeleteTree{RepositoryId: repo, FolderId: folder})
	wantErr(t, "alice deletes a tree whose folder she may only read", err, cmis.ErrPermissionDenied)

	got, err := acl.GetACLContext(f.ctx, &generated.GetACL{RepositoryId: repo, ObjectId: doc})
	if err != nil {
		t.Fatal(err)
	}
	direct := map[string]bool{}
	for _, e := range got.ACL.ACL.Permission {
		direct[e.Principal.PrincipalId+" "+e.Permission[0]] = e.Direct
	}
	if !direct["staff cmis:write"] || !direct["admin cmis:all"] || direct["anyone cmis:read"] {
		t.Fatalf("ACL after the changes: %v", direct)
	}
}

func TestACLPropagationAndFaults(t *testing.T) {
	f := newFixture(t)
	a := f.folder(t, f.root, "a")
	b := f.folder(t, a, "b")
	d := f.doc(t, b, "d", "x")
	acl := f.ports.ACL
	_, err := acl.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: a, AddACEs: aceList("carol", cmis.PermWrite),
		ACLPropagation: ptr(generated.EnumACLPropagationPropagate)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{b, d} {
		r, _ := acl.GetACLContext(f.ctx, &generated.GetACL{RepositoryId: repo, ObjectId: id})
		found := false
		for _, e := range r.ACL.ACL.Permission {
			if e.Principal.PrincipalId == "carol" {
				found = true
				if e.Direct {
					t.Fatalf("a propagated ACE is not direct on %s", id)
				}
			}
		}
		if !found {
			t.Fatalf("propagate did not reach %s", id)
		}
	}
	_, err = acl.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: d, AddACEs: aceList("carol", "cmis:fly")})
	wantErr(t, "unknown permission", err, cmis.ErrConstraint)
	_, err = acl.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: d, AddACEs: &generated.CmisAccessControlListType{
		Permission: []*generated.CmisAccessControlEntryType{{Permission: []string{cmis.PermRead}}}}})
	wantErr(t, "no principal", err, cmis.ErrInvalidArgument)
	_, err = acl.GetACLContext(f.ctx, &generated.GetACL{RepositoryId: repo, ObjectId: "nope"})
	wantErr(t, "unknown object", err, cmis.ErrObjectNotFound)
	// A new document starts with its creator's cmis:all and its folder's ACEs.
	carol := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "carol"})
	r, err := f.ports.Object.CreateDocumentContext(carol, &generated.CreateDocument{RepositoryId: repo, FolderId: &b, Properties: props("cmis:document", "carols")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := acl.GetACLContext(f.ctx, &generated.GetACL{RepositoryId: repo, ObjectId: r.ObjectId})
	var mine, inherited bool
	for _, e := range got.ACL.ACL.Permission {
		mine = mine || (e.Principal.PrincipalId == "carol" && e.Permission[0] == cmis.PermAll && e.Direct)
		inherited = inherited || (e.Principal.PrincipalId == cmis.PrincipalAnyone && !e.Direct)
	}
	if !mine || !inherited {
		t.Fatalf("initial ACL: %+v", got.ACL.ACL.Permission)
	}
}

// blockingReader is an upload that stops after its first read until
// released: a write in flight.
type blockingReader struct {
	started, release chan struct{}
	data             []byte
	once             bool
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if !r.once {
		r.once = true
		close(r.started)
		<-r.release
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// A permission revoked while a write is in flight: bob starts uploading a
// document into a folder he may write in; the administrator takes that
// right away before the upload ends. The write is refused, nothing of it
// stays (no document, no content stream), because its permission check
// runs again inside its write transaction, after the upload.
func TestPermissionRevokedDuringWrite(t *testing.T) {
	f := newFixture(t)
	bob := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "bob"})
	folder := f.folder(t, f.root, "drop")
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: folder,
		AddACEs: aceList("bob", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	upload := &blockingReader{started: make(chan struct{}), release: make(chan struct{}), data: []byte("bob's content")}
	done := make(chan error, 1)
	go func() {
		_, err := f.ports.Object.CreateDocumentContext(bob, &generated.CreateDocument{RepositoryId: repo, FolderId: &folder,
			Properties: props("cmis:document", "late.txt"),
			ContentStream: &generated.CmisContentStreamType{MimeType: ptr("text/plain"),
				Stream: &xsd.Stream{Href: "x", Reader: upload}}})
		done <- err
	}()
	<-upload.started // bob passed the first check and is uploading
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: folder,
		RemoveACEs: aceList("bob", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	close(upload.release)
	if err := <-done; cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied {
		t.Fatalf("bob's write after the revocation: %v, want permissionDenied", err)
	}
	r, err := f.ports.Navigation.GetChildrenContext(f.ctx, &generated.GetChildren{RepositoryId: repo, FolderId: folder})
	if err != nil || len(r.Objects.Objects) != 0 {
		t.Fatalf("the folder holds %d objects (%v)", len(r.Objects.Objects), err)
	}
	if n, err := f.store.SweepContent(context.Background(), 0); err != nil || n != 0 {
		t.Fatalf("the refused upload left %d content streams (%v)", n, err)
	}
}
