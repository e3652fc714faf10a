package xsd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// xmlTokens is what encoding/xml's Decoder (Strict, UTF-8 only, as the
// server used it) reads from data: one line per token, then the error
// that ended it ("EOF" at a clean end).
func xmlTokens(data []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(strings.TrimSpace(label)) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, errors.New("unsupported")
	}
	var out []string
	for {
		tok, err := d.Token()
		if err != nil {
			return append(out, errLine(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var attrs []string
			for _, a := range t.Attr {
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", a.Name.Space, a.Name.Local, a.Value))
			}
			out = append(out, fmt.Sprintf("start {%s}%s %s", t.Name.Space, t.Name.Local, strings.Join(attrs, " ")))
		case xml.EndElement:
			out = append(out, fmt.Sprintf("end {%s}%s", t.Name.Space, t.Name.Local))
		case xml.CharData:
			out = append(out, fmt.Sprintf("text %q", t))
		case xml.Comment:
			out = append(out, fmt.Sprintf("comment %q", t))
		case xml.ProcInst:
			out = append(out, fmt.Sprintf("pi %q %q", t.Target, t.Inst))
		case xml.Directive:
			return append(out, "directive")
		}
	}
}

// readerTokens is the same for Reader.
func readerTokens(data []byte) []string {
	r := NewReader(data, 1000)
	var out []string
	for {
		k, err := r.Next()
		if err != nil {
			if err == ErrDoctype {
				return append(out, "directive")
			}
			return append(out, errLine(err))
		}
		switch k {
		case EOF:
			return append(out, "EOF")
		case StartElement:
			var attrs []string
			for i := range r.AttrCount() {
				a := r.Attr(i)
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", a.Space, a.Local, a.Value))
			}
			out = append(out, fmt.Sprintf("start {%s}%s %s", r.Space(), r.Local(), strings.Join(attrs, " ")))
		case EndElement:
			out = append(out, fmt.Sprintf("end {%s}%s", r.Space(), r.Local()))
		case CharData:
			out = append(out, fmt.Sprintf("text %q", r.Text()))
		case Comment:
			out = append(out, fmt.Sprintf("comment %q", r.Text()))
		case ProcInst:
			out = append(out, fmt.Sprintf("pi %q %q", r.Target(), r.Text()))
		}
	}
}

// errLine names an error by the text a client is told of it.
func errLine(err error) string {
	var se *xml.SyntaxError
	var re *SyntaxError
	var ve *ErrVersion
	var ee *ErrEncoding
	switch {
	case err == io.EOF:
		return "EOF"
	case errors.As(err, &se):
		return "syntax: " + se.Msg
	case errors.As(err, &re):
		return "syntax: " + re.Msg
	case errors.As(err, &ve):
		return "error: " + ve.Error()
	case errors.As(err, &ee), strings.Contains(err.Error(), "opening charset"):
		return "encoding"
	case strings.HasPrefix(err.Error(), "xml: unsupported version"):
		return "error: " + err.Error()
	}
	return "other: " + err.Error()
}

// sameTokens compares the two token streams. encoding/xml reads a whole
// <!DOCTYPE …> before the caller can refuse it; Reader refuses it at its
// "<!": at that point encoding/xml may instead report the directive's own
// syntax error.
func sameTokens(t *testing.T, data []byte) {
	t.Helper()
	want, got := xmlTokens(data), readerTokens(data)
	n := len(got)
	if got[n-1] == "directive" && len(want) >= n && strings.Join(want[:n-1], "\n") == strings.Join(got[:n-1], "\n") {
		return
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("input %q\nencoding/xml:\n%s\nReader:\n%s", data, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

var readerCases = []string{
	``,
	`<a/>`,
	`<?xml version="1.0" encoding="UTF-8"?><a x="1" y='2'>t</a>`,
	`<?xml version="1.1"?><a/>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
	`<?xml version="1.0" encoding=" utf8 "?><a/>`,
	`<?xml encoding=""?><a/>`,
	`<?xml encoding="  "?><a/>`,
	`<s:E xmlns:s="urn:s" xmlns="urn:d"><s:B><c/><d xmlns="">x</d><e xmlns:s="urn:t"><s:f/></e></s:B></s:E>`,
	`<a:b></a:b>`,
	`<a:b xmlns:a="u"></c:b>`,
	`<a></b>`,
	`<a:b:c/>`,
	`<:a/>`,
	`<a:/>`,
	`<1a/>`,
	`<a 1="x"/>`,
	`<a x/>`,
	`<a x=y/>`,
	`<a x="1"y="2"/>`,
	`<a x="<"/>`,
	`<a x="a&lt;b&#65;&#x42;&#X43;"/>`,
	"<a x=\"l1\r\nl2\rl3\">t1\r\nt2\rt3</a>",
	"<a>&#13;&#10;&#9;</a>",
	`<a>&#0;</a>`,
	`<a>&#xD800;</a>`,
	`<a>&#x110000;</a>`,
	`<a>&#99999999999999999999;</a>`,
	`<a>&amp</a>`,
	`<a>&foo;</a>`,
	`<a>&;</a>`,
	`<a>& b</a>`,
	`<a>&#;</a>`,
	`<a>]]></a>`,
	`<a>]]&gt;</a>`,
	`<a>]]]></a>`,
	"<a>\x01</a>",
	"<a>\xff</a>",
	"<a x=\"\xff\"/>",
	"<a>\uFFFE</a>",
	`<a><![CDATA[<x>&amp;]]]]></a>`,
	"<a><![CDATA[x\r\ny]]></a>",
	`<a><![CDATA[open`,
	`<a><![CDAT[x]]></a>`,
	`<a><!-- c --></a>`,
	`<a><!----></a>`,
	`<a><!-- a -- b --></a>`,
	`<a><!-- a ---></a>`,
	`<a><!- x --></a>`,
	`<a><?pi data?></a>`,
	`<a><? pi?></a>`,
	`<a><?pi?></a>`,
	`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
	`<a><!ELEMENT x></a>`,
	`<a>`,
	`<a x="1`,
	"<a x=\"\xff",
	`<a><b>`,
	`</a>`,
	`<a/></a>`,
	`<a/ >`,
	`<a></a >`,
	`<a></a b>`,
	`<a xml:lang="en" xmlns:xml="urn:x"><xml:b/></a>`,
	`<xmlns:a xmlns:xmlns="u"/>`,
	`<a xmlns:p="" p:x="1"><p:b/></a>`,
	`<a un:x="1"><un:b/></a>`,
	`<ä ö="ü">é</ä>`,
	"<a\u00b7/>",
	"<\u00b7a/>",
	"<a>text</a>trailing",
	"  <a/>  <b/>",
	"<a>\t\n </a>",
	`<a b="&quot;&apos;"/>`,
	`<`,
	`<a`,
	`<a `,
	`<a b`,
	`<a b=`,
	`<a b=">`,
	`</`,
	`<!`,
	`<!-`,
	`<?`,
	`<?x`,
	`<?x ?`,
	`<a>&`,
	`<a>&#`,
	`<a>&#x`,
	`<a>&lt`,
}

func TestReaderMatchesEncodingXML(t *testing.T) {
	for _, c := range readerCases {
		sameTokens(t, []byte(c))
	}
}

func FuzzReader(f *testing.F) {
	for _, c := range readerCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameTokens(t, data)
	})
}

func TestReaderLimits(t *testing.T) {
	deep := strings.Repeat("<a>", 11) + strings.Repeat("</a>", 11)
	var le *LimitError
	if _, err := drain(NewReader([]byte(deep), 10)); !errors.As(err, &le) || le.What != "depth" {
		t.Errorf("depth: %v", err)
	}
	if _, err := drain(NewReader([]byte(deep), 11)); err != nil {
		t.Errorf("depth 11 of 11: %v", err)
	}
	many := "<a" + strings.Repeat(` x="1"`, maxAttrs+1) + "/>"
	if _, err := drain(NewReader([]byte(many), 10)); !errors.As(err, &le) || le.What != "attributes" {
		t.Errorf("attributes: %v", err)
	}
	var ns strings.Builder
	for i := range maxBindings + 1 {
		fmt.Fprintf(&ns, "<e xmlns:p%d='u'>", i)
	}
	if _, err := drain(NewReader([]byte(ns.String()), 1000)); !errors.As(err, &le) || le.What != "namespaces" {
		t.Errorf("namespaces: %v", err)
	}
}

func drain(r *Reader) (int, error) {
	n := 0
	for {
		k, err := r.Next()
		if err != nil || k == EOF {
			return n, err
		}
		n++
	}
}

// A token costs no allocation once the Reader's buffers have grown.
func TestReaderDoesNotAllocate(t *testing.T) {
	doc := []byte(`<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="urn:s" xmlns:m="urn:m"><s:Body><m:op a="x&amp;y">` +
		`<m:v>text &lt; more</m:v><m:w><![CDATA[cdata]]></m:w><!-- c --></m:op></s:Body></s:Envelope>`)
	r := NewReader(doc, 64)
	drain(r)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(doc, 64)
		if _, err := drain(r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per document", allocs)
	}
}
