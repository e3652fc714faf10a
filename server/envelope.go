package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"sync"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xop"
	"github.com/cmisd/cmisd/internal/xsd"
)

const (
	soap11NS  = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12NS  = "http://www.w3.org/2003/05/soap-envelope"
	xsiNS     = "http://www.w3.org/2001/XMLSchema-instance"
	actorNext = "http://schemas.xmlsoap.org/soap/actor/next"
)

// envelope is a parsed SOAP 1.1 envelope up to the first child of the
// Body: r is positioned on that child's start tag, whose name is body.
// Envelopes are pooled: release one when the request is decoded.
type envelope struct {
	r        xsd.Reader
	security wsSecurity
	body     xml.Name
}

var envelopes = sync.Pool{New: func() any { return new(envelope) }}

// release forgets the request (credentials included) and pools env.
func (env *envelope) release() {
	env.r.Reset(nil, 0)
	env.security, env.body = wsSecurity{}, xml.Name{}
	envelopes.Put(env)
}

// parseEnvelope reads the envelope and its header entries and stops at the
// first child of the Body. data must stay unchanged until release.
func parseEnvelope(data []byte, maxDepth int) (*envelope, error) {
	env := envelopes.Get().(*envelope)
	env.r.Reset(data, maxDepth)
	if err := env.parse(); err != nil {
		env.release()
		return nil, err
	}
	return env, nil
}

func (env *envelope) parse() error {
	r := &env.r
	if err := env.root(); err != nil {
		return err
	}
	seenHeader := false
	for {
		k, err := r.Next()
		if err != nil {
			return xmlErr(err)
		}
		switch k {
		case xsd.StartElement:
			switch {
			case r.Space() == soap11NS && string(r.Local()) == "Header" && !seenHeader:
				seenHeader = true
				if err := env.parseHeader(); err != nil {
					return err
				}
			case r.Space() == soap11NS && string(r.Local()) == "Body":
				// suds writes QNames in attribute values with its own
				// prefix for the core namespace (WIRE-NOTES 9).
				r.RewritePrefixedValues(cmis.CoreNS, "cmis")
				return env.findBodyChild()
			default:
				return badRequest("unexpected element %s in the SOAP envelope", r.Local())
			}
		case xsd.EndElement:
			return badRequest("the SOAP envelope has no Body")
		case xsd.CharData:
			if !xsd.IsXMLSpace(r.Text()) {
				return badRequest("malformed SOAP envelope: text in the Envelope element")
			}
		}
	}
}

// root reads up to the root element, which must be a SOAP 1.1 Envelope.
func (env *envelope) root() error {
	r := &env.r
	for {
		k, err := r.Next()
		if err != nil {
			return xmlErr(err)
		}
		switch k {
		case xsd.EOF:
			return badRequest("the request holds no XML element")
		case xsd.CharData:
			if !xsd.IsXMLSpace(r.Text()) {
				return badRequest("malformed XML: text before the root element")
			}
		case xsd.StartElement:
			if string(r.Local()) != "Envelope" {
				return badRequest("the request is not a SOAP envelope (root element %s)", r.Local())
			}
			if r.Space() != soap11NS {
				return &requestError{code: codeVersionMismatch, typ: cmis.ErrInvalidArgument,
					msg: "only SOAP 1.1 is supported (envelope namespace " + soap11NS + ")"}
			}
			return nil
		}
	}
}

func (env *envelope) findBodyChild() error {
	r := &env.r
	for {
		k, err := r.Next()
		if err != nil {
			return xmlErr(err)
		}
		switch k {
		case xsd.StartElement:
			env.body = xml.Name{Space: r.Space(), Local: operationName(r.Local())}
			return nil
		case xsd.EndElement:
			return badRequest("the SOAP Body is empty")
		case xsd.CharData:
			if !xsd.IsXMLSpace(r.Text()) {
				return badRequest("malformed SOAP envelope: text in the Body element")
			}
		}
	}
}

