package conformance

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// The basic permissions nest: the next lower of each, "" for none.
var lowerPermission = map[string]string{"cmis:read": "", "cmis:write": "cmis:read", "cmis:all": "cmis:write"}

// TestPermissionMapping walks the permission mapping that getRepositoryInfo
// publishes. For every key, the operation it governs is sent over SOAP by
// the user u holding exactly the published permission on each object the
// operation touches (allowed), then, on fresh objects, holding the next
// lower permission (or none) on the object the key is about (refused with
// permissionDenied, and nothing changes: the objects' properties, ACL,
// filing, children, relationships and content, and the change log).
func TestPermissionMapping(t *testing.T) {
	e := newPermEnv(t)
	published := e.mapping(t)
	type subject struct {
		op   *mappingOp
		role string
	}
	byKey := map[string]subject{}
	ops := mappingOps()
	for i := range ops {
		for _, r := range ops[i].roles {
			if r.aux {
				continue
			}
			if s, dup := byKey[r.key]; dup {
				t.Fatalf("%s is tested by both %s and %s", r.key, s.op.name, ops[i].name)
			}
			byKey[r.key] = subject{&ops[i], r.role}
		}
	}
	var keys []string
	for key := range published {
		keys = append(keys, key)
		if _, ok := byKey[key]; !ok {
			t.Errorf("the repository publishes %s, which no case of this test covers", key)
		}
	}
	for key := range byKey {
		if _, ok := published[key]; !ok {
			t.Errorf("a case covers %s, which the repository does not publish", key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		s, ok := byKey[key]
		if !ok {
			continue
		}
		t.Run(key, func(t *testing.T) {
			for _, refused := range []bool{false, true} {
				name := "holding " + published[key]
				if refused {
					name = "holding " + lowerPermission[published[key]]
				}
				t.Run(strings.TrimSpace(name), func(t *testing.T) {
					e.check(t, s.op, s.role, published, refused)
				})
			}
		})
	}
}

// permEnv is a repository with an administrator and the users u and bob,
// in which nobody but the administrator may read the root: every case
// grants u exactly what it needs.
type permEnv struct {
	admin, user, bob *cmisClient
	root, data       string
}

func newPermEnv(t *testing.T) *permEnv {
	t.Helper()
	accounts := []account{{"admin", "admin-password"}, {"u", "u-password-1234"}, {"bob", "bob-password-1234"}}
	base, repo, root, data := newServerFor(t, accounts)
	hc := &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	client := func(a account) *cmisClient {
		return &cmisClient{base: base, user: a.name, password: a.password, repo: repo, hc: hc}
	}
	e := &permEnv{root: root, data: data, admin: client(accounts[0]), user: client(accounts[1]), bob: client(accounts[2])}
	e.do(t, "ACLService", "applyACL", elXML("objectId", root), acesXML("removeACEs", "anyone", "cmis:read"))
	return e
}

// mapping is the permission mapping repository info publishes: key →
// permission. A key that needs more than one permission fails the test.
func (e *permEnv) mapping(t *testing.T) map[string]string {
	t.Helper()
	r := e.do(t, "RepositoryService", "getRepositoryInfo")
	acl := firstChild(firstChild(r.body, "repositoryInfo"), "aclCapability")
	out := map[string]string{}
	for _, m := range acl.Children {
		if localName(m.Name) != "mapping" {
			continue
		}
		var perms []string
		for _, p := range m.Children {
			if localName(p.Name) == "permission" {
				perms = append(perms, p.Text)
			}
		}
		if _, basic := lowerPermission[strings.Join(perms, " ")]; !basic {
			t.Fatalf("mapping %s needs %v: this test knows one basic permission a key", childText(m, "key"), perms)
		}
		out[childText(m, "key")] = perms[0]
	}
	if len(out) == 0 {
		t.Fatalf("repository info publishes no permission mapping: %s", r)
	}
	return out
}

// check runs one case: op, with u holding on each object exactly what its
// role's key needs, except on the subject's when refused.
func (e *permEnv) check(t *testing.T, op *mappingOp, subject string, published map[string]string, refused bool) {
	box := e.folder(t, e.root, strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(t.Name()))
	objs := op.setup(t, e, box)
	var ids []string
	for _, r := range op.roles {
		perm, ok := published[r.key]
		if !ok {
			t.Fatalf("%s needs %s, which is not published", r.role, r.key)
		}
		if r.role == subject && refused {
			perm = lowerPermission[perm]
		}
		if perm != "" {
			e.grant(t, objs[r.role], "u", perm)
		}
		ids = append(ids, objs[r.role])
	}
	before, token := objectState(t, e.admin, ids...), latestChangeToken(t, e.admin)
	r, err := op.run(e.user, objs)
	if err != nil {
		t.Fatalf("%s: %v", op.name, err)
	}
	if !refused {
		if err := r.ok(); err != nil {
			t.Fatalf("%s by a user holding exactly what the mapping names: %v", op.name, err)
		}
		if moved := latestChangeToken(t, e.admin) != token; moved != op.writes {
			t.Errorf("%s: the change log moved %v, want %v", op.name, moved, op.writes)
		}
		return
	}
	if f := r.fault(); f == nil || f.cmisType != "permissionDenied" {
		t.Fatalf("%s with less than the mapping names on %s: %s, want a permissionDenied fault", op.name, subject, r)
	}
	if after := objectState(t, e.admin, ids...); after != before {
		t.Errorf("a refused %s changed the objects:\n%s", op.name, Diff(before, after, 1))
	}
	if got := latestChangeToken(t, e.admin); got != token {
		t.Errorf("a refused %s moved the change log from %s to %s", op.name, token, got)
	}
}

// do sends a request as the administrator and fails the test unless it
// succeeds.
func (e *permEnv) do(t testing.TB, service, op string, children ...string) *soapReply {
	t.Helper()
	return e.doAs(t, e.admin, service, op, children...)
}

// doAs sends a request as c and fails the test unless it succeeds.
func (e *permEnv) doAs(t testing.TB, c *cmisClient, service, op string, children ...string) *soapReply {
	t.Helper()
	r, err := c.call(context.Background(), service, msgXML(op, c.repo, children...))
	if err == nil {
		err = r.ok()
	}
	if err != nil {
		t.Fatalf("%s as %s: %v", op, c.user, err)
	}
	return r
}

// grant gives principal permission on an object, as the administrator.
func (e *permEnv) grant(t testing.TB, id, principal, permission string) {
	t.Helper()
	e.do(t, "ACLService", "applyACL", elXML("objectId", id), acesXML("addACEs", principal, permission))
}

// The administrator's setup steps; each returns the new object's id.

func (e *permEnv) folder(t testing.TB, parent, name string) string {
	t.Helper()
	return objectIDOf(e.do(t, "ObjectService", "createFolder", propertiesXML("cmis:folder", name), elXML("folderId", parent)))
}

func (e *permEnv) doc(t testing.TB, parent, name, text string) string {
	t.Helper()
	return objectIDOf(e.do(t, "ObjectService", "createDocument", propertiesXML("cmis:document", name), elXML("folderId", parent),
		inlineContentXML(name, text)))
}

func (e *permEnv) policy(t testing.TB, parent, name string) string {
	t.Helper()
	return objectIDOf(e.do(t, "ObjectService", "createPolicy", propertiesXML("cmis:policy", name), elXML("folderId", parent)))
}

func (e *permEnv) relationship(t testing.TB, name, source, target string) string {
	t.Helper()
	return objectIDOf(e.do(t, "ObjectService", "createRelationship",
		propertiesXML("cmis:relationship", name, "cmis:sourceId", source, "cmis:targetId", target)))
}

func (e *permEnv) checkOut(t testing.TB, id string) string {
	t.Helper()
	return objectIDOf(e.do(t, "VersioningService", "checkOut", elXML("objectId", id)))
}

func (e *permEnv) checkIn(t testing.TB, pwc, text string) string {
	t.Helper()
	return objectIDOf(e.do(t, "VersioningService", "checkIn", elXML("objectId", pwc), elXML("major", "true"), inlineContentXML("v", text)))
}
