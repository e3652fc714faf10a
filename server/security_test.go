package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

const (
	wsuNS        = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	passwordText = passwordTextType
	passwordDig  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)

// withHeader builds a getRepositoryInfo envelope with the given header
// content, envelope prefix S.
func withHeader(header string) string {
	return `<S:Envelope xmlns:S="` + soap11NS + `"><S:Header>` + header + `</S:Header><S:Body>` +
		`<getRepositoryInfo xmlns="` + cmis.MessagingNS + `"><repositoryId>A1</repositoryId></getRepositoryInfo></S:Body></S:Envelope>`
}

func token(user, pass, typ string) string {
	t := ""
	if typ != "" {
		t = ` Type="` + typ + `"`
	}
	return `<wsse:UsernameToken><wsse:Username>` + user + `</wsse:Username><wsse:Password` + t + `>` + pass + `</wsse:Password></wsse:UsernameToken>`
}

func TestWSSecurity(t *testing.T) {
	sec := func(attrs, inner string) string {
		return `<wsse:Security xmlns:wsse="` + wsseNS + `"` + attrs + `>` + inner + `</wsse:Security>`
	}
	tests := []struct {
		name     string
		header   string
		auth     func(*http.Request)
		status   int
		code     string
		typ      cmis.ErrorType
		wantUser string
	}{
		{name: "JAX-WS/WCF: S:mustUnderstand=1", header: sec(` S:mustUnderstand="1"`, token("test", "test", passwordText)), status: 200, wantUser: "test"},
		{name: "suds: unqualified mustUnderstand=true", header: sec(` mustUnderstand="true"`, token("test", "test", passwordText)), status: 200, wantUser: "test"},
		{name: "zeep: no mustUnderstand", header: sec(``, token("test", "test", passwordText)), status: 200, wantUser: "test"},
		{name: "password Type missing is PasswordText", header: sec(` S:mustUnderstand="1"`, token("test", "test", "")), status: 200, wantUser: "test"},
		{
			name: "node: wsu:Timestamp first, odd wsu:Id, wsu:Created in the token",
			header: `<wsse:Security S:mustUnderstand="1" xmlns:wsse="` + wsseNS + `" xmlns:wsu="` + wsuNS + `">` +
				`<wsu:Timestamp wsu:Id="Timestamp-2026-11-29T07:18:24Z"><wsu:Created>2026-11-29T07:18:24Z</wsu:Created><wsu:Expires>2026-11-29T07:28:24Z</wsu:Expires></wsu:Timestamp>` +
				`<wsse:UsernameToken xmlns:wsu="` + wsuNS + `" wsu:Id="SecurityToken-2026-11-29T07:18:24Z"><wsse:Username>test</wsse:Username><wsse:Password Type="` + passwordText + `">test</wsse:Password><wsu:Created>2026-11-29T07:18:24Z</wsu:Created></wsse:UsernameToken></wsse:Security>`,
			status: 200, wantUser: "test",
		},
		{
			name: "libcmis: Timestamp in the wsse namespace",
			header: sec(``, `<wsse:Timestamp><wsse:Created>2026-11-29T07:10:00Z</wsse:Created><wsse:Expires>2026-11-30T07:10:00Z</wsse:Expires></wsse:Timestamp>`+
				token("test", "test", passwordText)),
			status: 200, wantUser: "test",
		},
		{
			name:   "expired timestamp",
			header: sec(``, `<wsu:Timestamp xmlns:wsu="`+wsuNS+`"><wsu:Created>2026-11-29T06:00:00Z</wsu:Created><wsu:Expires>2026-11-29T07:10:00Z</wsu:Expires></wsu:Timestamp>`+token("test", "test", passwordText)),
			status: 500, code: codeClient, typ: cmis.ErrPermissionDenied,
		},
		{
			name:   "expired within clock skew is accepted",
			header: sec(``, `<wsu:Timestamp xmlns:wsu="`+wsuNS+`"><wsu:Expires>2026-11-29T07:17:00.000Z</wsu:Expires></wsu:Timestamp>`+token("test", "test", passwordText)),
			status: 200, wantUser: "test",
		},
		{name: "PasswordDigest is no credentials: 401", header: sec(``, token("test", "digest==", passwordDig)), status: 401, code: codeClient, typ: cmis.ErrPermissionDenied},
		{name: "PasswordDigest falls back to Basic", header: sec(``, token("test", "digest==", passwordDig)), auth: basic("admin", "secret"), status: 200, wantUser: "admin"},
		{name: "no header, Basic", header: ``, auth: basic("test", "test"), status: 200, wantUser: "test"},
		{name: "UsernameToken wins over Basic", header: sec(``, token("test", "test", passwordText)), auth: basic("admin", "wrong"), status: 200, wantUser: "test"},
		{name: "no credentials: 401 challenge", header: ``, status: 401, code: codeClient, typ: cmis.ErrPermissionDenied},
		{name: "wrong password: permissionDenied", header: sec(` S:mustUnderstand="1"`, token("test", "nope", passwordText)), status: 500, code: codeServer, typ: cmis.ErrPermissionDenied},
		{name: "wrong Basic password: permissionDenied", auth: basic("test", "nope"), status: 500, code: codeServer, typ: cmis.ErrPermissionDenied},
		{
			name:   "other mustUnderstand header: MustUnderstand fault",
			header: sec(``, token("test", "test", passwordText)) + `<t:Tx xmlns:t="urn:tx" S:mustUnderstand="1"/>`,
			status: 500, code: codeMustUnderstand,
		},
	}
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.repo.user = ""
			sr := send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml; charset=utf-8", []byte(withHeader(tt.header)), tt.auth)
			if tt.status == 200 {
				if sr.status != 200 {
					t.Fatalf("status %d\n%s", sr.status, sr.root)
				}
				if env.repo.user != tt.wantUser {
					t.Errorf("user %q, want %q", env.repo.user, tt.wantUser)
				}
				return
			}
			checkFault(t, sr, tt.status, tt.code, tt.typ)
			if tt.status == 401 {
				if got := sr.header.Get("WWW-Authenticate"); got != `Basic realm="cmisd"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
			} else if sr.header.Get("WWW-Authenticate") != "" {
				t.Errorf("WWW-Authenticate on a %d", sr.status)
			}
		})
	}
}

// credentialsSeen is an Authenticator that keeps what it was handed.
type credentialsSeen struct {
	testAuth
	got chan cmis.Credentials
}

func (c credentialsSeen) Authenticate(ctx context.Context, cr cmis.Credentials) (*cmis.User, error) {
	c.got <- cr
	return c.testAuth.Authenticate(ctx, cr)
}

// Failed logins are counted per client address, so the Authenticator gets
// the TCP peer's IP (no port: each connection has its own), never what a
// header claims.
func TestAuthenticatorGetsPeerIP(t *testing.T) {
	seen := credentialsSeen{got: make(chan cmis.Credentials, 1)}
	env := newTestServer(t, func(c *Config) { c.Auth = seen })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	spoof := func(r *http.Request) {
		r.SetBasicAuth("test", "test")
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("X-Real-IP", "203.0.113.9")
	}
	if sr := send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml; charset=utf-8", []byte(withHeader("")), spoof); sr.status != 200 {
		t.Fatalf("status %d\n%s", sr.status, sr.root)
	}
	if got := <-seen.got; got.RemoteAddr != "127.0.0.1" || got.Username != "test" || got.Password != "test" {
		t.Fatalf("credentials %+v (password %q), want test from 127.0.0.1", got, got.Password)
	}
}

// The challenge comes in the encoding of the request (WCF's MTOM encoder
// cannot read a text/xml answer), before anything is dispatched.
func TestChallengeMTOM(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	body := mtomBody("c", [2]string{rootHeaders, withHeader("")})
	sr := send(t, ts.URL, "POST", "/services/RepositoryService", `multipart/related; type="application/xop+xml"; boundary=c`, []byte(body), nil)
	if !sr.mtom {
		t.Error("challenge to an MTOM request is not MTOM")
	}
	checkFault(t, sr, 401, codeClient, cmis.ErrPermissionDenied)
	if sr.header.Get("WWW-Authenticate") == "" {
		t.Error("no WWW-Authenticate")
	}
	if env.repo.last() != nil {
		t.Error("an unauthenticated request was dispatched")
	}
	// The same with Basic after the challenge passes.
	sr = send(t, ts.URL, "POST", "/services/RepositoryService", `multipart/related; type="application/xop+xml"; boundary=c`, []byte(body), basic("test", "test"))
	if sr.status != 200 || !sr.mtom {
		t.Fatalf("status %d mtom %v", sr.status, sr.mtom)
	}
}

func TestCredentialsParsing(t *testing.T) {
	s := wsSecurity{Tokens: []wsUsernameToken{
		{Username: "a"}, // no password element: unusable
		{Username: "b", Password: &wsPassword{Type: "x#PasswordDigest", Value: "d"}}, // digest: unusable
		{Username: " c ", Password: &wsPassword{Type: "wsse:PasswordText", Value: " p "}},
	}}
	u, p, ok := s.credentials()
	if !ok || u != "c" || p != " p " {
		t.Errorf("credentials %q %q %v", u, p, ok)
	}
	if !strings.HasSuffix(passwordText, "PasswordText") {
		t.Fatal("constant")
	}
}
