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
	if mt, params, ok := parseSimpleMediaType(v); ok {
		return mt, params
	}
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

// parseSimpleMediaType parses what clients send, a type/subtype and
// parameters name=token or name="quoted text without backslashes", as
// mime.ParseMediaType does, with the values cut from v rather than copied.
// For anything else (RFC 2231 names, escapes, repeated names, unusual
// white space) it reports false and mime.ParseMediaType decides.
func parseSimpleMediaType(v string) (string, map[string]string, bool) {
	base, rest, _ := strings.Cut(v, ";")
	mt := strings.ToLower(trimBlanks(base))
	typ, sub := consumeToken(mt)
	if typ == "" || len(sub) < 2 || sub[0] != '/' {
		return "", nil, false
	}
	if sub, tail := consumeToken(sub[1:]); sub == "" || tail != "" {
		return "", nil, false
	}
	params := make(map[string]string, strings.Count(rest, "="))
	for rest = trimBlanks(rest); rest != ""; rest = trimBlanks(rest) {
		if len(params) > 0 {
			var ok bool
			if rest, ok = strings.CutPrefix(rest, ";"); !ok {
				return "", nil, false
			}
		}
		key, r := consumeToken(trimBlanks(rest))
		r, ok := strings.CutPrefix(trimBlanks(r), "=")
		if key == "" || !ok || strings.Contains(key, "*") {
			return "", nil, false
		}
		key = strings.ToLower(key)
		var val string
		if val, rest, ok = consumeSimpleValue(trimBlanks(r)); !ok {
			return "", nil, false
		}
		if _, dup := params[key]; dup {
			return "", nil, false
		}
		params[key] = val
	}
	return mt, params, true
}

// consumeSimpleValue cuts a token, or a quoted string without escapes or
// line breaks, from the front of v.
func consumeSimpleValue(v string) (value, rest string, ok bool) {
	if q, ok := strings.CutPrefix(v, `"`); ok {
		end := strings.IndexAny(q, "\"\\\r\n")
		if end < 0 || q[end] != '"' {
			return "", "", false
		}
		return q[:end], q[end+1:], true
	}
	value, rest = consumeToken(v)
	return value, rest, value != ""
}

// consumeToken cuts the longest token (RFC 2045) from the front of v.
func consumeToken(v string) (token, rest string) {
	for i := range len(v) {
		if c := v[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return v[:i], v[i:]
		}
	}
	return v, ""
}

// trimBlanks trims spaces and tabs; any other white space leaves
// parseSimpleMediaType to mime.ParseMediaType.
func trimBlanks(s string) string { return strings.Trim(s, " \t") }

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
