// Package xsd holds the XML Schema value types that the generated CMIS
// bindings (package generated) use where encoding/xml alone gets the wire
// format wrong. It is a leaf package: it imports only the standard library.
package xsd

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Namespaces used by the types of this package.
const (
	// XSINS is the XML Schema instance namespace (xsi:type, xsi:nil).
	XSINS = "http://www.w3.org/2001/XMLSchema-instance"
	// XOPNS is the namespace of xop:Include (MTOM/XOP).
	XOPNS = "http://www.w3.org/2004/08/xop/include"
)

// isNamespaceDecl reports whether a decoded attribute is a namespace
// declaration (xmlns="…" or xmlns:p="…"). encoding/xml hands those to
// ",any,attr" fields like ordinary attributes.
func isNamespaceDecl(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")
}

// isNil reports whether a start element carries xsi:nil="true".
func isNil(start xml.StartElement) bool {
	for _, a := range start.Attr {
		if a.Name.Space == XSINS && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// DateTime

// DateTime is an xs:dateTime.
//
// encoding/xml would use time.Time's RFC 3339 text form, which rejects valid
// xs:dateTime values without a time zone and writes nanoseconds and local
// offsets; gowsdl's soap.XSDDateTime silently turns unparsable input into the
// zero time. DateTime parses strictly (an error for anything that is not an
// xs:dateTime) and always writes UTC with milliseconds.
type DateTime struct {
	time.Time
}

// dateTimeLexical is the xs:dateTime lexical form restricted to 4-digit
// years: date, 'T', time with optional fraction, optional zone.
var dateTimeLexical = regexp.MustCompile(
	`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// dateTimeOut is the layout DateTime writes: UTC, milliseconds, "Z".
const dateTimeOut = "2006-01-02T15:04:05.000Z"

// ParseDateTime parses an xs:dateTime. Fractional seconds are optional; the
// zone is "Z", "±hh:mm" or absent (then UTC is assumed). Surrounding white
// space is ignored (xs:dateTime collapses white space). Years have exactly
// four digits; 24:00:00 and leap seconds are rejected, as time.Time cannot
// hold them.
func ParseDateTime(s string) (DateTime, error) {
	s = strings.TrimSpace(s)
	if !dateTimeLexical.MatchString(s) {
		return DateTime{}, fmt.Errorf("xsd: invalid xs:dateTime %q", s)
	}
	layout := "2006-01-02T15:04:05Z07:00"
	switch {
	case hasZoneOffset(s):
		// time.Parse takes minutes up to 99 and hours up to 24; xs:dateTime
		// allows offsets up to ±14:00.
		hh, _ := strconv.Atoi(s[len(s)-5 : len(s)-3])
		mm, _ := strconv.Atoi(s[len(s)-2:])
		if mm > 59 || hh*60+mm > 14*60 {
			return DateTime{}, fmt.Errorf("xsd: invalid xs:dateTime %q: zone offset out of range", s)
		}
	case !strings.HasSuffix(s, "Z"):
		layout = "2006-01-02T15:04:05" // no zone: UTC
	}
	// time.Parse accepts the fractional seconds even though the layout does
	// not name them; the regexp above already excluded its other leniencies
	// (comma fractions, missing digits).
	t, err := time.Parse(layout, s)
	if err != nil {
		return DateTime{}, fmt.Errorf("xsd: invalid xs:dateTime %q: %v", s, err)
	}
	return DateTime{t}, nil
}

func hasZoneOffset(s string) bool {
	if len(s) < 6 {
		return false
	}
	c := s[len(s)-6]
	return (c == '+' || c == '-') && s[len(s)-3] == ':'
}

// String returns the form MarshalText writes.
func (t DateTime) String() string { return t.UTC().Format(dateTimeOut) }

// MarshalText writes the time in UTC with milliseconds,
// 2006-01-02T15:04:05.000Z.
func (t DateTime) MarshalText() ([]byte, error) {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("xsd: year %d outside xs:dateTime range written by cmisd", y)
	}
	return []byte(t.String()), nil
}

// UnmarshalText parses strictly; see ParseDateTime.
func (t *DateTime) UnmarshalText(b []byte) error {
	v, err := ParseDateTime(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// UnmarshalXML reads the element's text and parses it strictly. An element
// with xsi:nil="true" leaves the zero time (clients send nil for "no value").
func (t *DateTime) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	if isNil(start) && strings.TrimSpace(s) == "" {
		*t = DateTime{}
		return nil
	}
	return t.UnmarshalText([]byte(s))
}

// ---------------------------------------------------------------------------
// Decimal

// Decimal is an xs:decimal kept in its lexical form.
//
// gowsdl maps xs:decimal to float64, which encoding/xml writes with an
// exponent ("1e+21", not a valid xs:decimal) and which rounds values that
// have more digits than a float64 holds. Decimal keeps the text, validates
// it on input and output, and converts to float64 only on request.
type Decimal string

// decimalLexical: optional sign, digits with an optional fraction; no
// exponent, no "inf"/"nan".
var decimalLexical = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// ParseDecimal validates s (surrounding white space ignored) as an
// xs:decimal.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if !decimalLexical.MatchString(s) {
		return "", fmt.Errorf("xsd: invalid xs:decimal %q", s)
	}
	return Decimal(s), nil
}

// DecimalFromFloat returns the shortest decimal form of f that parses back
// to f (no exponent). NaN and ±Inf have no xs:decimal form: they yield the
// empty Decimal, which MarshalText rejects.
func DecimalFromFloat(f float64) Decimal {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return Decimal(strconv.FormatFloat(f, 'f', -1, 64))
}

// Float64 converts the decimal to the nearest float64.
func (d Decimal) Float64() (float64, error) {
	if !decimalLexical.MatchString(string(d)) {
		return 0, fmt.Errorf("xsd: invalid xs:decimal %q", string(d))
	}
	return strconv.ParseFloat(string(d), 64)
}

// MarshalText writes the decimal; an invalid value is an error.
func (d Decimal) MarshalText() ([]byte, error) {
	if !decimalLexical.MatchString(string(d)) {
		return nil, fmt.Errorf("xsd: invalid xs:decimal %q", string(d))
	}
	return []byte(d), nil
}

// UnmarshalText accepts only valid xs:decimal text.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ---------------------------------------------------------------------------
// XsiType

// XsiType is the value of an xsi:type attribute, held as the local name of
// the CMIS core type (for example "cmisTypeDocumentDefinitionType").
//
// encoding/xml would write a namespaced attribute with a generated prefix
// and declaration (xmlns:XMLSchema-instance="…" XMLSchema-instance:type=…),
// and it cannot write a QName value whose prefix is bound: the value needs a
// prefix bound to the CMIS core namespace. XsiType writes the attribute
// literally as xsi:type="cmis:<local>"; the server declares xmlns:xsi and
// xmlns:cmis on the SOAP Envelope, which makes that well-formed.
type XsiType string

// MarshalXMLAttr writes xsi:type="cmis:<local>" (the attribute name is the
// literal "xsi:type"). An empty XsiType writes no attribute.
func (t XsiType) MarshalXMLAttr(xml.Name) (xml.Attr, error) {
	if t == "" {
		return xml.Attr{}, nil
	}
	return xml.Attr{Name: xml.Name{Local: "xsi:type"}, Value: "cmis:" + string(t)}, nil
}

// UnmarshalXMLAttr keeps the part after the last ':' of the value, whatever
// prefix the client bound to the core namespace.
func (t *XsiType) UnmarshalXMLAttr(a xml.Attr) error {
	v := strings.TrimSpace(a.Value)
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	*t = XsiType(v)
	return nil
}

// ---------------------------------------------------------------------------
// Any, AnyAttrs

// Any is an arbitrary element met where the schema allows xs:any (vendor
// extensions). The server parses and ignores it; it exists so that such
// content neither fails decoding nor vanishes silently.
//
// gowsdl's []string for xs:any keeps only the text. A plain struct with
// ",any,attr" and ",innerxml" records namespace declarations as attributes
// (and writes them back as bogus prefixed attributes), and its raw inner XML
// loses the prefixes declared on ancestors (JAX-WS declares them on the
// Envelope). So Any keeps the attributes without namespace declarations and
// re-encodes the content from namespace-resolved tokens: InnerXML is
// self-contained (every element states its namespace), not byte-identical
// to the input.
type Any struct {
	XMLName  xml.Name
	Attrs    []xml.Attr // attributes, namespace declarations excluded
	InnerXML string     // the content, namespace-complete XML
}

type innerXML struct {
	Inner string `xml:",innerxml"`
}

func withoutNamespaceDecls(attrs []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, a := range attrs {
		if !isNamespaceDecl(a) {
			out = append(out, a)
		}
	}
	return out
}

// resetDefaultNS keeps an unqualified element unqualified wherever its XML
// text ends up.
var resetDefaultNS = xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: ""}

// UnmarshalXML records the element name, its attributes and its content.
func (a *Any) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	a.XMLName = start.Name
	a.Attrs = withoutNamespaceDecls(start.Attr)
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	for depth := 0; ; {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("xsd: reading <%s>: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			t.Attr = withoutNamespaceDecls(t.Attr)
			if t.Name.Space == "" {
				t.Attr = append(t.Attr, resetDefaultNS)
			}
			tok = t
		case xml.EndElement:
			if depth == 0 {
				if err := enc.Flush(); err != nil {
					return err
				}
				a.InnerXML = buf.String()
				return nil
			}
			depth--
		case xml.ProcInst, xml.Directive:
			continue // not content
		}
		if err := enc.EncodeToken(tok); err != nil {
			return fmt.Errorf("xsd: re-encoding <%s>: %w", start.Name.Local, err)
		}
	}
}

// MarshalXML writes the element with its attributes and content.
func (a Any) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	if a.XMLName.Local == "" {
		return errors.New("xsd: Any without element name")
	}
	start := xml.StartElement{Name: a.XMLName, Attr: withoutNamespaceDecls(a.Attrs)}
	if a.XMLName.Space == "" {
		start.Attr = append(start.Attr, resetDefaultNS)
	}
	return e.EncodeElement(innerXML{Inner: a.InnerXML}, start)
}

// AnyAttrs holds the attributes met where the schema allows xs:anyAttribute.
//
// A plain []xml.Attr with ",any,attr" also receives the namespace
// declarations of the element (xmlns="…", xmlns:ns2="…"), and writes them
// back as duplicate or mangled attributes ("_xmlns:ns2"), which breaks the
// next decode. AnyAttrs skips namespace declarations while decoding.
type AnyAttrs []xml.Attr

// UnmarshalXMLAttr appends a, unless it is a namespace declaration.
func (as *AnyAttrs) UnmarshalXMLAttr(a xml.Attr) error {
	if !isNamespaceDecl(a) {
		*as = append(*as, a)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Stream

// Stream is the value of a <stream> element (xs:base64Binary, optimised by
// MTOM/XOP).
//
// encoding/xml would need the whole base64 text in memory, and it knows
// nothing of xop:Include. The HTTP layer never lets large inline base64
// reach encoding/xml: it rewrites the request so that <stream> holds an
// <xop:Include href="cid:…"/> (an MTOM attachment, or inline base64 it
// spooled aside), decodes, and then sets Reader itself.
//
// Decoding accepts an xop:Include child (Href = the href without "cid:"; no
// URL unescaping, matching the Content-ID is the HTTP layer's job) or, for
// small messages in unit use, inline base64 text, decoded into a
// bytes.Reader. Encoding always writes an xop:Include for Href; the server
// replaces it by base64 text when it answers a text/xml request.
type Stream struct {
	Href   string    // Content-ID of the MIME part holding the content, without "cid:"
	Reader io.Reader // the content; set by the HTTP layer (or from inline base64)
}

// UnmarshalXML reads either an xop:Include child or base64 text.
func (s *Stream) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*s = Stream{}
	var text bytes.Buffer
	include := false
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("xsd: reading <%s>: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != XOPNS || t.Name.Local != "Include" || include {
				return fmt.Errorf("xsd: unexpected element <%s> in <%s>", t.Name.Local, start.Name.Local)
			}
			include = true
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local == "href" {
					s.Href = strings.TrimPrefix(strings.TrimSpace(a.Value), "cid:")
				}
			}
			if s.Href == "" {
				return errors.New("xsd: xop:Include without href")
			}
			if err := d.Skip(); err != nil {
				return err
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return s.finish(include, text.Bytes())
		}
	}
}

// finish turns collected base64 text into Reader, unless an xop:Include was
// seen (then only white space may surround it).
func (s *Stream) finish(include bool, text []byte) error {
	compact := bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, text)
	if include {
		if len(compact) > 0 {
			return errors.New("xsd: <stream> holds both xop:Include and text")
		}
		return nil
	}
	data := make([]byte, base64.StdEncoding.DecodedLen(len(compact)))
	n, err := base64.StdEncoding.Decode(data, compact)
	if err != nil {
		return fmt.Errorf("xsd: invalid base64 in <stream>: %w", err)
	}
	s.Reader = bytes.NewReader(data[:n])
	return nil
}

// MarshalXML writes <stream><xop:Include xmlns:xop="…" href="cid:HREF"/></stream>.
// Without Href it is an error: content is never written inline here.
func (s Stream) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if s.Href == "" {
		return errors.New("xsd: Stream without Href cannot be written")
	}
	inc := xml.StartElement{
		// Literal prefixed name: encoding/xml would otherwise write
		// <Include xmlns="…">, which the server's text/xml rewrite and some
		// clients do not expect.
		Name: xml.Name{Local: "xop:Include"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "xmlns:xop"}, Value: XOPNS},
			{Name: xml.Name{Local: "href"}, Value: "cid:" + s.Href},
		},
	}
	for _, t := range []xml.Token{start, inc, inc.End(), start.End()} {
		if err := e.EncodeToken(t); err != nil {
			return err
		}
	}
	return nil
}