// operationName is local as a string, without allocating for the name of
// an operation.
func operationName(local []byte) string {
	if op := generated.Operations[string(local)]; op != nil {
		return op.Name
	}
	return string(local)
}

// parseHeader reads the header entries: wsse:Security is understood, any
// other entry that must be understood is a MustUnderstand fault.
func (env *envelope) parseHeader() error {
	r := &env.r
	for {
		ok, err := nextChild(r)
		if err != nil {
			return xmlErr(err)
		}
		if !ok {
			return nil
		}
		if isSecurityHeader(r.Space(), r.Local()) {
			if err := env.security.read(r); err != nil {
				return xmlErr(err)
			}
			continue
		}
		if mustUnderstand(r) {
			return &requestError{code: codeMustUnderstand, typ: cmis.ErrInvalidArgument,
				msg: fmt.Sprintf("header entry {%s}%s is not understood", r.Space(), r.Local())}
		}
		if err := r.Skip(); err != nil {
			return xmlErr(err)
		}
	}
}

// mustUnderstand reports whether the header entry whose start tag was
// just read is targeted at this node and carries mustUnderstand="1" or
// "true" (qualified with the envelope namespace or, as suds writes it,
// unqualified).
func mustUnderstand(r *xsd.Reader) bool {
	mu := false
	for i := range r.AttrCount() {
		a := r.Attr(i)
		if a.Space != soap11NS && a.Space != "" {
			continue
		}
		v := bytes.TrimSpace(a.Value)
		switch string(a.Local) {
		case "mustUnderstand":
			mu = string(v) == "1" || string(v) == "true"
		case "actor":
			if len(v) > 0 && string(v) != actorNext {
				return false // meant for another node
			}
		}
	}
	return mu
}

// nextChild advances to the next child element of the element being read
// (true), or past its end tag (false).
func nextChild(r *xsd.Reader) (bool, error) {
	for {
		k, err := r.Next()
		if err != nil {
			return false, err
		}
		switch k {
		case xsd.StartElement:
			return true, nil
		case xsd.EndElement:
			return false, nil
		}
	}
}

// xmlErr maps an error of reading the request's XML to the fault for it.
func xmlErr(err error) error {
	var (
		re *requestError
		se *xsd.SyntaxError
		le *xsd.LimitError
		ce *xsd.ContentError
		ve *xsd.ErrVersion
		ee *xsd.ErrEncoding
	)
	switch {
	case errors.As(err, &re):
		return err
	case errors.Is(err, xsd.ErrDoctype):
		// The diverter refuses it first (xop.ErrDoctype); this is for XML
		// that did not come through it.
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: " + xop.ErrDoctype.Msg, err: err}
	case errors.As(err, &se):
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: " + se.Msg, err: err}
	case errors.As(err, &le) && le.What == "depth":
		return badRequest("the SOAP message nests elements deeper than %d levels", le.Limit)
	case errors.As(err, &le):
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "the SOAP message has " + le.Error(), err: err}
	case errors.As(err, &ce):
		return &requestError{typ: cmis.ErrInvalidArgument, msg: ce.Msg, err: err}
	case errors.As(err, &ve):
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: " + ve.Error(), err: err}
	case errors.As(err, &ee):
		return badRequest("unsupported XML encoding %q: send UTF-8", ee.Encoding)
	}
	return &requestError{typ: cmis.ErrInvalidArgument, msg: "malformed XML: " + err.Error(), err: err}
}

// decodeRequest reads the operation element, whose start tag env.r has
// just read, into req (a new request of the operation).
func decodeRequest(env *envelope, req any) error {
	br, ok := req.(generated.BodyReader)
	if !ok {
		return fmt.Errorf("server: %T has no generated reader", req)
	}
	if err := br.ReadBody(&env.r); err != nil {
		return xmlErr(err)
	}
	return nil
}
