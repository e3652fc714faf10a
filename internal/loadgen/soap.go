// Package loadgen puts SOAP load on a CMIS 1.1 Web Services server and
// measures it: the request bodies (a one-part MTOM package or text/xml,
// with a WS-Security UsernameToken), the benchmark's data set, keep-alive
// workers with a warm-up and a measured interval, latency percentiles,
// and the server's own cost over that interval (CPU time from
// /proc/PID/stat, heap allocations from cmisd's --debug-listen).
//
// cmd/cmisd-load wires flags to it; the benchmarks in conformance use it.
package loadgen

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"strings"
	"time"
)

// Namespaces of the envelopes.
const (
	MessagingNS = "http://docs.oasis-open.org/ns/cmis/messaging/200908/"
	CoreNS      = "http://docs.oasis-open.org/ns/cmis/core/200908/"
	SOAPNS      = "http://schemas.xmlsoap.org/soap/envelope/"
	XOPNS       = "http://www.w3.org/2004/08/xop/include"
	wsseNS      = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	wsuNS       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	passText    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
)

// TextXML is the content type of a plain SOAP 1.1 request.
const TextXML = "text/xml; charset=utf-8"

// Escape escapes s for XML text and attribute values.
func Escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Security is the WS-Security header OpenCMIS (and, in the wsse
// namespace, libcmis) sends: a timestamp valid for a day and a
// UsernameToken with the clear-text password and its creation time.
func Security(user, password string, now time.Time) string {
	created := now.UTC().Format("2006-01-02T15:04:05.000Z")
	expires := now.UTC().Add(24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	return `<S:Header><wsse:Security xmlns:wsse="` + wsseNS + `" xmlns:wsu="` + wsuNS + `" S:mustUnderstand="1">` +
		`<wsu:Timestamp><wsu:Created>` + created + `</wsu:Created><wsu:Expires>` + expires + `</wsu:Expires></wsu:Timestamp>` +
		`<wsse:UsernameToken><wsse:Username>` + Escape(user) + `</wsse:Username>` +
		`<wsse:Password Type="` + passText + `">` + Escape(password) + `</wsse:Password>` +
		`<wsu:Created>` + created + `</wsu:Created></wsse:UsernameToken></wsse:Security></S:Header>`
}

// Envelope wraps a Body element (prefixes cmism and cmis) in a SOAP 1.1
// envelope after header (Security's, or "" for none).
func Envelope(header, body string) []byte {
	var b bytes.Buffer
	b.Grow(len(header) + len(body) + 256)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="` + SOAPNS +
		`" xmlns:cmis="` + CoreNS + `" xmlns:cmism="` + MessagingNS + `">`)
	b.WriteString(header)
	b.WriteString(`<S:Body>`)
	b.WriteString(body)
	b.WriteString(`</S:Body></S:Envelope>`)
	return b.Bytes()
}

// Part is an MTOM attachment.
type Part struct {
	ContentID string // without <>
	Data      []byte
}

// Include is the <stream> content naming an attachment.
func Include(cid string) string {
	return `<xop:Include xmlns:xop="` + XOPNS + `" href="cid:` + cid + `"/>`
}

// MTOM lays out an MTOM/XOP package: the envelope as its root part, then
// each attachment. It returns the body and its Content-Type. Boundary and
// root Content-ID are fresh per package, as JAX-WS makes them.
func MTOM(env []byte, parts ...Part) (body []byte, contentType string) {
	boundary := "uuid:" + randHex(16)
	root := "rootpart*" + randHex(8) + "@cmisd-load"
	var b bytes.Buffer
	n := len(env) + 512
	for _, p := range parts {
		n += len(p.Data) + 256
	}
	b.Grow(n)
	b.WriteString("--" + boundary + "\r\nContent-Id: <" + root + ">\r\n" +
		"Content-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\n\r\n")
	b.Write(env)
	for _, p := range parts {
		b.WriteString("\r\n--" + boundary + "\r\nContent-Id: <" + p.ContentID + ">\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n")
		b.Write(p.Data)
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), `multipart/related;start="<` + root + `>";type="application/xop+xml";boundary="` +
		boundary + `";start-info="text/xml"`
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// FirstElement is the text of the first element with the given local
// name in a SOAP answer, text or the root part of an MTOM answer.
func FirstElement(data []byte, local string) string {
	if i := bytes.Index(data, []byte("<?xml")); i > 0 {
		data = data[i:]
	}
	if i := bytes.Index(data, []byte("Envelope>")); i > 0 {
		data = data[:i+len("Envelope>")]
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	for range 100000 {
		t, err := d.Token()
		if err != nil {
			return ""
		}
		if st, ok := t.(xml.StartElement); ok && st.Name.Local == local {
			var s string
			if d.DecodeElement(&s, &st) != nil {
				return ""
			}
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// Truncate shortens s to n bytes for a message.
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
