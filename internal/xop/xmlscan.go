package xop

import (
	"bytes"
	"strings"

	"github.com/cmisd/cmisd/internal/xsd"
)

// parseStartTag returns the element name of a start tag (a slice of it)
// and appends the namespace declarations on it to bindings, their
// prefixes and names from names: a pooled diverter allocates nothing for
// the usual ones. Malformed attributes are skipped: the XML parser
// rejects them later.
func parseStartTag(tag []byte, bindings []Binding, names *xsd.Names) ([]byte, []Binding) {
	i := 1
	for i < len(tag) && !isSpaceByte(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	name := tag[1:i]
	for i < len(tag) {
		for i < len(tag) && (isSpaceByte(tag[i]) || tag[i] == '/') {
			i++
		}
		if i >= len(tag) || tag[i] == '>' {
			break
		}
		start := i
		for i < len(tag) && tag[i] != '=' && !isSpaceByte(tag[i]) && tag[i] != '>' {
			i++
		}
		attr := tag[start:i]
		for i < len(tag) && isSpaceByte(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			continue
		}
		i++
		for i < len(tag) && isSpaceByte(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			continue
		}
		q := tag[i]
		i++
		vstart := i
		for i < len(tag) && tag[i] != q {
			i++
		}
		val := tag[vstart:min(i, len(tag))]
		i++
		switch {
		case string(attr) == "xmlns":
			bindings = append(bindings, Binding{"", unescapeAttr(val, names)})
		case len(attr) > 6 && string(attr[:6]) == "xmlns:":
			bindings = append(bindings, Binding{names.Intern(attr[6:]), unescapeAttr(val, names)})
		}
	}
	return name, bindings
}

var attrUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

// unescapeAttr is an attribute value with the predefined entities
// resolved.
func unescapeAttr(v []byte, names *xsd.Names) string {
	if bytes.IndexByte(v, '&') < 0 {
		return names.Intern(v)
	}
	return attrUnescaper.Replace(string(v))
}

// splitQName splits prefix:local.
func splitQName(name []byte) (prefix, local []byte) {
	if p, l, ok := bytes.Cut(name, []byte{':'}); ok {
		return p, l
	}
	return nil, name
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func isSpace(p []byte) bool {
	for _, b := range p {
		if !isSpaceByte(b) {
			return false
		}
	}
	return true
}

// Binding is a namespace declaration; Prefix "" is the default namespace.
type Binding struct{ Prefix, URI string }

// Scope is the namespace declarations in scope while XML is read, one
// frame per open element. The diverter and the envelope parser that reads
// its output resolve prefixes the same way.
type Scope struct {
	b      []Binding
	frames []int
}

// Push opens an element with its declarations.
func (s *Scope) Push(bs []Binding) {
	s.frames = append(s.frames, len(s.b))
	s.b = append(s.b, bs...)
}

// Pop closes the innermost element.
func (s *Scope) Pop() {
	if len(s.frames) == 0 {
		return
	}
	n := s.frames[len(s.frames)-1]
	s.b = s.b[:n]
	s.frames = s.frames[:len(s.frames)-1]
}

// Resolve is the namespace of prefix, looking first at own, the
// declarations of an element not pushed yet.
func (s *Scope) Resolve(prefix string, own []Binding) string {
	for i := len(own) - 1; i >= 0; i-- {
		if own[i].Prefix == prefix {
			return own[i].URI
		}
	}
	for i := len(s.b) - 1; i >= 0; i-- {
		if s.b[i].Prefix == prefix {
			return s.b[i].URI
		}
	}
	return ""
}
