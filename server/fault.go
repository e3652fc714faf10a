package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/xop"
)

// SOAP 1.1 fault codes (local names in the envelope namespace).
const (
	codeClient          = "Client"
	codeServer          = "Server"
	codeVersionMismatch = "VersionMismatch"
	codeMustUnderstand  = "MustUnderstand"
)

// requestError is a request the server rejects itself, before or around
// dispatch (malformed XML, unknown operation, missing credentials...);
// internal/xop reports a broken body as an *xop.Error instead. It becomes
// a fault with faultcode soap:Client (or the SOAP code it names) and the
// CMIS type it carries.
type requestError struct {
	code   string         // SOAP faultcode local name; codeClient when empty
	typ    cmis.ErrorType // cmisFault type
	msg    string         // sent to the client
	status int            // HTTP status; 500 when 0
	err    error          // cause, logged only
}

func (e *requestError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *requestError) Unwrap() error { return e.err }

// badRequest is an invalidArgument Client fault.
func badRequest(format string, args ...any) *requestError {
	return &requestError{typ: cmis.ErrInvalidArgument, msg: fmt.Sprintf(format, args...)}
}

// fault is what the client is told.
type fault struct {
	code    string // SOAP faultcode local name
	typ     cmis.ErrorType
	message string
	status  int
	detail  bool // whether to send the cmisFault detail
	// internal reports an error whose text is not sent (logged in full).
	internal bool
}

// faultFor maps any error to the fault sent for it: this is the one place
// where CMIS error types become SOAP faults.
func faultFor(err error) fault {
	var re *requestError
	if errors.As(err, &re) {
		f := fault{code: re.code, typ: re.typ, message: re.msg, status: re.status, detail: true}
		if f.code == "" {
			f.code = codeClient
		}
		if f.typ == "" {
			f.typ = cmis.ErrInvalidArgument
		}
		if f.status == 0 {
			f.status = http.StatusInternalServerError
		}
		// SOAP 1.1 §4.4: detail is for Body processing errors only; it
		// must not carry information about header entries or versions.
		if f.code == codeVersionMismatch || f.code == codeMustUnderstand {
			f.detail = false
		}
		return f
	}
	// A body the client got wrong (broken MTOM framing, a body cut short,
	// the XML limits), wherever it surfaced: in reading the request, or
	// through a content stream a service was reading.
	var xe *xop.Error
	if errors.As(err, &xe) {
		return fault{code: codeClient, typ: cmis.ErrInvalidArgument, message: xe.Msg,
			status: http.StatusInternalServerError, detail: true}
	}
	if ce, ok := cmis.AsError(err); ok && knownTypes[ce.Type] {
		msg := ce.Message
		if msg == "" {
			msg = string(ce.Type)
		}
		return fault{code: codeServer, typ: ce.Type, message: msg, status: http.StatusInternalServerError, detail: true}
	}
	return fault{code: codeServer, typ: cmis.ErrRuntime, message: "internal error",
		status: http.StatusInternalServerError, detail: true, internal: true}
}

// knownTypes are the enumServiceException values; an error of another
// type is an internal error.
var knownTypes = map[cmis.ErrorType]bool{
	cmis.ErrConstraint: true, cmis.ErrNameConstraintViolation: true, cmis.ErrContentAlreadyExists: true,
	cmis.ErrFilterNotValid: true, cmis.ErrInvalidArgument: true, cmis.ErrNotSupported: true,
	cmis.ErrObjectNotFound: true, cmis.ErrPermissionDenied: true, cmis.ErrRuntime: true,
	cmis.ErrStorage: true, cmis.ErrStreamNotSupported: true, cmis.ErrUpdateConflict: true,
	cmis.ErrVersioning: true,
}

// outcome is the log value of a fault: its CMIS type, or the SOAP code for
// faults that carry none.
func (f fault) outcome() string {
	if !f.detail {
		return f.code
	}
	return string(f.typ)
}

// appendFaultBody appends the <soap:Fault> element (without envelope).
func appendFaultBody(b *bytes.Buffer, f fault) {
	msg := cleanXMLString(f.message)
	b.WriteString(`<soap:Fault><faultcode>soap:`)
	b.WriteString(f.code)
	b.WriteString(`</faultcode><faultstring>`)
	xmlEscape(b, msg)
	b.WriteString(`</faultstring>`)
	if f.detail {
		b.WriteString(`<detail><cmism:cmisFault><cmism:type>`)
		xmlEscape(b, string(f.typ))
		b.WriteString(`</cmism:type><cmism:code>0</cmism:code><cmism:message>`)
		xmlEscape(b, msg)
		b.WriteString(`</cmism:message></cmism:cmisFault></detail>`)
	}
	b.WriteString(`</soap:Fault>`)
}

func xmlEscape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

// cleanXMLString drops what XML 1.0 cannot carry: invalid UTF-8 and the
// characters outside Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] |
// [#xE000-#xFFFD] | [#x10000-#x10FFFF].
func cleanXMLString(s string) string {
	clean := true
	for i, r := range s {
		if (r == utf8.RuneError && isBadRune(s[i:])) || !isXMLChar(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError && isBadRune(s[i:]) {
			continue
		}
		if isXMLChar(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBadRune(s string) bool {
	_, n := utf8.DecodeRuneInString(s)
	return n <= 1 && !strings.HasPrefix(s, "\uFFFD")
}

func isXMLChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
