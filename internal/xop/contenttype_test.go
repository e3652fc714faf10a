package xop

import (
	"fmt"
	"math/rand/v2"
	"mime"
	"strconv"
	"strings"
	"testing"
)

func TestCIDMatch(t *testing.T) {
	tests := []struct {
		ref, cid string
		want     bool
	}{
		{"cid:a@b", "<a@b>", true},
		{"CID:a@b", "a@b", true},
		{"cid:a%40b", "<a@b>", true},
		{"cid:http://tempuri.org/1/2", "<http://tempuri.org/1/2>", true},
		{"cid:a%2Fb", "<a%2Fb>", true},
		{"<root>", "<root>", true},
		{"root", "<root>", true},
		{"cid:a@b", "<a@c>", false},
		{"", "<a>", false},
	}
	for _, tt := range tests {
		if got := cidMatch(tt.ref, tt.cid); got != tt.want {
			t.Errorf("cidMatch(%q, %q) = %v, want %v", tt.ref, tt.cid, got, tt.want)
		}
	}
}

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in     string
		mt     string
		params map[string]string
	}{
		{`multipart/related;start="<rootpart*f2@example.jaxws.sun.com>";type="application/xop+xml";boundary="uuid:f2";start-info="text/xml"`,
			"multipart/related", map[string]string{"start": "<rootpart*f2@example.jaxws.sun.com>", "boundary": "uuid:f2", "type": "application/xop+xml"}},
		{`multipart/related; type=application/xop+xml`, "multipart/related", map[string]string{"type": "application/xop+xml"}},
		{`Text/XML; Charset="UTF-8"`, "text/xml", map[string]string{"charset": "UTF-8"}},
		// Duplicate parameter and stray ';': mime.ParseMediaType refuses.
		{`multipart/related; boundary=a; boundary=b;; type="x"`, "multipart/related", map[string]string{"boundary": "a", "type": "x"}},
	}
	for _, tt := range tests {
		mt, params := ParseMediaType(tt.in)
		if mt != tt.mt {
			t.Errorf("%s: media type %q", tt.in, mt)
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.in, k, params[k], v)
			}
		}
	}
}

// A value parsed before comes back parsed the same, from the memo; the
// memo stops growing at its bound and parsing goes on.
func TestParseKnownMediaType(t *testing.T) {
	v := `application/xop+xml; charset=UTF-8; type="text/xml"`
	for range 2 {
		mt, params := ParseKnownMediaType(v)
		if mt != "application/xop+xml" || params["charset"] != "UTF-8" || params["type"] != "text/xml" {
			t.Fatalf("%q %v", mt, params)
		}
	}
	if _, ok := knownTypes.Load(v); !ok {
		t.Fatal("not kept")
	}
	for i := range 2 * maxKnownTypes {
		v := "text/xml; n=" + strconv.Itoa(i)
		if mt, params := ParseKnownMediaType(v); mt != "text/xml" || params["n"] != strconv.Itoa(i) {
			t.Fatalf("%s: %q %v", v, mt, params)
		}
	}
	if n := knownTypeCount.Load(); n > maxKnownTypes {
		t.Errorf("%d values kept, the bound is %d", n, maxKnownTypes)
	}
}

// The fast path parses what clients send without help and agrees with
// mime.ParseMediaType wherever it answers: on the clients' values and on
// random mixes of the characters that matter to the syntax.
func TestParseSimpleMediaTypeMatchesMime(t *testing.T) {
	clients := []string{
		`multipart/related; type="application/xop+xml"; boundary="uuid:0f1e"; start="<root.message@cxf.apache.org>"; start-info="text/xml"`,
		`multipart/related;type="application/xop+xml";start="<http://tempuri.org/0>";boundary="uuid:a+id=1";start-info="text/xml"`,
		`application/xop+xml; charset=UTF-8; type="text/xml"`,
		`text/xml; charset=utf-8`,
		`Text/XML`,
	}
	for _, v := range clients {
		if _, _, ok := parseSimpleMediaType(v); !ok {
			t.Errorf("%q left to mime.ParseMediaType", v)
		}
	}
	pieces := []string{"text", "/", "xml", ";", " ", "\t", "=", `"`, "a", "B", "*", "\\", "\r\n", "\v", "é", ",", "<x@y>", "0"}
	rng := rand.New(rand.NewPCG(3, 4))
	cases := clients
	for range 20000 {
		var b strings.Builder
		b.WriteString([]string{"text/xml", "multipart/Related", "a/b", ""}[rng.IntN(4)])
		for range rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	answered := 0
	for _, v := range cases {
		mt, params, ok := parseSimpleMediaType(v)
		if !ok {
			continue
		}
		answered++
		wmt, wparams, err := mime.ParseMediaType(v)
		if err != nil || mt != wmt || fmt.Sprint(params) != fmt.Sprint(wparams) {
			t.Fatalf("%q: %q %v, mime.ParseMediaType %q %v %v", v, mt, params, wmt, wparams, err)
		}
	}
	if answered < 1000 {
		t.Errorf("the fast path answered only %d of %d values", answered, len(cases))
	}
}
