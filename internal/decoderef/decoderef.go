// Package decoderef is the request decoding cmisd used before the
// generated readers (generated/read.go, internal/xsd): encoding/xml's
// Decoder and Unmarshal behind the checks that normalise what clients
// send. It is kept as it was, as the reference the differential tests
// compare the readers with, request for request and fault for fault;
// nothing in the server imports it.
package decoderef

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cmisd/cmisd/internal/xop"
	"github.com/cmisd/cmisd/internal/xsd"
)

const (
	soap11NS  = "http://schemas.xmlsoap.org/soap/envelope/"
	actorNext = "http://schemas.xmlsoap.org/soap/actor/next"
	wsseNS    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
)

// Fault is a request refused: the SOAP faultcode (Client, VersionMismatch,
// MustUnderstand; all with the CMIS type invalidArgument) and the message
// the client is told.
type Fault struct {
	Code string
	Msg  string
}

func (f *Fault) Error() string { return f.Code + ": " + f.Msg }

func clientFault(format string, args ...any) *Fault {
	return &Fault{Code: "Client", Msg: fmt.Sprintf(format, args...)}
}

// Envelope is what the header and the start of the body said.
type Envelope struct {
	Security Security
	Body     xml.Name
}

// Security is the WS-Security header entries, as the server read them.
type Security struct {
	Timestamps []Timestamp     `xml:"Timestamp"`
	Tokens     []UsernameToken `xml:"UsernameToken"`
}

type Timestamp struct {
	Created string `xml:"Created"`
	Expires string `xml:"Expires"`
}

type UsernameToken struct {
	Username string    `xml:"Username"`
	Password *Password `xml:"Password"`
}

type Password struct {
	Type  string `xml:"Type,attr"`
	Value string `xml:",chardata"`
}

var securityNamespaces = map[string]bool{
	wsseNS: true,
	"http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd": true,
	"http://schemas.xmlsoap.org/ws/2002/07/secext":                       true,
	"http://schemas.xmlsoap.org/ws/2002/04/secext":                       true,
}

// Decode reads a SOAP envelope: the header, then the first child of the
// Body into the request newRequest returns for its name (nil: an unknown
// operation, whose name is all that is returned).
func Decode(data []byte, maxDepth int, newRequest func(xml.Name) any) (*Envelope, any, error) {
	g := newGuard(data, maxDepth)
	env := &Envelope{}
	body, err := parseEnvelope(g, env)
	if err != nil {
		return nil, nil, err
	}
	env.Body = body.Name
	req := newRequest(body.Name)
	if req == nil {
		return env, nil, nil
	}
	if err := decodeRequest(g, body, req); err != nil {
		return env, nil, err
	}
	return env, req, nil
}

// DecodeElement decodes a lone request body element (data holds it
// alone) into req.
func DecodeElement(data []byte, maxDepth int, req any) error {
	g := newGuard(data, maxDepth)
	for {
		t, err := g.Token()
		if err != nil {
			return xmlErr(err)
		}
		if st, ok := t.(xml.StartElement); ok {
			return decodeRequest(g, st.Copy(), req)
		}
	}
}

// xmlErr maps a decoding error to the fault for it.
func xmlErr(err error) error {
	var fe *Fault
	if errors.As(err, &fe) {
		return fe
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return clientFault("malformed XML: %s", se.Msg)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return clientFault("malformed XML: unexpected end of the message")
	}
	return clientFault("malformed XML: %s", err.Error())
}

// parseEnvelope reads the envelope and its header entries and stops at the
// first child of the Body.
func parseEnvelope(g *guardReader, env *Envelope) (xml.StartElement, error) {
	var root xml.StartElement
	for {
		t, err := g.Token()
		if err != nil {
			if err == io.EOF {
				return root, clientFault("the request holds no XML element")
			}
			return root, xmlErr(err)
		}
		if st, ok := t.(xml.StartElement); ok {
			root = st
			break
		}
		if cd, ok := t.(xml.CharData); ok && !xsd.IsXMLSpace(cd) {
			return root, clientFault("malformed XML: text before the root element")
		}
	}
	if root.Name.Local != "Envelope" {
		return root, clientFault("the request is not a SOAP envelope (root element %s)", root.Name.Local)
	}
	if root.Name.Space != soap11NS {
		return root, &Fault{Code: "VersionMismatch", Msg: "only SOAP 1.1 is supported (envelope namespace " + soap11NS + ")"}
	}
	seenHeader := false
	for {
		t, err := g.Token()
		if err != nil {
			return root, xmlErr(err)
		}
		switch v := t.(type) {
		case xml.StartElement:
			switch {
			case v.Name.Space == soap11NS && v.Name.Local == "Header" && !seenHeader:
				seenHeader = true
				if err := parseHeader(g, env); err != nil {
					return root, err
				}
			case v.Name.Space == soap11NS && v.Name.Local == "Body":
				return findBodyChild(g)
			default:
				return root, clientFault("unexpected element %s in the SOAP envelope", v.Name.Local)
			}
		case xml.EndElement:
			return root, clientFault("the SOAP envelope has no Body")
		case xml.CharData:
			if !xsd.IsXMLSpace(v) {
				return root, clientFault("malformed SOAP envelope: text in the Envelope element")
			}
		}
	}
}

func findBodyChild(g *guardReader) (xml.StartElement, error) {
	for {
		t, err := g.Token()
		if err != nil {
			return xml.StartElement{}, xmlErr(err)
		}
		switch v := t.(type) {
		case xml.StartElement:
			return v.Copy(), nil
		case xml.EndElement:
			return xml.StartElement{}, clientFault("the SOAP Body is empty")
		case xml.CharData:
			if !xsd.IsXMLSpace(v) {
				return xml.StartElement{}, clientFault("malformed SOAP envelope: text in the Body element")
			}
		}
	}
}

// parseHeader reads the header entries: wsse:Security is understood, any
// other entry that must be understood is a MustUnderstand fault.
func parseHeader(g *guardReader, env *Envelope) error {
	for {
		t, err := g.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch v := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if v.Name.Local == "Security" && securityNamespaces[v.Name.Space] {
				var sec Security
				if err := xml.NewTokenDecoder(&subtree{g: g, start: v}).Decode(&sec); err != nil {
					return xmlErr(err)
				}
				env.Security.Timestamps = append(env.Security.Timestamps, sec.Timestamps...)
				env.Security.Tokens = append(env.Security.Tokens, sec.Tokens...)
				continue
			}
			if mustUnderstand(v) {
				return &Fault{Code: "MustUnderstand", Msg: fmt.Sprintf("header entry {%s}%s is not understood", v.Name.Space, v.Name.Local)}
			}
			if err := g.skip(); err != nil {
				return xmlErr(err)
			}
		}
	}
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
	return nil, clientFault("unsupported XML encoding %q: send UTF-8", label)
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
			return nil, clientFault("the SOAP message nests elements deeper than %d levels", g.maxDepth)
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
