package xop

import (
	"mime"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// ParseMediaType parses a Content-Type value leniently: the media type is
// lower-cased, parameter names are lower-cased, values are unquoted. It
// accepts what mime.ParseMediaType accepts and, where that fails
// (duplicate parameters, stray semicolons, odd quoting), falls back to a
// plain split on ';' outside quotes.
func ParseMediaType(v string) (string, map[string]string) {
	if mt, params, err := mime.ParseMediaType(v); err == nil {
		return mt, params
	}
	parts := splitParams(v)
	if len(parts) == 0 {
		return "", map[string]string{}
	}
	mt := strings.ToLower(strings.TrimSpace(parts[0]))
	params := make(map[string]string, len(parts)-1)
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		if _, dup := params[k]; !dup && k != "" {
			params[k] = val
		}
	}
	return mt, params
}

// knownTypes memoises ParseMediaType for Content-Type values that repeat
// from request to request (a client's root part, a type parameter), up
// to maxKnownTypes of them: parsing one allocated a map and its strings
// every time.
var (
	knownTypes     sync.Map // string -> parsedType
	knownTypeCount atomic.Int32
)

const maxKnownTypes = 64

type parsedType struct {
	mt     string
	params map[string]string
}

// ParseKnownMediaType is ParseMediaType for a value that repeats: the
// params of a value parsed before are returned again, shared, and must
// not be changed. Values unique to a request (a boundary) belong to
// ParseMediaType.
func ParseKnownMediaType(v string) (string, map[string]string) {
	if p, ok := knownTypes.Load(v); ok {
		pt := p.(parsedType)
		return pt.mt, pt.params
	}
	mt, params := ParseMediaType(v)
	if knownTypeCount.Load() < maxKnownTypes {
		if _, loaded := knownTypes.LoadOrStore(v, parsedType{mt, params}); !loaded {
			knownTypeCount.Add(1)
		}
	}
	return mt, params
}

// splitParams splits on ';' outside double quotes.
func splitParams(v string) []string {
	var out []string
	var quoted bool
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// normCID normalises a Content-ID header value or a cid: URL to the bare
// identifier: surrounding blanks, "cid:" and <> removed.
func normCID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "cid:") {
		s = s[4:]
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSpace(s)
}

// cidMatch reports whether a reference (an xop:Include href or a start
// parameter) names the part with Content-ID cid. It compares literally
// first (WCF's Content-IDs are URLs that must not be unescaped), then with
// URL escapes (%40 for @) decoded on either side.
func cidMatch(ref, cid string) bool {
	r, c := normCID(ref), normCID(cid)
	if r == "" || c == "" {
		return r == c && r != ""
	}
	if r == c {
		return true
	}
	ru, rerr := url.PathUnescape(r)
	cu, cerr := url.PathUnescape(c)
	switch {
	case rerr == nil && ru == c:
		return true
	case cerr == nil && cu == r:
		return true
	case rerr == nil && cerr == nil && ru == cu:
		return true
	}
	return false
}
