package xsd

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReadXML reads an extension element whose start tag was just read, with
// shape s (what the request checks know of it), into a: its name, its
// attributes without namespace declarations, and its content re-encoded
// as UnmarshalXML does (every element stating its namespace), byte for
// byte what encoding/xml's Encoder writes for the same tokens.
func (a *Any) ReadXML(r *Reader, s *Shape) error {
	a.XMLName = xml.Name{Space: r.space, Local: string(r.name.local)}
	a.Attrs = nil
	for i := range r.attrs {
		if at := r.Attr(i); !at.IsNamespaceDecl() {
			a.Attrs = append(a.Attrs, at.XMLAttr())
		}
	}
	var e anyEncoder
	if err := e.content(r, s); err != nil {
		return err
	}
	a.InnerXML = string(e.buf)
	return nil
}

// anyEncoder writes tokens as encoding/xml's Encoder.EncodeToken does:
// an element in a namespace declares it as the default on itself, an
// attribute in a namespace gets a prefix made from the namespace name,
// declared on the element and forgotten at its end.
type anyEncoder struct {
	buf        []byte
	attrNS     map[string]string // prefix -> namespace
	attrPrefix map[string]string // namespace -> prefix
	prefixes   []string          // prefixes declared, "" marking each element
	seq        int
}

// content encodes the content of the element whose start tag was just
// read, with shape s, up to its end tag (not written).
func (e *anyEncoder) content(r *Reader, s *Shape) error {
	in := r.name.local
	for {
		k, err := r.Next()
		if err != nil {
			return err
		}
		switch k {
		case CharData:
			e.buf = appendEncoderEscaped(e.buf, r.text, false)
		case StartElement:
			if r.IsNil() {
				if err := r.Skip(); err != nil {
					return err
				}
				continue
			}
			if s != nil && s.Simple {
				return elementInValue(in, r.name.local)
			}
			e.start(r)
			if err := e.content(r, s.Child(r.name.local)); err != nil {
				return err
			}
			e.end(r.name.local)
		case EndElement:
			return nil
		}
	}
}

func (e *anyEncoder) start(r *Reader) {
	e.prefixes = append(e.prefixes, "")
	e.buf = append(append(e.buf, '<'), r.name.local...)
	if r.space != "" {
		e.buf = append(e.buf, ` xmlns="`...)
		e.buf = appendEncoderEscaped(e.buf, []byte(r.space), true)
		e.buf = append(e.buf, '"')
	}
	for i := range r.attrs {
		a := r.Attr(i)
		if a.IsNamespaceDecl() {
			continue
		}
		e.buf = append(e.buf, ' ')
		if a.Space != "" {
			e.buf = append(append(e.buf, e.attrPrefixFor(a.Space)...), ':')
		}
		e.buf = append(append(e.buf, a.Local...), `="`...)
		e.buf = appendEncoderEscaped(e.buf, a.Value, true)
		e.buf = append(e.buf, '"')
	}
	if r.space == "" {
		// UnmarshalXML keeps an unqualified element unqualified.
		e.buf = append(e.buf, ` xmlns=""`...)
	}
	e.buf = append(e.buf, '>')
}

func (e *anyEncoder) end(local []byte) {
	e.buf = append(append(append(e.buf, "</"...), local...), '>')
	for len(e.prefixes) > 0 {
		p := e.prefixes[len(e.prefixes)-1]
		e.prefixes = e.prefixes[:len(e.prefixes)-1]
		if p == "" {
			break
		}
		delete(e.attrPrefix, e.attrNS[p])
		delete(e.attrNS, p)
	}
}

// attrPrefixFor returns the prefix for namespace url, declaring a new one
// (on the element being written) when none is in scope.
func (e *anyEncoder) attrPrefixFor(url string) string {
	if p := e.attrPrefix[url]; p != "" {
		return p
	}
	if url == xmlURL {
		return "xml"
	}
	if e.attrPrefix == nil {
		e.attrPrefix, e.attrNS = map[string]string{}, map[string]string{}
	}
	p := strings.TrimRight(url, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	if p == "" || !isName([]byte(p)) || strings.Contains(p, ":") {
		p = "_"
	}
	if len(p) >= 3 && strings.EqualFold(p[:3], "xml") {
		p = "_" + p
	}
	if e.attrNS[p] != "" {
		for e.seq++; ; e.seq++ {
			if id := p + "_" + strconv.Itoa(e.seq); e.attrNS[id] == "" {
				p = id
				break
			}
		}
	}
	e.attrPrefix[url], e.attrNS[p] = p, url
	e.buf = append(append(e.buf, "xmlns:"...), p...)
	e.buf = append(e.buf, `="`...)
	e.buf = appendEncoderEscaped(e.buf, []byte(url), true)
	e.buf = append(e.buf, `" `...)
	e.prefixes = append(e.prefixes, p)
	return p
}

// appendEncoderEscaped escapes s as encoding/xml's Encoder does: text
// keeps '\n', attribute values (nl) escape it.
func appendEncoderEscaped(b, s []byte, nl bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c, width := utf8.DecodeRune(s[i:])
		i += width
		var esc string
		switch c {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			if !nl {
				continue
			}
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !(c == 0x09 || c == 0x0A || c == 0x0D || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD ||
				c >= 0x10000 && c <= 0x10FFFF) || (c == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		b = append(append(b, s[last:i-width]...), esc...)
		last = i
	}
	return append(b, s[last:]...)
}
