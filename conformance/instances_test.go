package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/pgtest"
)

// Several cmisd instances on one PostgreSQL database and one content
// store behave as one repository. These tests start real binaries
// (CMISD_BIN) on a schema of their own in CMISD_TEST_PG's database, with
// content in a directory they share or in PostgreSQL itself.

// contentStores are the --content values tried: "dir" stands for a
// directory all instances share.
var contentStores = []string{"dir", "postgres"}

// instances are cmisd processes sharing one database and content store.
type instances struct {
	t                       *testing.T
	bin, db, content, admin string
	shared                  string // "dir": the content store is shared/content
	procs                   []*cmisdProc
	datas                   []string
	repo, root              string
}

const instancesPassword = "instances-secret"

// startInstances starts n instances, one after the other, on a fresh
// database and content store (content: "dir" or "postgres"), each with
// its own data directory (its request spool).
func startInstances(t *testing.T, n int, content, db string) *instances {
	t.Helper()
	in := &instances{t: t, bin: cmisdBinary(t), db: db, content: content, admin: instancesPassword}
	if in.db == "" {
		in.db = pgtest.Schema(t)
	}
	if content == "dir" {
		in.shared = t.TempDir()
		in.content = filepath.Join(in.shared, "content")
	}
	for range n {
		in.datas = append(in.datas, t.TempDir())
		in.procs = append(in.procs, nil)
		in.start(len(in.procs) - 1)
	}
	c := in.client(0)
	repo, root, err := c.repositoryInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in.repo, in.root = repo, root
	return in
}

// start (re)starts instance i, with a grace for content sweeps long
// enough that no instance takes another's upload between its store and
// its commit.
func (in *instances) start(i int, extra ...string) {
	in.t.Helper()
	args := append(append([]string{"--data", in.datas[i], "--db", in.db, "--content", in.content,
		"--admin-password", in.admin}, scenarioServeArgs...), extra...)
	in.procs[i] = startServeArgs(in.t, in.bin, args...)
}

// client is an admin client of instance i.
func (in *instances) client(i int) *cmisClient {
	return in.clientAs(i, "admin", in.admin)
}

func (in *instances) clientAs(i int, user, password string) *cmisClient {
	return &cmisClient{base: in.procs[i].base, user: user, password: password, repo: in.repo, hc: newCrashHTTPClient()}
}

// cli runs a cmisd command (user, group) on the shared database.
func (in *instances) cli(stdin string, args ...string) {
	in.t.Helper()
	cmd := exec.Command(in.bin, append(args, "--db", in.db, "--data", in.t.TempDir())...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		in.t.Fatalf("cmisd %v: %v\n%s", args, err, out)
	}
}

func (in *instances) dumpLogs() {
	for i, p := range in.procs {
		if p != nil {
			in.t.Logf("instance %d:", i)
			p.dumpLogs(in.t)
		}
	}
}

// roundRobin is an HTTP load balancer in front of bases that sends each
// request to the next one in turn, as any balancer may.
func roundRobin(t *testing.T, bases ...string) string {
	t.Helper()
	var targets []*url.URL
	for _, b := range bases {
		u, err := url.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, u)
	}
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(targets[next.Add(1)%uint64(len(targets))])
		r.SetXForwarded()
	}}
	// An answer cut while the balancer copies it (a rare failure of this
	// test, not yet explained: "ReverseProxy read error during body copy:
	// use of closed network connection") says which request, from which
	// instance, how far, and whether the client's request had ended.
	var ended atomic.Bool
	t.Cleanup(func() { ended.Store(true) })
	proxy.ModifyResponse = func(resp *http.Response) error {
		resp.Body = &tracedBody{ReadCloser: resp.Body, resp: resp, log: func(format string, args ...any) {
			if !ended.Load() {
				t.Logf(format, args...)
			}
		}}
		return nil
	}
	ts := httptest.NewServer(proxy)
	t.Cleanup(ts.Close)
	return ts.URL
}

// tracedBody logs a read error of an answer the balancer copies.
type tracedBody struct {
	io.ReadCloser
	resp *http.Response
	n    int64
	log  func(format string, args ...any)
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		req := b.resp.Request
		b.log("balancer: answer from %s to %s cut after %d bytes (Content-Length %d, %v): %v; the client's request: %v",
			req.URL.Host, req.Header.Get("SOAPAction"), b.n, b.resp.ContentLength, b.resp.TransferEncoding, err, context.Cause(req.Context()))
	}
	return n, err
}

