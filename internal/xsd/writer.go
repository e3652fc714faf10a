package xsd

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Writer writes XML for the generated types' WriteXML methods: no
// reflection, element names with fixed prefixes (cmis:, cmism:, xsi:) that
// the caller declares once, text and attribute values escaped as
// encoding/xml escapes them.
//
// It appends to an internal buffer. With an output set (SetOutput), a full
// buffer is handed to the output and reused, so a large response streams
// in bounded memory; without one everything stays in the buffer (Bytes).
// The first error sticks: later writes do nothing, and Err reports it.
type Writer struct {
	buf     []byte
	limit   int
	out     func(p []byte) error
	flushed int64
	err     error

	// V10 asks the generated writers for CMIS 1.0: elements and attributes
	// the CMIS 1.0 schema does not define are left out, and an enumeration
	// value that 1.0 does not define is an error.
	V10 bool

	// Stream writes the content of a <stream> element between its tags;
	// nil writes an xop:Include naming the stream's Href.
	Stream func(w *Writer, s *Stream)
}

// NewWriter returns a Writer appending to buf[:0].
func NewWriter(buf []byte) *Writer { return &Writer{buf: buf[:0]} }

// Reset empties the writer for reuse, keeping its buffer and settings.
func (w *Writer) Reset() {
	w.buf, w.flushed, w.err, w.out, w.limit = w.buf[:0], 0, nil, nil, 0
}

// SetOutput makes the writer hand its buffer to out whenever it holds more
// than limit bytes. Flush hands over the rest.
func (w *Writer) SetOutput(limit int, out func(p []byte) error) { w.limit, w.out = limit, out }

// Bytes is what the writer holds (all of it when nothing was flushed).
func (w *Writer) Bytes() []byte { return w.buf }

// Flushed is how many bytes went to the output so far.
func (w *Writer) Flushed() int64 { return w.flushed }

// Err is the first error met.
func (w *Writer) Err() error { return w.err }

// Fail records err unless an error was recorded before.
func (w *Writer) Fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Flush hands everything buffered to the output.
func (w *Writer) Flush() error {
	if w.err == nil && w.out != nil && len(w.buf) > 0 {
		if err := w.out(w.buf); err != nil {
			w.err = err
		}
		w.flushed += int64(len(w.buf))
		w.buf = w.buf[:0]
	}
	return w.err
}

func (w *Writer) grown() {
	if w.out != nil && len(w.buf) > w.limit {
		w.Flush()
	}
}

// Raw appends s as it is (markup the caller vouches for).
func (w *Writer) Raw(s string) {
	if w.err == nil {
		w.buf = append(w.buf, s...)
		w.grown()
	}
}

// RawBytes appends p as it is.
func (w *Writer) RawBytes(p []byte) {
	if w.err == nil {
		w.buf = append(w.buf, p...)
		w.grown()
	}
}

// Start opens a start tag: "<name". Attributes may follow; Close or
// EmptyEnd finishes it.
func (w *Writer) Start(name string) {
	w.buf = append(append(w.buf, '<'), name...)
}

// Close ends a start tag: ">".
func (w *Writer) Close() { w.buf = append(w.buf, '>') }

// EmptyEnd ends a start tag as an empty element: "/>".
func (w *Writer) EmptyEnd() {
	w.buf = append(w.buf, '/', '>')
	w.grown()
}

// End writes the end tag "</name>".
func (w *Writer) End(name string) {
	b := append(w.buf, '<', '/')
	b = append(b, name...)
	w.buf = append(b, '>')
	w.grown()
}

// Attr writes ` name="value"`, the value escaped.
func (w *Writer) Attr(name, value string) {
	// One store into w.buf: each one costs a write barrier while the
	// collector runs, which is often in a large listing.
	b := append(w.buf, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendEscaped(b, value, true)
	w.buf = append(b, '"')
}

// Attrs are attributes written and escaped once (the generated SetAttrs)
// for values that many elements of a response repeat (a property
// definition's names on each object's property): writing them is a copy.
type Attrs string

// RawAttrs writes attributes written once.
func (w *Writer) RawAttrs(a Attrs) { w.buf = append(w.buf, a...) }

// Text writes character data, escaped.
func (w *Writer) Text(s string) {
	w.buf = appendEscaped(w.buf, s, false)
	w.grown()
}

// Elem writes <name>text</name>.
func (w *Writer) Elem(name, text string) {
	b := append(w.buf, '<')
	b = append(b, name...)
	b = append(b, '>')
	w.buf = appendEscaped(b, text, false)
	w.End(name)
}

// BoolElem writes <name>true</name> or <name>false</name>.
func (w *Writer) BoolElem(name string, v bool) {
	w.Start(name)
	w.Close()
	w.buf = strconv.AppendBool(w.buf, v)
	w.End(name)
}

// IntElem writes an xs:integer element.
func (w *Writer) IntElem(name string, v int64) {
	w.Start(name)
	w.Close()
	w.buf = strconv.AppendInt(w.buf, v, 10)
	w.End(name)
}

// BoolAttr, IntAttr write attributes of those types.
func (w *Writer) BoolAttr(name string, v bool) { w.Attr(name, strconv.FormatBool(v)) }
func (w *Writer) IntAttr(name string, v int64) { w.Attr(name, strconv.FormatInt(v, 10)) }

// DateTimeElem writes an xs:dateTime element as MarshalText does.
func (w *Writer) DateTimeElem(name string, t DateTime) {
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		w.Fail(errors.New("xsd: year " + strconv.Itoa(y) + " outside xs:dateTime range written by cmisd"))
		return
	}
	w.Start(name)
	w.Close()
	w.buf = u.AppendFormat(w.buf, dateTimeOut)
	w.End(name)
}

