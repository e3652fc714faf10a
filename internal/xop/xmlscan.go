package xop

import "strings"

// parseStartTag returns the element name of a start tag and the namespace
// declarations on it. Malformed attributes are skipped: encoding/xml
// rejects them later.
func parseStartTag(tag []byte, bindings []Binding) (string, []Binding) {
	i := 1
	for i < len(tag) && !isSpaceByte(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	name := string(tag[1:i])
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
		attr := string(tag[start:i])
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
		val := string(tag[vstart:min(i, len(tag))])
		i++
		switch {
		case attr == "xmlns":
			bindings = append(bindings, Binding{"", unescapeAttr(val)})
		case len(attr) > 6 && attr[:6] == "xmlns:":
			bindings = append(bindings, Binding{attr[6:], unescapeAttr(val)})
		}
	}
	return name, bindings
}

var attrUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

func unescapeAttr(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return attrUnescaper.Replace(s)
}

func splitQName(name string) (prefix, local string) {
	for i := 0; i < len(name); i++ {
		if name[i] == ':' {
			return name[:i], name[i+1:]
		}
	}
	return "", name
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