// A real client (zeep's whole scenario: types, objects, content,
// versions, ACLs as a second user, the change log) passes against two
// instances behind a balancer that alternates between them request by
// request, with either content store.
func TestInstancesRealClient(t *testing.T) {
	requireTool(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import zeep").Run(); err != nil {
		requireTool(t, "python3-zeep-module-missing")
	}
	for _, content := range contentStores {
		t.Run(content, func(t *testing.T) {
			in := startInstances(t, 2, content, "")
			in.cli(secondPassword+"\n", "user", "add", secondUser, "--password-stdin")
			base := roundRobin(t, in.procs[0].base, in.procs[1].base)
			runClient(t, 5*time.Minute, "/usr/bin/python3", filepath.Join(clientDir("zeep"), "scenario.py"), base, "admin", in.admin)
			if t.Failed() {
				in.dumpLogs()
			}
		})
	}
}

// Concurrent updateProperties with one change token, sent to two
// instances at the same moment: exactly one wins, every time; the other
// is an updateConflict.
func TestInstancesChangeTokenRace(t *testing.T) {
	in := startInstances(t, 2, "postgres", "")
	ctx := context.Background()
	a, b := in.client(0), in.client(1)
	doc := mustCreateDoc(t, a, in.root, "contested.txt", []byte("contested"))
	for round := range 25 {
		token := propertyOf(t, b, doc, "cmis:changeToken")
		var wg sync.WaitGroup
		replies := make([]*soapReply, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, c := range []*cmisClient{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies[i], errs[i] = c.call(ctx, "ObjectService", updateDescriptionXML(in.repo, doc, token, fmt.Sprintf("round %d by %d", round, i)))
			}()
		}
		close(start)
		wg.Wait()
		won, conflicts := 0, 0
		for i, r := range replies {
			switch {
			case errs[i] != nil:
				t.Fatalf("round %d: instance %d: %v", round, i, errs[i])
			case r.ok() == nil:
				won++
			case r.fault() != nil && r.fault().cmisType == "updateConflict":
				conflicts++
			default:
				t.Fatalf("round %d: instance %d answered %s", round, i, r)
			}
		}
		if won != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d updates won and %d conflicted with one change token; want exactly one each", round, won, conflicts)
		}
	}
}

// mustCreateDoc creates a document with content in folder.
func mustCreateDoc(t testing.TB, c *cmisClient, folder, name string, content []byte) string {
	t.Helper()
	r, err := c.callMTOM(context.Background(), "ObjectService",
		createDocumentXML(c.repo, folder, name, contentStreamXML(int64(len(content)), name, xopIncludeOf(mtomContentCID))), content)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ok(); err != nil {
		t.Fatalf("createDocument %s: %v", name, err)
	}
	return objectIDOf(r)
}

// propertyOf reads one property of an object.
func propertyOf(t testing.TB, c *cmisClient, id, prop string) string {
	t.Helper()
	r, err := c.call(context.Background(), "ObjectService", `<m:getProperties xmlns:m="`+nsMessaging+`">`+
		`<m:repositoryId>`+xesc(c.repo)+`</m:repositoryId><m:objectId>`+xesc(id)+`</m:objectId><m:filter>*</m:filter></m:getProperties>`)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ok(); err != nil {
		t.Fatalf("getProperties %s: %v", id, err)
	}
	return readObject(r.body).get(prop)
}

