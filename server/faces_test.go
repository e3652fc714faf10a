package server

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// The CMIS 1.0 face: the same ports, reached with the request's version in
// the context, answered by the writers' 1.0 mode, and without the
// operations CMIS 1.1 added.
func TestFaceVersion(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	auth := basic("test", "test")
	post := func(path, body string) soapResponse {
		return send(t, ts.URL, "POST", path, "text/xml; charset=utf-8", []byte(soapWrap(body)), auth)
	}

	t.Run("version in the context", func(t *testing.T) {
		for path, want := range map[string]cmis.Version{"/services/": cmis.Version11, "/services10/": cmis.Version10} {
			sr := post(path+"RepositoryService", `<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`)
			if sr.status != 200 {
				t.Fatalf("%s: status %d\n%s", path, sr.status, sr.root)
			}
			env.repo.mu.Lock()
			got := env.repo.version
			env.repo.mu.Unlock()
			if got != want {
				t.Errorf("%s: the port saw CMIS %q, want %q", path, got, want)
			}
		}
	})

	t.Run("1.0 writers", func(t *testing.T) {
		// A cmis:item type is CMIS 1.1 only: the 1.0 face cannot send it.
		req := `<m:getTypeDefinition><m:repositoryId>A1</m:repositoryId><m:typeId>item</m:typeId></m:getTypeDefinition>`
		if sr := post("/services/RepositoryService", req); sr.status != 200 || !strings.Contains(string(sr.root), "cmis:item") {
			t.Errorf("1.1: status %d\n%s", sr.status, sr.root)
		}
		sr := post("/services10/RepositoryService", req)
		checkFault(t, sr, 500, codeServer, cmis.ErrRuntime)
		if strings.Contains(string(sr.root), "cmis:item") {
			t.Errorf("1.0 answer names cmis:item:\n%s", sr.root)
		}
	})

	t.Run("1.1-only operations", func(t *testing.T) {
		n := 0
		for name, op := range generated.Operations {
			if op.In10 {
				continue
			}
			n++
			before := len(env.repo.reqs)
			sr := post("/services10/"+op.Service, `<m:`+name+`><m:repositoryId>A1</m:repositoryId></m:`+name+`>`)
			f := checkFault(t, sr, 500, codeServer, cmis.ErrNotSupported)
			if !strings.Contains(f.Body.Fault.String, "not part of CMIS 1.0") {
				t.Errorf("%s: faultstring %q", name, f.Body.Fault.String)
			}
			if len(env.repo.reqs) != before {
				t.Errorf("%s reached the port", name)
			}
		}
		if n != 6 {
			t.Errorf("%d operations refused, CMIS 1.1 added 6", n)
		}
		// An anonymous caller learns nothing, not even that.
		sr := send(t, ts.URL, "POST", "/services10/RepositoryService", "text/xml; charset=utf-8",
			[]byte(soapWrap(`<m:createType><m:repositoryId>A1</m:repositoryId></m:createType>`)), nil)
		if sr.status != 401 {
			t.Errorf("anonymous createType on /services10: status %d", sr.status)
		}
	})
}
