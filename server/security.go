package server

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/xsd"
)

// WS-Security (UsernameToken profile) and HTTP Basic.
//
// Element names are matched by local name only: clients put wsu:Timestamp
// in the wsse namespace (libcmis) or declare wsu on the token (node), and
// the only thing that matters is the shape.

const (
	wsseNS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// Timestamps expired by more than this are refused.
	clockSkew = 5 * time.Minute
	realm     = "cmisd"
)

var securityNamespaces = map[string]bool{
	wsseNS: true,
	"http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd": true,
	"http://schemas.xmlsoap.org/ws/2002/07/secext":                       true,
	"http://schemas.xmlsoap.org/ws/2002/04/secext":                       true,
}

func isSecurityHeader(space string, local []byte) bool {
	return string(local) == "Security" && securityNamespaces[space]
}

// wsSecurity is what the wsse:Security header entries hold.
type wsSecurity struct {
	Timestamps []wsTimestamp
	Tokens     []wsUsernameToken
}

type wsTimestamp struct {
	Created, Expires string
}

type wsUsernameToken struct {
	Username string
	Password *wsPassword
}

type wsPassword struct {
	Type  string // the Type attribute
	Value string
}

// read reads a wsse:Security header entry whose start tag r has just
// read: the children Timestamp (Created, Expires) and UsernameToken
// (Username, Password with its Type) in any namespace; the text of an
// element is its own text, other elements are skipped; a field met twice
// keeps the last.
func (s *wsSecurity) read(r *xsd.Reader) error {
	return eachChild(r, func(local []byte) error {
		switch string(local) {
		case "Timestamp":
			var ts wsTimestamp
			err := eachChild(r, func(local []byte) error {
				switch string(local) {
				case "Created":
					return readText(r, &ts.Created)
				case "Expires":
					return readText(r, &ts.Expires)
				}
				return r.Skip()
			})
			s.Timestamps = append(s.Timestamps, ts)
			return err
		case "UsernameToken":
			var t wsUsernameToken
			err := eachChild(r, func(local []byte) error { return t.readChild(r, local) })
			s.Tokens = append(s.Tokens, t)
			return err
		}
		return r.Skip()
	})
}

func (t *wsUsernameToken) readChild(r *xsd.Reader, local []byte) error {
	switch string(local) {
	case "Username":
		return readText(r, &t.Username)
	case "Password":
		if t.Password == nil {
			t.Password = new(wsPassword)
		}
		for i := range r.AttrCount() {
			if a := r.Attr(i); string(a.Local) == "Type" {
				t.Password.Type = passwordType(a.Value)
			}
		}
		return readText(r, &t.Password.Value)
	}
	return r.Skip()
}

// eachChild calls fn for every child element of the element whose start
// tag was just read, positioned on the child's start tag; fn reads the
// child to its end.
func eachChild(r *xsd.Reader, fn func(local []byte) error) error {
	for {
		ok, err := nextChild(r)
		if !ok || err != nil {
			return err
		}
		if err := fn(r.Local()); err != nil {
			return err
		}
	}
}

// passwordTextType is the Type every client writes on its password.
const passwordTextType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"

// passwordType is v as a string, without a copy of the usual one.
func passwordType(v []byte) string {
	if string(v) == passwordTextType {
		return passwordTextType
	}
	return string(v)
}

// readText sets *s to the text directly in the element whose start tag
// was just read (its child elements skipped).
func readText(r *xsd.Reader, s *string) error {
	*s = ""
	for {
		k, err := r.Next()
		if err != nil {
			return err
		}
		switch k {
		case xsd.CharData:
			*s += string(r.Text()) // one piece, one copy
		case xsd.StartElement:
			if err := r.Skip(); err != nil {
				return err
			}
		case xsd.EndElement:
			return nil
		}
	}
}

// credentials returns the first usable UsernameToken: one with a username
// and a PasswordText password (Type missing means PasswordText). Digest
// passwords are not usable: the server only holds password hashes.
func (s *wsSecurity) credentials() (user, pass string, ok bool) {
	for _, t := range s.Tokens {
		u := strings.TrimSpace(t.Username)
		if u == "" || t.Password == nil {
			continue
		}
		typ := strings.TrimSpace(t.Password.Type)
		if typ != "" && !strings.HasSuffix(typ, "PasswordText") {
			continue
		}
		return u, t.Password.Value, true
	}
	return "", "", false
}

// checkTimestamps refuses a message whose wsu:Timestamp has expired
// (allowing for clock skew). Unparsable values are ignored.
func (s *wsSecurity) checkTimestamps(now time.Time) error {
	for _, ts := range s.Timestamps {
		if strings.TrimSpace(ts.Expires) == "" {
			continue
		}
		exp, ok := parseWSUTime(ts.Expires)
		if !ok {
			continue
		}
		if exp.Before(now.Add(-clockSkew)) {
			return &requestError{typ: cmis.ErrPermissionDenied,
				msg: "the WS-Security timestamp expired at " + exp.UTC().Format(time.RFC3339)}
		}
	}
	return nil
}

func parseWSUTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// errNoCredentials is the challenge for a request without credentials.
var errNoCredentials = &requestError{typ: cmis.ErrPermissionDenied, status: http.StatusUnauthorized,
	msg: "authentication required: send a WS-Security UsernameToken or HTTP Basic credentials"}

// authenticate finds the credentials (UsernameToken first, HTTP Basic as
// fallback) and verifies them.
func (s *Server) authenticate(ctx context.Context, r *http.Request, env *envelope) (*cmis.User, error) {
	user, pass, ok := env.security.credentials()
	if !ok {
		user, pass, ok = r.BasicAuth()
	}
	if !ok {
		return nil, errNoCredentials
	}
	u, err := s.cfg.Auth.Authenticate(ctx, cmis.Credentials{Username: user, Password: pass, RemoteAddr: peerIP(r)})
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, cmis.Errorf(cmis.ErrPermissionDenied, "authentication failed")
	}
	return u, nil
}

// peerIP is the IP of the TCP peer. Failed logins are counted per address,
// so it is never taken from a header the client writes (X-Forwarded-For).
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