// A type created through one instance is usable through the other at
// once; a password changed, a user deleted and a group membership removed
// on the shared database take effect on every instance within 2 s.
func TestInstancesSeeEachOthersChanges(t *testing.T) {
	in := startInstances(t, 2, "dir", "")
	ctx := context.Background()
	a, b := in.client(0), in.client(1)

	r, err := a.call(ctx, "RepositoryService", createTypeXML(in.repo, "acme:shared"))
	if err != nil || r.ok() != nil {
		t.Fatalf("createType on the first instance: %v %s", err, r)
	}
	r, err = b.call(ctx, "ObjectService", createTypedFolderXML(in.repo, in.root, "typed", "acme:shared"))
	if err != nil || r.ok() != nil {
		t.Fatalf("a folder of the new type on the second instance at once: %v %s", err, r)
	}

	const pw1, pw2 = "first password!", "second password!"
	in.cli(pw1+"\n", "user", "add", "carol", "--password-stdin")
	in.cli("", "group", "add", "editors")
	in.cli("", "group", "members", "editors", "--add", "carol")
	editable := mustCreateFolder(t, a, in.root, "editable")
	r, err = a.call(ctx, "ACLService", applyACLXML(in.repo, editable, "editors", "cmis:write"))
	if err != nil || r.ok() != nil {
		t.Fatalf("applyACL: %v %s", err, r)
	}
	carol := []*cmisClient{in.clientAs(0, "carol", pw1), in.clientAs(1, "carol", pw1)}
	for i, c := range carol { // each instance now holds carol's credentials and groups
		mustCreateFolder(t, c, editable, fmt.Sprintf("by-carol-%d", i))
	}

	in.cli("", "group", "members", "editors", "--remove", "carol")
	within(t, 2*time.Second, "carol's removal from editors", func(i int) error {
		r, err := carol[i].call(ctx, "ObjectService", createFolderXML(in.repo, editable, fmt.Sprintf("late-%d-%d", i, time.Now().UnixNano())))
		if err == nil && r.fault() != nil && r.fault().cmisType == "permissionDenied" {
			return nil
		}
		return fmt.Errorf("createFolder as a former editor: %v %s", err, r)
	})

	in.cli(pw2+"\n", "user", "passwd", "carol", "--password-stdin")
	within(t, 2*time.Second, "carol's new password", func(i int) error {
		if err := loginWorks(ctx, carol[i]); err == nil {
			return fmt.Errorf("the old password still works")
		}
		return loginWorks(ctx, in.clientAs(i, "carol", pw2))
	})

	in.cli("", "user", "del", "carol")
	within(t, 2*time.Second, "carol's deletion", func(i int) error {
		if err := loginWorks(ctx, in.clientAs(i, "carol", pw2)); err == nil {
			return fmt.Errorf("a deleted user still logs in")
		}
		return nil
	})
}

// within checks on every instance, again and again, until check passes
// on both, and fails the test if that takes longer than limit.
func within(t *testing.T, limit time.Duration, what string, check func(instance int) error) {
	t.Helper()
	start := time.Now()
	for i := range 2 {
		for {
			err := check(i)
			if err == nil {
				break
			}
			if time.Since(start) > limit {
				t.Fatalf("%s: instance %d after %v: %v", what, i, time.Since(start).Round(time.Millisecond), err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("%s: in effect on both instances after %v", what, time.Since(start).Round(time.Millisecond))
}

func loginWorks(ctx context.Context, c *cmisClient) error {
	r, err := c.call(ctx, "RepositoryService", `<m:getRepositories xmlns:m="`+nsMessaging+`"/>`)
	if err != nil {
		return err
	}
	if r.status == http.StatusUnauthorized {
		return fmt.Errorf("HTTP 401")
	}
	return r.ok()
}

func mustCreateFolder(t testing.TB, c *cmisClient, parent, name string) string {
	t.Helper()
	r, err := c.call(context.Background(), "ObjectService", createFolderXML(c.repo, parent, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ok(); err != nil {
		t.Fatalf("createFolder %s as %s: %v", name, c.user, err)
	}
	return objectIDOf(r)
}

func createTypeXML(repo, id string) string {
	return `<m:createType xmlns:m="` + nsMessaging + `" xmlns:c="` + nsCMISCore + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId><m:type xsi:type="c:cmisTypeFolderDefinitionType">` +
		`<c:id>` + xesc(id) + `</c:id><c:localName>` + xesc(id) + `</c:localName><c:queryName>` + xesc(id) + `</c:queryName>` +
		`<c:baseId>cmis:folder</c:baseId><c:parentId>cmis:folder</c:parentId><c:creatable>true</c:creatable>` +
		`<c:fileable>true</c:fileable><c:queryable>true</c:queryable><c:fulltextIndexed>false</c:fulltextIndexed>` +
		`<c:includedInSupertypeQuery>true</c:includedInSupertypeQuery><c:controllablePolicy>false</c:controllablePolicy>` +
		`<c:controllableACL>true</c:controllableACL></m:type></m:createType>`
}

func createTypedFolderXML(repo, parent, name, typeID string) string {
	return strings.Replace(createFolderXML(repo, parent, name), "<c:value>cmis:folder</c:value>", "<c:value>"+xesc(typeID)+"</c:value>", 1)
}

func applyACLXML(repo, id, principal, permission string) string {
	return `<m:applyACL xmlns:m="` + nsMessaging + `" xmlns:c="` + nsCMISCore + `">` +
		`<m:repositoryId>` + xesc(repo) + `</m:repositoryId><m:objectId>` + xesc(id) + `</m:objectId>` +
		`<m:addACEs><c:permission><c:principal><c:principalId>` + xesc(principal) + `</c:principalId></c:principal>` +
		`<c:permission>` + xesc(permission) + `</c:permission><c:direct>true</c:direct></c:permission></m:addACEs></m:applyACL>`
}
