package xsd

import (
	"bytes"
	"errors"
	"strconv"
)

// Reader is a pull tokenizer over an XML document held whole in memory (a
// SOAP envelope, bounded by the caller). Names, text and attribute values
// are slices of the input or of buffers the Reader reuses: they are valid
// until the next call to Next, and a token costs no allocation.
//
// It accepts what encoding/xml's Decoder accepts in Strict mode and
// resolves namespaces as it does (an unbound prefix stands for itself);
// a SyntaxError carries encoding/xml's message. It differs on purpose in
// three ways: any <! declaration other than a comment or CDATA section
// (DOCTYPE, ENTITY) is refused at once with ErrDoctype, element nesting is
// limited (MaxDepth), and so are the attributes of one element and the
// namespace declarations in scope (maxAttrs, maxBindings), since every
// prefix is looked up among those.
type Reader struct {
	data     []byte
	pos      int
	maxDepth int
	err      error

	kind  Kind
	name  qname  // element name of the current start or end tag
	space string // its namespace
	pend  bool   // the current start tag was empty (<a/>): its end comes next
	text  []byte // character data, comment or processing instruction
	// textInBuf: text is in buf (decoded), not a slice of the input.
	textInBuf bool
	target    []byte // processing instruction target

	attrs    []rawAttr
	open     []openElem
	bindings []binding
	buf      []byte // decoded text and attribute values
	val      []byte // a value read in pieces (Value)
	uris     Names  // namespace names seen before, kept across Resets

	rewriteNS, rewritePrefix string
}

// Kind is what a token is.
type Kind uint8

// The tokens.
const (
	EOF Kind = iota
	StartElement
	EndElement
	CharData // text and CDATA sections, entities resolved
	Comment
	ProcInst
)

const (
	maxAttrs    = 256 // attributes of one element
	maxBindings = 128 // namespace declarations in scope
	xmlURL      = "http://www.w3.org/XML/1998/namespace"
)

// A SyntaxError is input that is not well-formed XML. Msg is the text
// encoding/xml gives for the same fault.
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return "XML syntax error: " + e.Msg }

// A LimitError is input over one of the Reader's limits.
type LimitError struct {
	What  string // "depth", "attributes", "namespaces"
	Limit int
}

func (e *LimitError) Error() string {
	switch e.What {
	case "depth":
		return "elements nested deeper than " + strconv.Itoa(e.Limit) + " levels"
	case "attributes":
		return "an element with more than " + strconv.Itoa(e.Limit) + " attributes"
	}
	return "more than " + strconv.Itoa(e.Limit) + " namespace declarations in scope"
}

// ErrDoctype refuses DOCTYPE, ENTITY and any other markup declaration: no
// DTD is ever read, so no entity beyond the five predefined ones exists.
var ErrDoctype = errors.New("xsd: DOCTYPE and ENTITY declarations are not allowed")

// ErrVersion is an XML declaration naming a version other than 1.0.
type ErrVersion struct{ Version string }

func (e *ErrVersion) Error() string {
	return "xml: unsupported version " + strconv.Quote(e.Version) + "; only version 1.0 is supported"
}

// ErrEncoding is an XML declaration naming an encoding that is not UTF-8
// (or one byte-identical to it for valid input: US-ASCII).
type ErrEncoding struct{ Encoding string }

func (e *ErrEncoding) Error() string { return "xml: unsupported encoding " + strconv.Quote(e.Encoding) }

// qname is a name as written: prefix:local, or local alone.
type qname struct{ prefix, local []byte }

type rawAttr struct {
	name       qname
	start, end int  // the value: data[start:end], or buf[start:end]
	inBuf      bool // decoded into buf
}

type openElem struct {
	name qname
	mark int // len(bindings) before the element's own declarations
}

type binding struct {
	prefix []byte // nil: the default namespace
	uri    string
}

// Attr is an attribute of the current start tag.
type Attr struct {
	Prefix, Local []byte
	Space         string // namespace name; "" for an unprefixed attribute
	Value         []byte // entities resolved
}

