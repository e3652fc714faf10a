package server

import (
	"bytes"
	"encoding"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xop"
)

const (
	soap11NS  = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12NS  = "http://www.w3.org/2003/05/soap-envelope"
	xsiNS     = "http://www.w3.org/2001/XMLSchema-instance"
	actorNext = "http://schemas.xmlsoap.org/soap/actor/next"
)

// isXMLSpace reports whether b is XML white space only.
func isXMLSpace(b []byte) bool { return len(bytes.Trim(b, " \t\r\n")) == 0 }

// envelope is a parsed SOAP 1.1 envelope up to the first child of the
// Body; the decoder is positioned just after that child's start tag.
type envelope struct {
	security wsSecurity
	body     xml.StartElement
	g        *guardReader
}

// guardReader is the token source every decoding step reads through: it
// refuses DOCTYPE and other directives, limits nesting depth, and tracks
// the namespace declarations in scope (for prefixes in attribute values).
type guardReader struct {
	d        *xml.Decoder
	depth    int
	maxDepth int
	ns       xop.Scope
}

func newGuard(data []byte, maxDepth int) *guardReader {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	return &guardReader{d: d, maxDepth: maxDepth}
}

// charsetReader accepts the encodings that are byte-identical to UTF-8 for
// valid input; anything else is refused.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	}
	return nil, badRequest("unsupported XML encoding %q: send UTF-8", label)
}

func (g *guardReader) Token() (xml.Token, error) {
	t, err := g.d.Token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case xml.Directive:
		return nil, xop.ErrDoctype
	case xml.StartElement:
		g.depth++
		if g.depth > g.maxDepth {
			return nil, badRequest("the SOAP message nests elements deeper than %d levels", g.maxDepth)
		}
		var bs []xop.Binding
		for _, a := range v.Attr {
			switch {
			case a.Name.Space == "xmlns":
				bs = append(bs, xop.Binding{Prefix: a.Name.Local, URI: a.Value})
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				bs = append(bs, xop.Binding{URI: a.Value})
			}
		}
		g.ns.Push(bs)
	case xml.EndElement:
		g.depth--
		g.ns.Pop()
	}
	return t, nil
}

