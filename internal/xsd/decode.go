package xsd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strconv"
)

// What the generated request readers (generated/read.go) call: reading a
// request body element from a Reader with the rules the server has always
// applied to what clients send:
//   - an element with xsi:nil="true" is absent (skipped unread);
//   - an element where a value belongs (a Shape says so) must not hold
//     elements;
//   - attribute values "p:local" with p bound to the CMIS core namespace
//     read as "cmis:local" (Reader.RewritePrefixedValues);
//   - the rest as encoding/xml's Unmarshal would fill the same struct.

// Shape is what the request checks know of an element, by the local names
// of the struct fields: its content is a value (Simple), or its children
// have the shapes in Children. A nil Shape is an element nothing is known
// of: nothing in it is checked.
type Shape struct {
	Simple   bool
	Children map[string]*Shape
}

// SimpleShape is the shape of every element that holds a value.
var SimpleShape = &Shape{Simple: true}

// Child is the shape of a child element named local.
func (s *Shape) Child(local []byte) *Shape {
	if s == nil {
		return nil
	}
	return s.Children[string(local)]
}

// A ContentError is an element whose content does not fit its type. Msg
// is meant for the client.
type ContentError struct {
	Msg string
	Err error
}

func (e *ContentError) Error() string { return e.Msg }

func (e *ContentError) Unwrap() error { return e.Err }

// elementInValue is the error for an element where a value belongs.
func elementInValue(in, child []byte) error {
	return &ContentError{Msg: "element " + string(in) + " holds a value, not the element <" + string(child) + ">"}
}

// valueError is the error for the value of element local.
func valueError(local string, err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return &ContentError{Msg: "element " + local + ": invalid value " + strconv.Quote(ne.Num), Err: err}
	}
	return &ContentError{Msg: "element " + local + ": " + err.Error(), Err: err}
}

// Child advances to the next child element of the element being read,
// passing over text, comments, processing instructions and children with
// xsi:nil="true". It returns false once it has read the element's end tag.
func (r *Reader) Child() (bool, error) {
	for {
		k, err := r.Next()
		if err != nil {
			return false, err
		}
		switch k {
		case StartElement:
			if r.IsNil() {
				if err := r.Skip(); err != nil {
					return false, err
				}
				continue
			}
			return true, nil
		case EndElement:
			return false, nil
		}
	}
}

// Value reads the content of the element whose start tag was just read,
// up to its end tag, as a value: the text directly in it (children with
// xsi:nil="true" passed over; any other element is an error). The bytes
// are valid until the next Value or Param.
func (r *Reader) Value() ([]byte, error) { return r.value(false) }

// Param is Value for a parameter of an operation: there, an element of
// any kind in the value is an error.
func (r *Reader) Param() ([]byte, error) { return r.value(true) }

func (r *Reader) value(param bool) ([]byte, error) {
	in := r.name.local
	var val []byte
	n := 0
	r.val = r.val[:0]
	for {
		k, err := r.Next()
		if err != nil {
			return nil, err
		}
		switch k {
		case CharData:
			switch {
			case n == 0 && !r.textInBuf:
				val = r.text // a slice of the input: stable
			case n == 1 && len(r.val) == 0:
				r.val = append(append(r.val, val...), r.text...)
				val = r.val
			default:
				r.val = append(r.val, r.text...)
				val = r.val
			}
			n++
		case StartElement:
			if !param && r.IsNil() {
				if err := r.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			return nil, elementInValue(in, r.name.local)
		case EndElement:
			return val, nil
		}
	}
}

// SkipChecked reads the rest of the element whose start tag was just
// read, with shape s: an element inside one that holds a value is an
// error, as if it were read.
func (r *Reader) SkipChecked(s *Shape) error {
	if s == nil {
		return r.Skip()
	}
	in := r.name.local
	for {
		ok, err := r.Child()
		if !ok || err != nil {
			return err
		}
		if s.Simple {
			return elementInValue(in, r.name.local)
		}
		if err := r.SkipChecked(s.Child(r.name.local)); err != nil {
			return err
		}
	}
}

// IsXMLSpace reports whether b is XML white space only (an empty
// parameter, which is absent).
func IsXMLSpace(b []byte) bool { return len(bytes.Trim(b, " \t\r\n")) == 0 }

// XMLAttr returns the attribute as an encoding/xml attribute.
func (a *Attr) XMLAttr() xml.Attr {
	return xml.Attr{Name: xml.Name{Space: a.Space, Local: string(a.Local)}, Value: string(a.Value)}
}

// ReadAnyAttr appends a to as unless it is a namespace declaration.
func (as *AnyAttrs) ReadAnyAttr(a *Attr) {
	if !a.IsNamespaceDecl() {
		*as = append(*as, a.XMLAttr())
	}
}

// ParseXsiType reads an xsi:type value as UnmarshalXMLAttr does.
func ParseXsiType(v []byte) XsiType {
	v = bytes.TrimSpace(v)
	if i := bytes.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	return XsiType(v)
}

// Int reads the value of element local as an xs:integer (empty: 0).
func Int(v []byte, local string) (int64, error) {
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
	if err != nil {
		return 0, valueError(local, err)
	}
	return n, nil
}

// Bool reads the value of element local as an xs:boolean (empty: false).
func Bool(v []byte, local string) (bool, error) {
	if len(v) == 0 {
		return false, nil
	}
	b, err := strconv.ParseBool(string(bytes.TrimSpace(v)))
	if err != nil {
		return false, valueError(local, err)
	}
	return b, nil
}

// ReadDateTime reads the value of element local as an xs:dateTime.
func ReadDateTime(v []byte, local string) (DateTime, error) {
	t, err := ParseDateTime(string(v))
	if err != nil {
		return DateTime{}, valueError(local, err)
	}
	return t, nil
}

// ReadDecimal reads the value of element local as an xs:decimal.
func ReadDecimal(v []byte, local string) (Decimal, error) {
	d, err := ParseDecimal(string(v))
	if err != nil {
		return "", valueError(local, err)
	}
	return d, nil
}

// ReadXML reads a <stream> element whose start tag was just read: an
// xop:Include child, or base64 text (see UnmarshalXML).
func (s *Stream) ReadXML(r *Reader) error {
	*s = Stream{}
	local := r.name.local
	var text []byte
	include := false
	for {
		k, err := r.Next()
		if err != nil {
			return err
		}
		switch k {
		case StartElement:
			if r.IsNil() {
				if err := r.Skip(); err != nil {
					return err
				}
				continue
			}
			if err := s.include(r, local, include); err != nil {
				return err
			}
			include = true
		case CharData:
			text = append(text, r.text...)
		case EndElement:
			if err := s.finish(include, text); err != nil {
				return valueError(string(local), err)
			}
			return nil
		}
	}
}

// include reads an xop:Include in a <stream>.
func (s *Stream) include(r *Reader, in []byte, seen bool) error {
	if r.space != XOPNS || string(r.name.local) != "Include" || seen {
		return valueError(string(r.name.local),
			errors.New("xsd: unexpected element <"+string(r.name.local)+"> in <"+string(in)+">"))
	}
	for i := range r.attrs {
		if a := r.Attr(i); a.Space == "" && string(a.Local) == "href" {
			s.Href = string(bytes.TrimPrefix(bytes.TrimSpace(a.Value), []byte("cid:")))
		}
	}
	if s.Href == "" {
		return valueError(string(r.name.local), errors.New("xsd: xop:Include without href"))
	}
	return r.Skip()
}
