package xsd

import "bytes"

// Namespaces: declarations in scope, resolution of names as encoding/xml
// resolves them, and the rewriting of QName attribute values.

// declare takes the namespace declarations among the attributes.
func (r *Reader) declare() error {
	for i := range r.attrs {
		a := &r.attrs[i]
		var prefix []byte
		switch {
		case string(a.name.prefix) == "xmlns":
			prefix = a.name.local
		case len(a.name.prefix) == 0 && string(a.name.local) == "xmlns":
		default:
			continue
		}
		if len(r.bindings) >= maxBindings {
			return &LimitError{What: "namespaces", Limit: maxBindings}
		}
		v := r.data[a.start:a.end]
		if a.inBuf {
			v = r.buf[a.start:a.end]
		}
		r.bindings = append(r.bindings, binding{prefix: prefix, uri: r.intern(v)})
	}
	return nil
}

// intern returns v as a string, reusing the strings of namespace names
// seen before: a pooled Reader allocates none for the usual namespaces.
func (r *Reader) intern(v []byte) string { return r.uris.Intern(v) }

// Names are strings kept for reuse: namespace names and prefixes, which a
// request repeats and the next request repeats again.
type Names []string

// maxNames is how many strings Names keeps.
const maxNames = 32

// Intern returns v as a string: one of n when n holds it, else a new one,
// which n keeps while it has room.
func (n *Names) Intern(v []byte) string {
	for _, s := range *n {
		if s == string(v) {
			return s
		}
	}
	s := string(v)
	if len(*n) < maxNames {
		*n = append(*n, s)
	}
	return s
}

// lookup is the namespace bound to prefix (nil: the default namespace).
func (r *Reader) lookup(prefix []byte) (string, bool) {
	for i := len(r.bindings) - 1; i >= 0; i-- {
		if bytes.Equal(r.bindings[i].prefix, prefix) {
			return r.bindings[i].uri, true
		}
	}
	return "", false
}

// elemSpace resolves an element name as encoding/xml does.
func (r *Reader) elemSpace(n qname) string {
	switch string(n.prefix) {
	case "xmlns":
		return "xmlns"
	case "xml":
		return xmlURL
	}
	if uri, ok := r.lookup(n.prefix); ok {
		return uri
	}
	if len(n.prefix) == 0 {
		return ""
	}
	return r.intern(n.prefix)
}

// attrSpace resolves an attribute name: unprefixed attributes are in no
// namespace.
func (r *Reader) attrSpace(n qname) string {
	if len(n.prefix) == 0 {
		return ""
	}
	return r.elemSpace(n)
}

// rewriteValues applies RewritePrefixedValues to the current start tag.
func (r *Reader) rewriteValues() {
	for i := range r.attrs {
		a := &r.attrs[i]
		if string(a.name.prefix) == "xmlns" || (len(a.name.prefix) == 0 && string(a.name.local) == "xmlns") {
			continue
		}
		v := r.data[a.start:a.end]
		if a.inBuf {
			v = r.buf[a.start:a.end]
		}
		p, rest, ok := bytes.Cut(v, []byte{':'})
		if !ok || len(p) == 0 || string(p) == r.rewritePrefix || bytes.ContainsAny(p, " /") {
			continue
		}
		if uri, ok := r.lookup(p); !ok || uri != r.rewriteNS {
			continue
		}
		start := len(r.buf)
		r.buf = append(r.buf, r.rewritePrefix...)
		r.buf = append(r.buf, ':')
		r.buf = append(r.buf, rest...)
		a.start, a.end, a.inBuf = start, len(r.buf), true
	}
}

// IsNil reports whether the current start tag carries xsi:nil="true" (or
// "1"); like the decoding it replaced, an xsi prefix left unbound counts.
func (r *Reader) IsNil() bool {
	for i := range r.attrs {
		a := r.Attr(i)
		if string(a.Local) == "nil" && (a.Space == XSINS || a.Space == "xsi") {
			v := string(bytes.TrimSpace(a.Value))
			return v == "true" || v == "1"
		}
	}
	return false
}
