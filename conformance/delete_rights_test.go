package conformance

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
)

// deleteCase sets up what a deleting user u meets: a version series whose
// latest version u may delete but not the older one (with a relationship
// to an object outside), and one whose PWC bob made and took u's rights
// off.
type deleteCase struct {
	e           *permEnv
	v1, v2, rel string // the series u may not delete whole, and its relationship
	other       string // the relationship's target, outside what is deleted
	x, pwc      string // the series bob checked out
}

// newDeleteCase builds, in folder box (u may write it): d (v1, which u
// may only read, and v2, which u may delete) with relationship rel from v2
// to other, and x (u may delete) in folder in, checked out by bob, who
// took u's write off his PWC.
func newDeleteCase(t *testing.T, e *permEnv, box, in string) *deleteCase {
	t.Helper()
	c := &deleteCase{e: e}
	c.other = e.doc(t, e.root, "other-"+box, "other")
	c.v1 = e.doc(t, box, "d.txt", "v1")
	c.v2 = e.checkIn(t, e.checkOut(t, c.v1), "v2")
	// v1 may have taken cmis:write for u from its folder: u only reads it.
	e.do(t, "ACLService", "applyACL", elXML("objectId", c.v1), acesXML("addACEs", "u", "cmis:read"), acesXML("removeACEs", "u", "cmis:write"))
	e.grant(t, c.v2, "u", "cmis:write")
	c.rel = e.relationship(t, "rel", c.v2, c.other)
	c.x = e.doc(t, in, "x.txt", "x")
	e.grant(t, c.x, "u", "cmis:write")
	e.grant(t, c.x, "bob", "cmis:write")
	c.pwc = objectIDOf(e.doAs(t, e.bob, "VersioningService", "checkOut", elXML("objectId", c.x)))
	e.doAs(t, e.bob, "ACLService", "applyACL", elXML("objectId", c.pwc), acesXML("removeACEs", "u", "cmis:write"))
	return c
}

// whole is the state of what must stay whole.
func (c *deleteCase) whole(t *testing.T) string {
	return objectState(t, c.e.admin, c.v1, c.v2, c.rel, c.other, c.x, c.pwc)
}

// refused sends a request as u and checks that it is refused with
// permissionDenied and that nothing changed: the objects, the change log,
// the content files.
func (c *deleteCase) refused(t *testing.T, what, service, op string, children ...string) {
	t.Helper()
	before, token, files := c.whole(t), latestChangeToken(t, c.e.admin), contentFiles(t, c.e.data)
	r, err := c.e.user.call(context.Background(), service, msgXML(op, c.e.user.repo, children...))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if f := r.fault(); f == nil || f.cmisType != "permissionDenied" {
		t.Fatalf("%s: %s, want permissionDenied", what, r)
	}
	if after := c.whole(t); after != before {
		t.Errorf("%s changed objects:\n%s", what, Diff(before, after, 1))
	}
	if got := latestChangeToken(t, c.e.admin); got != token {
		t.Errorf("%s moved the change log from %s to %s", what, token, got)
	}
	if got := contentFiles(t, c.e.data); !slices.Equal(got, files) {
		t.Errorf("%s changed the content files: %v, was %v", what, got, files)
	}
}

