package services

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

type event struct{ id, typ string }

func changes(t *testing.T, f *fixture, ctx context.Context, token *string, max *int64, props bool) ([]event, string, bool, []*generated.CmisObjectType) {
	t.Helper()
	r, err := f.ports.Discovery.GetContentChangesContext(ctx, &generated.GetContentChanges{RepositoryId: repo, ChangeLogToken: token,
		MaxItems: max, IncludeProperties: &props})
	if err != nil {
		t.Fatal(err)
	}
	var out []event
	for _, o := range r.Objects.Objects {
		id, _ := value(o, cmis.PropObjectID)
		out = append(out, event{id, string(o.ChangeEventInfo.ChangeType)})
		if o.ChangeEventInfo.ChangeTime.IsZero() {
			t.Fatal("a change event without a time")
		}
	}
	return out, r.ChangeLogToken, r.Objects.HasMoreItems, r.Objects.Objects
}

func TestChangeLog(t *testing.T) {
	f := newFixture(t)
	info := func() *generated.CmisRepositoryInfoType {
		r, err := f.ports.Repository.GetRepositoryInfoContext(f.ctx, &generated.GetRepositoryInfo{RepositoryId: repo})
		if err != nil {
			t.Fatal(err)
		}
		return r.RepositoryInfo
	}
	start := *info().LatestChangeLogToken
	folder := f.folder(t, f.root, "f")
	doc := f.doc(t, folder, "d", "x")
	if _, err := f.ports.Object.UpdatePropertiesContext(f.ctx, &generated.UpdateProperties{RepositoryId: repo, ObjectId: doc, Properties: props("cmis:document", "e")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: doc, AddACEs: aceList("bob", cmis.PermWrite)}); err != nil {
		t.Fatal(err)
	}
	gone := f.doc(t, folder, "gone", "")
	if _, err := f.ports.Object.DeleteObjectContext(f.ctx, &generated.DeleteObject{RepositoryId: repo, ObjectId: gone}); err != nil {
		t.Fatal(err)
	}
	// From the token repository info gave before the changes (inclusive:
	// the root's creation event comes first).
	all, next, more, objs := changes(t, f, f.ctx, &start, nil, true)
	want := []event{{f.root, "created"}, {folder, "created"}, {doc, "created"}, {doc, "updated"}, {doc, "security"}, {gone, "created"}, {gone, "deleted"}}
	if len(all) != len(want) || more {
		t.Fatalf("events %v (more %v), want %v", all, more, want)
	}
	for i := range want {
		if all[i] != want[i] {
			t.Fatalf("event %d: %v, want %v", i, all[i], want[i])
		}
	}
	if n, _ := value(objs[3], cmis.PropName); n != "e" {
		t.Fatalf("includeProperties: current name %q", n)
	}
	if latest := *info().LatestChangeLogToken; latest == start {
		t.Fatal("latestChangeLogToken did not move")
	} else if n, _ := strconv.Atoi(next); strconv.Itoa(n-1) != latest {
		t.Fatalf("resume token %s after the latest event %s", next, latest)
	}
	// Paging: two at a time, resuming where the last page ended, gives
	// the same sequence.
	var paged []event
	tok := &start
	for i := 0; i < 10; i++ {
		page, nxt, more, _ := changes(t, f, f.ctx, tok, ptr(int64(2)), false)
		paged = append(paged, page...)
		tok = &nxt
		if !more {
			break
		}
	}
	if len(paged) != len(want) {
		t.Fatalf("paged events %v", paged)
	}
	// Nothing new: an empty page and the same token.
	empty, same, _, _ := changes(t, f, f.ctx, &next, nil, false)
	if len(empty) != 0 || same != next {
		t.Fatalf("past the end: %v, token %s", empty, same)
	}
	// carol cannot read the document once anyone's read is gone: its
	// events disappear for her; deletions stay visible to all.
	if _, err := f.ports.ACL.ApplyACLContext(f.ctx, &generated.ApplyACL{RepositoryId: repo, ObjectId: doc, RemoveACEs: aceList(cmis.PrincipalAnyone, cmis.PermRead)}); err != nil {
		t.Fatal(err)
	}
	carol := cmis.NewContextWithUser(context.Background(), &cmis.User{Name: "carol"})
	hers, _, _, _ := changes(t, f, carol, &start, nil, false)
	var s []string
	for _, e := range hers {
		if e.id == doc {
			t.Fatalf("carol sees events of a document she cannot read: %v", hers)
		}
		s = append(s, e.typ)
	}
	if !strings.Contains(strings.Join(s, ","), "deleted") {
		t.Fatalf("carol does not learn of the deletion: %v", hers)
	}
	_, err := f.ports.Discovery.GetContentChangesContext(f.ctx, &generated.GetContentChanges{RepositoryId: repo, ChangeLogToken: ptr("abc")})
	wantErr(t, "foreign token", err, cmis.ErrInvalidArgument)
}
