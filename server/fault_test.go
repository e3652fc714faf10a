package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xop"
)

func TestFaultFor(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     string
		typ      cmis.ErrorType
		status   int
		msg      string
		internal bool
		detail   bool
	}{
		{"service error", cmis.Errorf(cmis.ErrObjectNotFound, "no object 42"), codeServer, cmis.ErrObjectNotFound, 500, "no object 42", false, true},
		{"wrapped service error", fmt.Errorf("ctx: %w", &cmis.Error{Type: cmis.ErrUpdateConflict, Message: "stale", Err: errors.New("secret cause")}), codeServer, cmis.ErrUpdateConflict, 500, "stale", false, true},
		{"unknown CMIS type", &cmis.Error{Type: "bogus", Message: "x"}, codeServer, cmis.ErrRuntime, 500, "internal error", true, true},
		{"plain error", errors.New("sql: connection refused at 10.0.0.1"), codeServer, cmis.ErrRuntime, 500, "internal error", true, true},
		{"panic", panicError{"x"}, codeServer, cmis.ErrRuntime, 500, "internal error", true, true},
		{"rejected input", badRequest("malformed XML: x"), codeClient, cmis.ErrInvalidArgument, 500, "malformed XML: x", false, true},
		{"challenge", errNoCredentials, codeClient, cmis.ErrPermissionDenied, 401, errNoCredentials.msg, false, true},
		{"version mismatch", errSOAP12, codeVersionMismatch, cmis.ErrInvalidArgument, 500, errSOAP12.msg, false, false},
		{"broken body", &xop.Error{Msg: "broken MTOM framing: x", Err: errors.New("secret cause")}, codeClient, cmis.ErrInvalidArgument, 500, "broken MTOM framing: x", false, true},
		// A service that read a broken content stream and wrapped the error
		// as its own: the client's broken body is still what it is told.
		{"broken body inside a service error", &cmis.Error{Type: cmis.ErrStorage, Message: "content could not be stored",
			Err: fmt.Errorf("reading the content stream: %w", &xop.Error{Msg: "body cut short"})}, codeClient, cmis.ErrInvalidArgument, 500, "body cut short", false, true},
		{"upload limit", cmis.Errorf(cmis.ErrRuntime, "too many uploads"), codeServer, cmis.ErrRuntime, 500, "too many uploads", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := faultFor(tt.err)
			if f.code != tt.code || f.typ != tt.typ || f.status != tt.status || f.message != tt.msg || f.internal != tt.internal || f.detail != tt.detail {
				t.Errorf("got %+v", f)
			}
			env := faultEnvelope(f)
			if tt.internal && (bytes.Contains(env, []byte("10.0.0.1")) || bytes.Contains(env, []byte("panic"))) {
				t.Errorf("internals leaked: %s", env)
			}
			if bytes.Contains(env, []byte("secret cause")) {
				t.Errorf("cause leaked: %s", env)
			}
		})
	}
}

func TestCleanXMLString(t *testing.T) {
	tests := map[string]string{
		"plain":                  "plain",
		"a\x00b\x1bc\x7fd":       "ab" + "c\x7fd",
		"tab\tnl\ncr\r":          "tab\tnl\ncr\r",
		"bad\xffutf8":            "badutf8",
		"\uFFFE\uFFFF ok \uFFFD": " ok \uFFFD",
		"emoji 😀":                "emoji 😀",
	}
	for in, want := range tests {
		if got := cleanXMLString(in); got != want {
			t.Errorf("cleanXMLString(%q) = %q, want %q", in, got, want)
		}
	}
}