// NewReader returns a Reader of data that allows maxDepth levels of
// nesting.
func NewReader(data []byte, maxDepth int) *Reader {
	r := &Reader{}
	r.Reset(data, maxDepth)
	return r
}

// Reset starts reading data, keeping the Reader's buffers.
func (r *Reader) Reset(data []byte, maxDepth int) {
	*r = Reader{data: data, maxDepth: maxDepth, uris: r.uris,
		attrs: r.attrs[:0], open: r.open[:0], bindings: r.bindings[:0], buf: r.buf[:0], val: r.val[:0]}
}

// RewritePrefixedValues makes attribute values of the form "p:local",
// with p bound to ns and not already prefix, read as "prefix:local":
// clients that write a QName in an attribute value with their own prefix
// for ns (suds writes propertyDefinitionId="ns1:name") are read as the
// one that uses prefix. It applies to start tags read after the call.
func (r *Reader) RewritePrefixedValues(ns, prefix string) {
	r.rewriteNS, r.rewritePrefix = ns, prefix
}

// Kind is the current token's kind.
func (r *Reader) Kind() Kind { return r.kind }

// Local is the local name of the current start or end tag.
func (r *Reader) Local() []byte { return r.name.local }

// Prefix is the prefix of the current start or end tag.
func (r *Reader) Prefix() []byte { return r.name.prefix }

// Space is the namespace name of the current start or end tag.
func (r *Reader) Space() string { return r.space }

// Text is the content of the current character data, comment or
// processing instruction.
func (r *Reader) Text() []byte { return r.text }

// Target is the target of the current processing instruction.
func (r *Reader) Target() []byte { return r.target }

// Depth is the number of open elements (a start tag counts itself).
func (r *Reader) Depth() int { return len(r.open) }

// AttrCount is the number of attributes of the current start tag.
func (r *Reader) AttrCount() int { return len(r.attrs) }

// Attr returns attribute i of the current start tag.
func (r *Reader) Attr(i int) Attr {
	a := &r.attrs[i]
	v := r.data[a.start:a.end]
	if a.inBuf {
		v = r.buf[a.start:a.end]
	}
	return Attr{Prefix: a.name.prefix, Local: a.name.local, Space: r.attrSpace(a.name), Value: v}
}

// IsNamespaceDecl reports whether a is a namespace declaration.
func (a *Attr) IsNamespaceDecl() bool {
	return string(a.Prefix) == "xmlns" || (len(a.Prefix) == 0 && string(a.Local) == "xmlns")
}

// Next reads the next token. At the end of the input it returns EOF, or
// a SyntaxError when elements are still open. An error sticks.
func (r *Reader) Next() (Kind, error) {
	if r.err != nil {
		return EOF, r.err
	}
	if r.kind == EndElement {
		r.closeElement()
	}
	k, err := r.next()
	if err != nil {
		r.err = err
		r.kind = EOF
		return EOF, err
	}
	r.kind = k
	return k, nil
}