// DecimalElem writes an xs:decimal element; an invalid value is an error.
func (w *Writer) DecimalElem(name string, d Decimal) {
	if _, err := d.MarshalText(); err != nil {
		w.Fail(err)
		return
	}
	w.Elem(name, string(d))
}

// StreamElem writes a <stream> element through the Stream hook.
func (w *Writer) StreamElem(name string, s *Stream) {
	w.Start(name)
	w.Close()
	if w.Stream != nil {
		w.Stream(w, s)
	} else if s.Href == "" {
		w.Fail(errors.New("xsd: Stream without Href cannot be written"))
	} else {
		w.Raw(`<xop:Include xmlns:xop="` + XOPNS + `" href="cid:`)
		w.buf = appendEscaped(w.buf, s.Href, true)
		w.Raw(`"/>`)
	}
	w.End(name)
}

// XsiType writes xsi:type="cmis:<local>" (as XsiType.MarshalXMLAttr).
func (w *Writer) XsiType(t XsiType) {
	if t != "" {
		w.Attr("xsi:type", "cmis:"+string(t))
	}
}

// AnyAttrs writes attributes from other namespaces, each with a prefix
// declared on the element itself.
func (w *Writer) AnyAttrs(as AnyAttrs) {
	for i, a := range as {
		if a.Name.Space == "" {
			w.Attr(a.Name.Local, a.Value)
			continue
		}
		p := "a" + strconv.Itoa(i)
		w.Attr("xmlns:"+p, a.Name.Space)
		w.Attr(p+":"+a.Name.Local, a.Value)
	}
}

// Any writes an extension element: its name in its own namespace (a
// default namespace declaration), its attributes and its self-contained
// inner XML.
func (w *Writer) Any(a *Any) {
	if a.XMLName.Local == "" {
		w.Fail(errors.New("xsd: Any without element name"))
		return
	}
	w.Start(a.XMLName.Local)
	w.Attr("xmlns", a.XMLName.Space)
	w.AnyAttrs(AnyAttrs(withoutNamespaceDecls(a.Attrs)))
	w.Close()
	w.Raw(a.InnerXML)
	w.End(a.XMLName.Local)
}

// plainText and plainAttr mark the bytes appendEscaped copies as they are
// in text and in attribute values: printable ASCII other than markup
// characters, and in text tab and newline.
var plainText, plainAttr = plainBytes(false), plainBytes(true)

func plainBytes(attr bool) (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `<>&"'` {
		t[c] = false
	}
	t['\t'], t['\n'] = !attr, !attr
	return t
}

// appendEscaped appends s escaped as encoding/xml's EscapeText does (attr:
// also '"' and the white space that attribute normalisation would eat):
// markup characters become entities, and bytes that are not valid XML
// characters become U+FFFD. Most values have nothing to escape: they are
// found so by a table lookup a byte and appended whole.
func appendEscaped(b []byte, s string, attr bool) []byte {
	plain := &plainText
	if attr {
		plain = &plainAttr
	}
	// The common value needs no escape: this loop, without the one
	// below's tests, finds that in half the time (BenchmarkAppendEscaped).
	i := 0
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i == len(s) {
		return append(b, s...)
	}
	last := 0
	for i < len(s) {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		var esc string
		width := 1
		switch {
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '&':
			esc = "&amp;"
		case c == '"':
			esc = "&#34;"
		case c == '\'':
			esc = "&#39;"
		case c == '\t':
			esc = "&#x9;" // in an attribute: in text it is plain
		case c == '\n':
			esc = "&#xA;"
		case c == '\r':
			esc = "&#xD;"
		case c < 0x20:
			esc = "\uFFFD"
		default: // c >= utf8.RuneSelf
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if (r == utf8.RuneError && n == 1) || !isXMLChar(r) {
				esc = "\uFFFD"
			}
		}
		if esc == "" {
			i += width
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

// isXMLChar reports whether r is a Char of XML 1.0 (above U+007F).
func isXMLChar(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