// Faults through HTTP: status, code, type, and the encoding of the request.
func TestFaultsOverHTTP(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	auth := `<wsse:Security xmlns:wsse="` + wsseNS + `">` + token("test", "test", passwordText) + `</wsse:Security>`
	envOf := func(body string) string {
		return `<S:Envelope xmlns:S="` + soap11NS + `" xmlns:m="` + cmis.MessagingNS + `"><S:Header>` + auth + `</S:Header><S:Body>` + body + `</S:Body></S:Envelope>`
	}
	typeDef := func(id string) string {
		return envOf(`<m:getTypeDefinition><m:repositoryId>A1</m:repositoryId><m:typeId>` + id + `</m:typeId></m:getTypeDefinition>`)
	}
	tests := []struct {
		name     string
		method   string
		path     string
		ct       string
		body     string
		status   int
		code     string
		typ      cmis.ErrorType
		contains string
	}{
		{"service error", "POST", "/services/RepositoryService", "", envOf(`<m:getRepositoryInfo><m:repositoryId>X9</m:repositoryId></m:getRepositoryInfo>`), 500, codeServer, cmis.ErrObjectNotFound, "X9 does not exist"},
		{"illegal characters stripped", "POST", "/services/RepositoryService", "", typeDef("t1"), 500, codeServer, cmis.ErrObjectNotFound, "type t1 does not exist"},
		{"internal error hidden", "POST", "/services/RepositoryService", "", typeDef("internal"), 500, codeServer, cmis.ErrRuntime, "internal error"},
		{"time limit", "POST", "/services/RepositoryService", "", typeDef("timelimit"), 500, codeServer, cmis.ErrRuntime, "time limit of 30s"},
		{"unknown operation", "POST", "/services/RepositoryService", "", envOf(`<m:frobnicate/>`), 500, codeClient, cmis.ErrInvalidArgument, "unknown operation"},
		{"operation in another namespace", "POST", "/services/RepositoryService", "", envOf(`<getRepositories xmlns="urn:other"/>`), 500, codeClient, cmis.ErrInvalidArgument, "unknown operation"},
		{"not implemented port", "POST", "/services/NavigationService", "", envOf(`<m:getChildren><m:repositoryId>A1</m:repositoryId><m:folderId>f</m:folderId></m:getChildren>`), 500, codeServer, cmis.ErrNotSupported, "NavigationService"},
		{"malformed XML", "POST", "/services/RepositoryService", "", envOf(`<m:getRepositories>`), 500, codeClient, cmis.ErrInvalidArgument, "malformed XML"},
		{"DOCTYPE", "POST", "/services/RepositoryService", "", `<!DOCTYPE x [<!ENTITY a "b">]>` + envOf(`<m:getRepositories/>`), 500, codeClient, cmis.ErrInvalidArgument, "DOCTYPE"},
		{"wrong parameter type", "POST", "/services/RepositoryService", "", envOf(`<m:getTypeChildren><m:repositoryId>A1</m:repositoryId><m:skipCount>-x</m:skipCount></m:getTypeChildren>`), 500, codeClient, cmis.ErrInvalidArgument, "skipCount"},
		{"SOAP 1.2 content type", "POST", "/services/RepositoryService", "application/soap+xml; charset=utf-8", envOf(`<m:getRepositories/>`), 500, codeVersionMismatch, "", "SOAP 1.2"},
		{"SOAP 1.2 envelope", "POST", "/services/RepositoryService", "", `<e:Envelope xmlns:e="` + soap12NS + `"><e:Body/></e:Envelope>`, 500, codeVersionMismatch, "", "SOAP 1.1"},
		{"unsupported content type", "POST", "/services/RepositoryService", "application/json", `{}`, 500, codeClient, cmis.ErrInvalidArgument, "Content-Type"},
		{"unsupported charset", "POST", "/services/RepositoryService", "text/xml; charset=iso-8859-1", envOf(`<m:getRepositories/>`), 500, codeClient, cmis.ErrInvalidArgument, "charset"},
		{"PUT", "PUT", "/services/ObjectService", "", envOf(`<m:getRepositories/>`), 500, codeClient, cmis.ErrNotSupported, "not allowed"},
		{"DELETE", "DELETE", "/services/ACLService", "", "", 500, codeClient, cmis.ErrNotSupported, "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.ct
			if ct == "" && tt.method == "POST" {
				ct = "text/xml; charset=utf-8"
			}
			sr := send(t, ts.URL, tt.method, tt.path, ct, []byte(tt.body), nil)
			if sr.mtom {
				t.Error("text request answered with MTOM")
			}
			f := checkFault(t, sr, tt.status, tt.code, tt.typ)
			if !strings.Contains(f.Body.Fault.String, tt.contains) {
				t.Errorf("faultstring %q, want it to contain %q", f.Body.Fault.String, tt.contains)
			}
			if bytes.ContainsAny(sr.root, "\x00\x1b") || bytes.Contains(sr.root, []byte("unexpected EOF")) {
				t.Errorf("fault carries illegal characters or internals:\n%q", sr.root)
			}
		})
	}

	// MTOM in, MTOM fault out.
	body := mtomBody("f", [2]string{rootHeaders, typeDef("t2")})
	sr := send(t, ts.URL, "POST", "/services/RepositoryService", `multipart/related; type="application/xop+xml"; boundary=f`, []byte(body), nil)
	if !sr.mtom {
		t.Error("MTOM request answered with text")
	}
	checkFault(t, sr, 500, codeServer, cmis.ErrObjectNotFound)

	// Broken MTOM framing is an invalidArgument fault, answered in MTOM.
	sr = send(t, ts.URL, "POST", "/services/RepositoryService", `multipart/related; type="application/xop+xml"; boundary=wrong`, []byte(body), nil)
	if !sr.mtom {
		t.Error("broken MTOM request answered with text")
	}
	checkFault(t, sr, 500, codeClient, cmis.ErrInvalidArgument)

	// An unknown service path is a plain 404.
	resp, err := http.Post(ts.URL+"/services/NoSuchService", "text/xml", strings.NewReader(typeDef("x")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown service: status %d", resp.StatusCode)
	}

	// Internal errors are logged in full.
	found := false
	for _, e := range env.logs.FilterMessage("internal error").All() {
		if strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "unexpected EOF") {
			found = true
		}
	}
	if !found {
		t.Error("internal error not logged with its cause")
	}
	// So is an operation stopped at its time limit, with the time.
	stopped := env.logs.FilterMessage("stopped at the time limit").All()
	if len(stopped) != 1 || stopped[0].ContextMap()["limit"] != 30*time.Second || stopped[0].ContextMap()["elapsed"] != 30001*time.Millisecond ||
		stopped[0].ContextMap()["operation"] != "getTypeDefinition" {
		t.Errorf("time limit logged as %v", stopped)
	}
}