// TestDeleteChecksEveryObjectRemoved: deleteObject (with and without
// allVersions, of a version or a PWC), cancelCheckOut and deleteTree
// remove nothing the caller may not delete, old versions and another
// user's PWC included.
func TestDeleteChecksEveryObjectRemoved(t *testing.T) {
	e := newPermEnv(t)
	box := e.folder(t, e.root, "box")
	e.grant(t, box, "u", "cmis:write")
	c := newDeleteCase(t, e, box, box)
	steps := []struct {
		what     string
		op       string
		children []string
	}{
		{"deleteObject of the latest version with allVersions, an older one u may not delete", "deleteObject",
			[]string{elXML("objectId", c.v2), elXML("allVersions", "true")}},
		{"deleteObject of the older version alone", "deleteObject", []string{elXML("objectId", c.v1), elXML("allVersions", "false")}},
		{"deleteObject of a series with bob's PWC", "deleteObject", []string{elXML("objectId", c.x)}},
		{"deleteObject of the only checked-in version, which takes bob's PWC", "deleteObject",
			[]string{elXML("objectId", c.x), elXML("allVersions", "false")}},
		{"deleteObject of bob's PWC", "deleteObject", []string{elXML("objectId", c.pwc)}},
	}
	for _, s := range steps {
		c.refused(t, s.what, "ObjectService", s.op, s.children...)
	}
	c.refused(t, "cancelCheckOut of bob's PWC", "VersioningService", "cancelCheckOut", elXML("objectId", c.pwc))

	// What u may delete, u deletes: the latest version alone, and the
	// older one becomes the latest, whole with its content.
	files := len(contentFiles(t, e.data))
	e.doAs(t, e.user, "ObjectService", "deleteObject", elXML("objectId", c.v2), elXML("allVersions", "false"))
	state := objectState(t, e.admin, c.v1, c.v2, c.rel)
	for _, want := range []string{c.v2 + " gone", c.rel + " gone", "cmis:isLatestVersion=true", c.v1 + " content 2:"} {
		if !strings.Contains(state, want) {
			t.Errorf("after u deleted the latest version, the state lacks %q:\n%s", want, state)
		}
	}
	if n := len(contentFiles(t, e.data)); n != files-1 {
		t.Errorf("%d content files after deleting one version, want %d", n, files-1)
	}
	// bob may cancel his own check-out.
	e.doAs(t, e.bob, "VersioningService", "cancelCheckOut", elXML("objectId", c.pwc))
}

// TestDeleteTreeKeepsWhatIsRefused: u deletes a tree holding a series with
// an older version u may not delete, a series with bob's PWC (in sub), a
// folder u may not delete (locked) and what u may delete. Without
// continueOnFailure nothing changes; with it, what u may delete goes and
// the rest stays whole, reported in failedToDelete with the folders
// leading to it.
func TestDeleteTreeKeepsWhatIsRefused(t *testing.T) {
	e := newPermEnv(t)
	tree := e.folder(t, e.root, "tree")
	sub := e.folder(t, tree, "sub")
	locked := e.folder(t, tree, "locked")
	for _, f := range []string{tree, sub} {
		e.grant(t, f, "u", "cmis:write")
	}
	e.grant(t, locked, "u", "cmis:read")
	c := newDeleteCase(t, e, tree, sub)
	ok := e.doc(t, tree, "ok.txt", "ok")
	inner := e.doc(t, locked, "inner.txt", "inner")
	for _, id := range []string{ok, inner} {
		e.grant(t, id, "u", "cmis:write")
	}

	c.refused(t, "deleteTree", "ObjectService", "deleteTree", elXML("folderId", tree))
	c.refused(t, "deleteTree with continueOnFailure false", "ObjectService", "deleteTree", elXML("folderId", tree),
		elXML("continueOnFailure", "false"))

	before, files := c.whole(t), len(contentFiles(t, e.data))
	r := e.doAs(t, e.user, "ObjectService", "deleteTree", elXML("folderId", tree), elXML("continueOnFailure", "true"))
	var failed []string
	for _, n := range firstChild(r.body, "failedToDelete").Children {
		if localName(n.Name) == "objectIds" {
			failed = append(failed, n.Text)
		}
	}
	sort.Strings(failed)
	want := []string{c.v1, c.v2, c.x, c.pwc, tree, sub, locked}
	sort.Strings(want)
	if !slices.Equal(failed, want) {
		t.Errorf("failedToDelete %v, want the refused series and the folders holding them %v", failed, want)
	}
	if after := c.whole(t); after != before {
		t.Errorf("what u may not delete changed:\n%s", Diff(before, after, 1))
	}
	if state := objectState(t, e.admin, ok, inner); state != ok+" gone\n"+inner+" gone" {
		t.Errorf("what u may delete stayed:\n%s", state)
	}
	if n := len(contentFiles(t, e.data)); n != files-2 {
		t.Errorf("%d content files, want %d: those of ok.txt and inner.txt go, no other", n, files-2)
	}
}
