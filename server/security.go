package server

import (
	"context"
	"encoding/xml"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
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

func isSecurityHeader(n xml.Name) bool {
	return n.Local == "Security" && securityNamespaces[n.Space]
}

type wsSecurity struct {
	Timestamps []wsTimestamp     `xml:"Timestamp"`
	Tokens     []wsUsernameToken `xml:"UsernameToken"`
}

type wsTimestamp struct {
	Created string `xml:"Created"`
	Expires string `xml:"Expires"`
}

type wsUsernameToken struct {
	Username string      `xml:"Username"`
	Password *wsPassword `xml:"Password"`
}

type wsPassword struct {
	Type  string `xml:"Type,attr"`
	Value string `xml:",chardata"`
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