// skip consumes the rest of the element whose start was just read.
func (g *guardReader) skip() error {
	for depth := 1; depth > 0; {
		t, err := g.Token()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// xmlErr maps a decoding error to the fault for it.
func xmlErr(err error) error {
	var re *requestError
	if errors.As(err, &re) {
		return err
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: " + se.Msg, err: err}
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: unexpected end of the message", err: err}
	}
	return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: " + err.Error(), err: err}
}

// parseEnvelope reads the envelope and its header entries and stops at the
// first child of the Body.
func parseEnvelope(data []byte, maxDepth int) (*envelope, error) {
	g := newGuard(data, maxDepth)
	var root xml.StartElement
	for {
		t, err := g.Token()
		if err != nil {
			if err == io.EOF {
				return nil, badRequest("the request holds no XML element")
			}
			return nil, xmlErr(err)
		}
		if st, ok := t.(xml.StartElement); ok {
			root = st
			break
		}
		if cd, ok := t.(xml.CharData); ok && !isXMLSpace(cd) {
			return nil, badRequest("malformed XML: text before the root element")
		}
	}
	if root.Name.Local != "Envelope" {
		return nil, badRequest("the request is not a SOAP envelope (root element %s)", root.Name.Local)
	}
	if root.Name.Space != soap11NS {
		return nil, &requestError{code: codeVersionMismatch, typ: cmis.ErrInvalidArgument,
			msg: "only SOAP 1.1 is supported (envelope namespace " + soap11NS + ")"}
	}
	env := &envelope{g: g}
	seenHeader := false
	for {
		t, err := g.Token()
		if err != nil {
			return nil, xmlErr(err)
		}
		switch v := t.(type) {
		case xml.StartElement:
			switch {
			case v.Name.Space == soap11NS && v.Name.Local == "Header" && !seenHeader:
				seenHeader = true
				if err := env.parseHeader(); err != nil {
					return nil, err
				}
			case v.Name.Space == soap11NS && v.Name.Local == "Body":
				return env, env.findBodyChild()
			default:
				return nil, badRequest("unexpected element %s in the SOAP envelope", v.Name.Local)
			}
		case xml.EndElement:
			return nil, badRequest("the SOAP envelope has no Body")
		case xml.CharData:
			if !isXMLSpace(v) {
				return nil, badRequest("malformed SOAP envelope: text in the Envelope element")
			}
		}
	}
}

func (env *envelope) findBodyChild() error {
	for {
		t, err := env.g.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch v := t.(type) {
		case xml.StartElement:
			env.body = v.Copy()
			return nil
		case xml.EndElement:
			return badRequest("the SOAP Body is empty")
		case xml.CharData:
			if !isXMLSpace(v) {
				return badRequest("malformed SOAP envelope: text in the Body element")
			}
		}
	}
}

// parseHeader reads the header entries: wsse:Security is understood, any
// other entry that must be understood is a MustUnderstand fault.
func (env *envelope) parseHeader() error {
	for {
		t, err := env.g.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch v := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if isSecurityHeader(v.Name) {
				var sec wsSecurity
				if err := xml.NewTokenDecoder(&subtree{g: env.g, start: v}).Decode(&sec); err != nil {
					return xmlErr(err)
				}
				env.security.Timestamps = append(env.security.Timestamps, sec.Timestamps...)
				env.security.Tokens = append(env.security.Tokens, sec.Tokens...)
				continue
			}
			if mustUnderstand(v) {
				return &requestError{code: codeMustUnderstand, typ: cmis.ErrInvalidArgument,
					msg: fmt.Sprintf("header entry {%s}%s is not understood", v.Name.Space, v.Name.Local)}
			}
			if err := env.g.skip(); err != nil {
				return xmlErr(err)
			}
		}
	}
}

// mustUnderstand reports whether a header entry targeted at this node
// carries mustUnderstand="1" or "true" (qualified with the envelope
// namespace or, as suds writes it, unqualified).
func mustUnderstand(st xml.StartElement) bool {
	mu := false
	for _, a := range st.Attr {
		switch {
		case a.Name.Local == "mustUnderstand" && (a.Name.Space == soap11NS || a.Name.Space == ""):
			v := strings.TrimSpace(a.Value)
			mu = v == "1" || v == "true"
		case a.Name.Local == "actor" && (a.Name.Space == soap11NS || a.Name.Space == ""):
			if v := strings.TrimSpace(a.Value); v != "" && v != actorNext {
				return false // meant for another node
			}
		}
	}
	return mu
}

// subtree yields one element (whose start was already read) and its
// content, then io.EOF.
type subtree struct {
	g       *guardReader
	start   xml.StartElement
	started bool
	depth   int
}

func (s *subtree) Token() (xml.Token, error) {
	if !s.started {
		s.started = true
		s.depth = 1
		return s.start, nil
	}
	if s.depth == 0 {
		return nil, io.EOF
	}
	t, err := s.g.Token()
	if err != nil {
		return nil, err
	}
	switch t.(type) {
	case xml.StartElement:
		s.depth++
	case xml.EndElement:
		s.depth--
	}
	return t, nil
}

// ---------------------------------------------------------------------------
// Body decoding

// bodyFilter yields the operation element and its content to encoding/xml,
// normalising what clients send differently, in one place:
//   - elements with xsi:nil="true" are dropped (nil means absent);
//   - empty parameters of simple type directly under the operation element
//     are dropped (libcmis sends <typeId></typeId> for "no type");
//   - attribute values "p:local" with p bound to the CMIS core namespace
//     become "cmis:local" (suds rewrites propertyDefinitionId="cmis:name");
//   - an element inside one that holds a simple value is refused:
//     encoding/xml would read <value><x/></value> as an empty value.
type bodyFilter struct {
	g       *guardReader
	start   xml.StartElement
	reqType reflect.Type
	types   []reflect.Type // Go type of each open element; nil: not known
	started bool
	done    bool
	queue   []xml.Token // processed tokens waiting to be emitted
	depth   int
	path    []string
	last    string // the element an error most likely concerns
}

func newBodyFilter(env *envelope, req any) *bodyFilter {
	return &bodyFilter{g: env.g, start: env.body, reqType: reflect.TypeOf(req)}
}

func (f *bodyFilter) Token() (xml.Token, error) {
	if len(f.queue) > 0 {
		t := f.queue[0]
		f.queue = f.queue[1:]
		return f.emit(t), nil
	}
	if f.done {
		return nil, io.EOF
	}
	if !f.started {
		f.started = true
		return f.emit(f.mapAttrs(f.start)), nil
	}
	for {
		t, err := f.g.Token()
		if err != nil {
			return nil, err
		}
		switch v := t.(type) {
		case xml.StartElement:
			if isNil(v) {
				if err := f.g.skip(); err != nil {
					return nil, err
				}
				continue
			}
			v = f.mapAttrs(v)
			if t := f.types[len(f.types)-1]; t != nil && isSimpleType(t) {
				return nil, elementInValue(f.last, v)
			}
			if t := childType(f.reqType, v.Name.Local); f.depth == 1 && t != nil && isSimpleType(t) {
				toks, drop, err := f.lookahead(v)
				if err != nil {
					return nil, err
				}
				if drop {
					continue
				}
				f.queue = append(f.queue, toks[1:]...)
				return f.emit(toks[0]), nil
			}
			return f.emit(v), nil
		case xml.EndElement:
			return f.emit(v), nil
		case xml.CharData:
			return v, nil
		}
		// comments, processing instructions: dropped
	}
}

// lookahead reads a simple parameter's content. drop reports an empty one
// (only white space), which is dropped whole.
func (f *bodyFilter) lookahead(st xml.StartElement) (toks []xml.Token, drop bool, err error) {
	toks = []xml.Token{st}
	empty := true
	for {
		t, err := f.g.Token()
		if err != nil {
			return nil, false, err
		}
		switch v := t.(type) {
		case xml.CharData:
			if !isXMLSpace(v) {
				empty = false
			}
			toks = append(toks, v.Copy())
		case xml.EndElement:
			if empty {
				return nil, true, nil
			}
			return append(toks, v), false, nil
		case xml.StartElement:
			// encoding/xml would read it as the element's text, i.e. an
			// empty value: "<folderId><x/></folderId>" must not become "".
			return nil, false, elementInValue(st.Name.Local, v)
		}
	}
}

func (f *bodyFilter) emit(t xml.Token) xml.Token {
	switch v := t.(type) {
	case xml.StartElement:
		if f.depth == 0 {
			f.types = append(f.types, f.reqType)
		} else {
			f.types = append(f.types, childType(f.types[len(f.types)-1], v.Name.Local))
		}
		f.depth++
		f.path = append(f.path, v.Name.Local)
		f.last = v.Name.Local
	case xml.EndElement:
		if n := len(f.types); n > 0 {
			f.types = f.types[:n-1]
		}
		f.depth--
		if n := len(f.path); n > 0 {
			f.last = f.path[n-1]
			f.path = f.path[:n-1]
		}
		if f.depth == 0 {
			f.done = true
		}
	}
	return t
}

func isNil(st xml.StartElement) bool {
	for _, a := range st.Attr {
		if a.Name.Local == "nil" && (a.Name.Space == xsiNS || a.Name.Space == "xsi") {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// mapAttrs maps suds' "ns1:name" attribute values back to "cmis:name".
func (f *bodyFilter) mapAttrs(st xml.StartElement) xml.StartElement {
	var out []xml.Attr
	for i, a := range st.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		p, rest, ok := strings.Cut(a.Value, ":")
		if !ok || p == "cmis" || p == "" || strings.ContainsAny(p, " /") {
			continue
		}
		if f.g.ns.Resolve(p, nil) != cmis.CoreNS {
			continue
		}
		if out == nil {
			out = append([]xml.Attr(nil), st.Attr...)
		}
		out[i].Value = "cmis:" + rest
	}
	if out != nil {
		st.Attr = out
	}
	return st
}

// decodeRequest decodes the operation element into req.
func decodeRequest(env *envelope, req any) error {
	f := newBodyFilter(env, req)
	if err := xml.NewTokenDecoder(f).Decode(req); err != nil {
		return f.decodeErr(err)
	}
	return nil
}

func (f *bodyFilter) decodeErr(err error) error {
	var re *requestError
	if errors.As(err, &re) {
		return err
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return xmlErr(err)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return xmlErr(err)
	}
	var ue xml.UnmarshalError
	if errors.As(err, &ue) {
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "cannot decode the request: " + string(ue), err: err}
	}
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return &requestError{typ: cmis.ErrInvalidArgument,
			msg: fmt.Sprintf("element %s: invalid value %q", f.last, ne.Num), err: err}
	}
	return &requestError{typ: cmis.ErrInvalidArgument, msg: fmt.Sprintf("element %s: %v", f.last, err), err: err}
}

var childCache sync.Map // reflect.Type -> map[string]reflect.Type

// childType is the Go type a child element named local decodes into, in
// an element of type t; nil when it is not known (no such field, an ",any"
// catch-all, a custom unmarshaler, a name two fields share).
func childType(t reflect.Type, local string) reflect.Type {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(xmlUnmarshalerType) {
		return nil
	}
	if m, ok := childCache.Load(t); ok {
		return m.(map[string]reflect.Type)[local]
	}
	m := map[string]reflect.Type{}
	addChildFields(t, m, 0)
	childCache.Store(t, m)
	return m[local]
}

func addChildFields(t reflect.Type, m map[string]reflect.Type, depth int) {
	if depth > 8 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		fld := t.Field(i)
		tag := fld.Tag.Get("xml")
		name, opts, _ := strings.Cut(tag, ",")
		if fld.Anonymous && name == "" && fld.Type.Kind() == reflect.Struct {
			addChildFields(fld.Type, m, depth+1)
			continue
		}
		if c, ok := reflect.Zero(fld.Type).Interface().(interface {
			Alternatives() []generated.Alternative
		}); ok {
			// A repeated choice (properties, property definitions): one
			// element per alternative, each of its own type.
			for _, a := range c.Alternatives() {
				m[a.Name.Local] = reflect.TypeOf(a.New())
			}
			continue
		}
		if !fld.IsExported() || fld.Name == "XMLName" || name == "-" || !elementField(opts) || strings.Contains(name, ">") {
			continue // attributes, chardata, any, innerxml, paths
		}
		if j := strings.LastIndexByte(name, ' '); j >= 0 {
			name = name[j+1:]
		}
		if name == "" {
			name = fld.Name
		}
		ft := fld.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 {
			ft = ft.Elem() // one element per item
		}
		if _, dup := m[name]; dup {
			m[name] = nil
			continue
		}
		m[name] = ft
	}
}

// elementField reports whether a field with these xml tag options is
// decoded from a child element of its own name.
func elementField(opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "attr", "chardata", "cdata", "innerxml", "comment", "any":
			return false
		}
	}
	return true
}

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	xmlUnmarshalerType  = reflect.TypeFor[xml.Unmarshaler]()
)

// elementInValue is the fault for an element where a simple value belongs.
func elementInValue(in string, child xml.StartElement) error {
	return &requestError{typ: cmis.ErrInvalidArgument,
		msg: fmt.Sprintf("element %s holds a value, not the element <%s>", in, child.Name.Local)}
}

// isSimpleType reports whether values of t are text (not elements).
func isSimpleType(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(xmlUnmarshalerType) && !pt.Implements(textUnmarshalerType) {
		return false
	}
	if pt.Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Interface, reflect.Map:
		return false
	case reflect.Slice:
		// []byte is base64 text; []string and friends are repeated
		// simple elements, each of which may come empty.
		return t.Elem().Kind() == reflect.Uint8 || isSimpleType(t.Elem())
	}
	return true
}