// Skip reads the rest of the element whose start tag was just read, up to
// and including its end tag.
func (r *Reader) Skip() error {
	for depth := 1; ; {
		k, err := r.Next()
		if err != nil {
			return err
		}
		switch k {
		case StartElement:
			depth++
		case EndElement:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

func (r *Reader) syntax(msg string) error { return &SyntaxError{Msg: msg} }

var errEOF = &SyntaxError{Msg: "unexpected EOF"}

func (r *Reader) next() (Kind, error) {
	if r.pend {
		r.pend = false
		top := r.open[len(r.open)-1]
		r.name = top.name
		r.space = r.elemSpace(top.name)
		return EndElement, nil
	}
	if r.pos >= len(r.data) {
		if len(r.open) > 0 {
			return EOF, errEOF
		}
		return EOF, nil
	}
	if r.data[r.pos] != '<' {
		t, err := r.charData()
		if err != nil {
			return EOF, err
		}
		r.text = t
		return CharData, nil
	}
	r.pos++
	if r.pos >= len(r.data) {
		return EOF, errEOF
	}
	switch r.data[r.pos] {
	case '/':
		r.pos++
		return EndElement, r.endTag()
	case '?':
		r.pos++
		return ProcInst, r.procInst()
	case '!':
		r.pos++
		return r.bang()
	}
	return StartElement, r.startTag()
}

// closeElement pops the element whose end tag was the last token.
func (r *Reader) closeElement() {
	top := r.open[len(r.open)-1]
	r.bindings = r.bindings[:top.mark]
	r.open = r.open[:len(r.open)-1]
}

func (r *Reader) endTag() error {
	name, ok, err := r.qname()
	if err != nil {
		return err
	}
	if !ok {
		return r.syntax("expected element name after </")
	}
	r.space1()
	c, err := r.mustGet()
	if err != nil {
		return err
	}
	if c != '>' {
		return r.syntax("invalid characters between </" + string(name.local) + " and >")
	}
	if len(r.open) == 0 {
		return r.syntax("unexpected end element </" + string(name.local) + ">")
	}
	top := r.open[len(r.open)-1]
	switch {
	case !bytes.Equal(top.name.local, name.local):
		return r.syntax("element <" + string(top.name.local) + "> closed by </" + string(name.local) + ">")
	case !bytes.Equal(top.name.prefix, name.prefix):
		ns := string(name.prefix)
		if ns == "" {
			ns = `""`
		}
		return r.syntax("element <" + string(top.name.local) + "> in space " + string(top.name.prefix) +
			" closed by </" + string(name.local) + "> in space " + ns)
	}
	r.name = name
	r.space = r.elemSpace(name)
	return nil
}

func (r *Reader) startTag() error {
	name, ok, err := r.qname()
	if err != nil {
		return err
	}
	if !ok {
		return r.syntax("expected element name after <")
	}
	r.attrs = r.attrs[:0]
	r.buf = r.buf[:0]
	empty := false
	for {
		r.space1()
		c, err := r.mustGet()
		if err != nil {
			return err
		}
		if c == '/' {
			if c, err = r.mustGet(); err != nil {
				return err
			}
			if c != '>' {
				return r.syntax("expected /> in element")
			}
			empty = true
			break
		}
		if c == '>' {
			break
		}
		r.pos--
		if err := r.attr(); err != nil {
			return err
		}
	}
	if len(r.open) >= r.maxDepth {
		return &LimitError{What: "depth", Limit: r.maxDepth}
	}
	mark := len(r.bindings)
	if err := r.declare(); err != nil {
		return err
	}
	r.open = append(r.open, openElem{name: name, mark: mark})
	r.name = name
	r.space = r.elemSpace(name)
	r.pend = empty
	if r.rewriteNS != "" {
		r.rewriteValues()
	}
	return nil
}

// attr reads one attribute of a start tag.
func (r *Reader) attr() error {
	name, ok, err := r.qname()
	if err != nil {
		return err
	}
	if !ok {
		return r.syntax("expected attribute name in element")
	}
	r.space1()
	c, err := r.mustGet()
	if err != nil {
		return err
	}
	if c != '=' {
		return r.syntax("attribute name without = in element")
	}
	r.space1()
	q, err := r.mustGet()
	if err != nil {
		return err
	}
	if q != '"' && q != '\'' {
		return r.syntax("unquoted or missing attribute value in element")
	}
	a := rawAttr{name: name}
	if a.start, a.end, a.inBuf, err = r.attrValue(q); err != nil {
		return err
	}
	if len(r.attrs) >= maxAttrs {
		return &LimitError{What: "attributes", Limit: maxAttrs}
	}
	r.attrs = append(r.attrs, a)
	return nil
}

// mustGet reads one byte; the end of the input is a syntax error.
func (r *Reader) mustGet() (byte, error) {
	if r.pos >= len(r.data) {
		return 0, errEOF
	}
	c := r.data[r.pos]
	r.pos++
	return c, nil
}

// space1 skips white space.
func (r *Reader) space1() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\r', '\n', '\t':
			r.pos++
		default:
			return
		}
	}
}