// Too large an XML part is refused, MTOM or text; content does not count.
func TestMaxXMLBytes(t *testing.T) {
	env := newTestServer(t, func(c *Config) { c.MaxXMLBytes = 2048 })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	big := withHeader(`<wsse:Security xmlns:wsse="` + wsseNS + `">` + token("test", "test", "") + `</wsse:Security><x:pad xmlns:x="urn:x">` + strings.Repeat("p", 4000) + `</x:pad>`)
	sr := send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml", []byte(big), nil)
	f := checkFault(t, sr, 500, codeClient, cmis.ErrInvalidArgument)
	if !strings.Contains(f.Body.Fault.String, "larger than the limit") {
		t.Errorf("faultstring %q", f.Body.Fault.String)
	}
	sr = send(t, ts.URL, "POST", "/services/RepositoryService", `multipart/related; boundary=z`, []byte(mtomBody("z", [2]string{rootHeaders, big})), nil)
	checkFault(t, sr, 500, codeClient, cmis.ErrInvalidArgument)
	if !sr.mtom {
		t.Error("not MTOM")
	}
}

// A panic in a handler is a runtime fault, logged with its stack; the
// server goes on serving. A nil response is an empty response element.
func TestPanicRecovered(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	req := func(typeID string) string {
		return soapWrap(`<m:getTypeDefinition><m:repositoryId>A1</m:repositoryId><m:typeId>` + typeID + `</m:typeId></m:getTypeDefinition>`)
	}
	sr := send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml", []byte(req("panic")), basic("test", "test"))
	f := checkFault(t, sr, 500, codeServer, cmis.ErrRuntime)
	if strings.Contains(f.Body.Fault.String, "boom") {
		t.Errorf("panic value leaked: %q", f.Body.Fault.String)
	}
	logged := env.logs.FilterMessage("panic in service handler").All()
	if len(logged) != 1 || !strings.Contains(fmt.Sprint(logged[0].ContextMap()["stack"]), "GetTypeDefinitionContext") {
		t.Errorf("panic not logged with stack: %v", logged)
	}
	// An unimplemented method of the fake (nil embedded interface) panics too.
	sr = send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml",
		[]byte(soapWrap(`<m:getTypeDescendants><m:repositoryId>A1</m:repositoryId></m:getTypeDescendants>`)), basic("test", "test"))
	checkFault(t, sr, 500, codeServer, cmis.ErrRuntime)

	// Still serving.
	sr = send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml", []byte(req("nil")), basic("test", "test"))
	if sr.status != 200 {
		t.Fatalf("after panic: status %d\n%s", sr.status, sr.root)
	}
	if !bytes.Contains(sr.root, []byte("<cmism:getTypeDefinitionResponse"+generated.BodyNamespaces+"/>")) {
		t.Errorf("nil response:\n%s", sr.root)
	}
}

// Content that fails after the answer has started breaks the connection:
// the client must not see a complete-looking message.
func TestBrokenContentAborts(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	gcs := soapWrap(`<m:getContentStream><m:repositoryId>A1</m:repositoryId><m:objectId>broken</m:objectId></m:getContentStream>`)
	for _, mtom := range []bool{false, true} {
		ct, body := "text/xml", gcs
		if mtom {
			ct, body = `multipart/related; type="application/xop+xml"; boundary=q`, mtomBody("q", [2]string{rootHeaders, gcs})
		}
		req, _ := http.NewRequest("POST", ts.URL+"/services/ObjectService", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.SetBasicAuth("test", "test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // aborted before the headers arrived: fine too
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("mtom=%v: a response whose content failed was delivered complete", mtom)
		}
	}
	if !eventually(func() bool { return env.logs.FilterMessage("response aborted").Len() == 2 }) {
		t.Error("aborted responses not logged")
	}
}
