package xsd

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"strings"
	"testing"
)

// escapeRef is encoding/xml's escaping, with tab and newline kept in text
// (the writer leaves them as they are there; attribute values need them
// as references).
func escapeRef(s string, attr bool) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	if attr {
		return b.String()
	}
	return strings.NewReplacer("&#x9;", "\t", "&#xA;", "\n").Replace(b.String())
}

// appendEscaped, plain values and all, escapes as encoding/xml does: markup,
// quotes, carriage returns, control bytes, invalid UTF-8 and non-characters.
func TestAppendEscapedMatchesEncodingXML(t *testing.T) {
	pieces := []string{"a", "Zz09", " ", "<", ">", "&", `"`, "'", "\t", "\n", "\r", "\x01", "\x7f",
		"é", "日本", "\xff", "\xc3", "\uFFFE", "\U0001F600", "\ud7ff", "&#xA;"}
	cases := []string{"", "plain text with nothing to escape", "cmis:document", "a<b", "\uFFFD"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		for _, attr := range []bool{false, true} {
			got := string(appendEscaped([]byte("prefix"), s, attr))
			if want := "prefix" + escapeRef(s, attr); got != want {
				t.Fatalf("appendEscaped(%q, attr %v) = %q, want %q", s, attr, got, want)
			}
		}
	}
}

func BenchmarkAppendEscaped(b *testing.B) {
	buf := make([]byte, 0, 256)
	for _, s := range []string{"cmis:lastModificationDate", "a value that says <nothing> & more"} {
		b.Run(s[:6], func(b *testing.B) {
			for b.Loop() {
				buf = appendEscaped(buf[:0], s, false)
			}
		})
	}
}
