package decoderef

import (
	"encoding"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

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

func newBodyFilter(g *guardReader, body xml.StartElement, req any) *bodyFilter {
	return &bodyFilter{g: g, start: body, reqType: reflect.TypeOf(req)}
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
			if !xsd.IsXMLSpace(v) {
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
		if a.Name.Local == "nil" && (a.Name.Space == xsd.XSINS || a.Name.Space == "xsi") {
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
		if f.g.ns.Resolve(p, nil) != generated.CoreNS {
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
func decodeRequest(g *guardReader, body xml.StartElement, req any) error {
	f := newBodyFilter(g, body, req)
	if err := xml.NewTokenDecoder(f).Decode(req); err != nil {
		return f.decodeErr(err)
	}
	return nil
}

func (f *bodyFilter) decodeErr(err error) error {
	var fe *Fault
	if errors.As(err, &fe) {
		return fe
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
		return clientFault("cannot decode the request: %s", string(ue))
	}
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return clientFault("element %s: invalid value %q", f.last, ne.Num)
	}
	return clientFault("element %s: %v", f.last, err)
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
	return clientFault("element %s holds a value, not the element <%s>", in, child.Name.Local)
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
