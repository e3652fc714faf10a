package server

// The request decoding (envelope.go, security.go, generated/read.go on
// internal/xsd's Reader) against the encoding/xml decoding it replaced
// (internal/decoderef): for the same XML, the same request, the same
// credentials, or the same fault.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/decoderef"
	"github.com/cmisd/cmisd/internal/xop"
	"github.com/cmisd/cmisd/internal/xsd"
)

// decodedRequest is what either decoding made of an envelope.
type decodedRequest struct {
	security wsSecurity
	body     xml.Name
	req      any
}

// decodeNew decodes data as processSOAP and dispatch do.
func decodeNew(data []byte) (*decodedRequest, error) {
	env, err := parseEnvelope(data, DefaultMaxDepth)
	if err != nil {
		return nil, err
	}
	defer env.release()
	d := &decodedRequest{security: env.security, body: env.body}
	op := generated.Operations[env.body.Local]
	if op == nil || env.body.Space != cmis.MessagingNS {
		return d, nil
	}
	req := op.NewRequest()
	if err := decodeRequest(env, req); err != nil {
		return nil, err
	}
	d.req = req
	return d, nil
}

// decodeRef decodes data with encoding/xml, as the server did.
func decodeRef(data []byte) (*decodedRequest, error) {
	env, req, err := decoderef.Decode(data, DefaultMaxDepth, func(n xml.Name) any {
		if op := generated.Operations[n.Local]; op != nil && n.Space == cmis.MessagingNS {
			return op.NewRequest()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := &decodedRequest{body: env.Body, req: req}
	for _, ts := range env.Security.Timestamps {
		d.security.Timestamps = append(d.security.Timestamps, wsTimestamp{Created: ts.Created, Expires: ts.Expires})
	}
	for _, tok := range env.Security.Tokens {
		t := wsUsernameToken{Username: tok.Username}
		if tok.Password != nil {
			t.Password = &wsPassword{Type: tok.Password.Type, Value: tok.Password.Value}
		}
		d.security.Tokens = append(d.security.Tokens, t)
	}
	return d, nil
}

// sameDecoding reports how the two decodings of data differ ("" when they
// agree).
func sameDecoding(data []byte) string {
	want, werr := decodeRef(data)
	got, err := decodeNew(data)
	switch {
	case werr != nil && err != nil:
		var f *decoderef.Fault
		if !errors.As(werr, &f) {
			return fmt.Sprintf("reference error %v (%T) is not a fault", werr, werr)
		}
		g := faultFor(err)
		if g.code != f.Code || g.typ != cmis.ErrInvalidArgument || g.message != f.Msg {
			return fmt.Sprintf("fault %s/%s %q, reference %s/invalidArgument %q", g.code, g.typ, g.message, f.Code, f.Msg)
		}
		return ""
	case werr != nil:
		return fmt.Sprintf("accepted; the reference refused it: %v", werr)
	case err != nil:
		return fmt.Sprintf("refused (%v); the reference accepted it", err)
	}
	if !reflect.DeepEqual(want.security, got.security) {
		return fmt.Sprintf("security %s, reference %s", dump(got.security), dump(want.security))
	}
	if want.body != got.body {
		return fmt.Sprintf("body %v, reference %v", got.body, want.body)
	}
	if !reflect.DeepEqual(want.req, got.req) {
		return fmt.Sprintf("request\n%s\nreference\n%s", dump(got.req), dump(want.req))
	}
	return ""
}

// dump prints v with the values behind pointers.
func dump(v any) string {
	var b strings.Builder
	var walk func(v reflect.Value, indent string)
	walk = func(v reflect.Value, indent string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			walk(v.Elem(), indent)
		case reflect.Struct:
			fmt.Fprintf(&b, "%s{\n", v.Type())
			for i := range v.NumField() {
				if !v.Type().Field(i).IsExported() {
					continue
				}
				fmt.Fprintf(&b, "%s  %s: ", indent, v.Type().Field(i).Name)
				walk(v.Field(i), indent+"  ")
				b.WriteString("\n")
			}
			b.WriteString(indent + "}")
		case reflect.Slice:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			if v.Type().Elem().Kind() == reflect.Uint8 {
				fmt.Fprintf(&b, "%q", v.Bytes())
				return
			}
			b.WriteString("[")
			for i := range v.Len() {
				walk(v.Index(i), indent+"  ")
				b.WriteString(", ")
			}
			b.WriteString("]")
		default:
			fmt.Fprintf(&b, "%#v", v.Interface())
		}
	}
	walk(reflect.ValueOf(v), "")
	return b.String()
}

// divert runs the reading path's first step on a text/xml body, as the
// server does before it parses, with a limit of maxXML bytes: inline
// content out to spool files, <! declarations, depth and size refused.
func divert(spoolDir string, body []byte, maxXML int64) ([]byte, error) {
	rd := xop.NewReader(xop.Options{SpoolDir: spoolDir, MaxXMLBytes: maxXML,
		MaxDepth: DefaultMaxDepth, Stream: streamElement})
	defer rd.Close()
	data, err := rd.ReadText(bytes.NewReader(body))
	return bytes.Clone(data), err
}

// casesDir holds the replay cases; their own requests are
// <case>/*.request.http (the others name a directory of recordedDir).
const casesDir = "../conformance/cases"

// decodeSample is one envelope for the two decodings.
type decodeSample struct {
	name string
	data []byte
	v10  bool // sent to the CMIS 1.0 face
}

// decodeSamples returns every request recorded from a real client and
// every replay case's request, as the server's reading path leaves them
// (readXML: the MTOM root part, inline content diverted to a spool file),
// and, for each text/xml request whose content came inline, its body as
// sent, so that both decodings read the base64 text themselves.
func decodeSamples(t testing.TB) []decodeSample {
	t.Helper()
	recorded, err := filepath.Glob(filepath.Join(recordedDir, "*", "*.http"))
	if err != nil {
		t.Fatal(err)
	}
	cases, err := filepath.Glob(filepath.Join(casesDir, "*", "*.request.http"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) < 100 || len(cases) < 500 {
		t.Fatalf("requests: %d recorded, %d in replay cases", len(recorded), len(cases))
	}
	srv := newTestServer(t, nil).srv
	var out []decodeSample
	for _, path := range append(recorded, cases...) {
		rec := loadRecorded(t, path)
		name := rec.client + "/" + strings.TrimSuffix(rec.name, ".request")
		v10 := strings.HasPrefix(rec.uri, "/services10/")
		inline := false
		rd := xop.NewReader(srv.bodyOptions(func() error { inline = true; return nil }))
		x := &exchange{}
		data, err := srv.readXML(recordedRequest(rec), x, rd)
		data = bytes.Clone(data)
		rd.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, decodeSample{name: name, data: data, v10: v10})
		if inline && !x.mtom {
			// Without its byte order mark, which the diverter drops.
			body := bytes.TrimPrefix(rec.body, []byte("\xef\xbb\xbf"))
			out = append(out, decodeSample{name: name + " (inline content)", data: body, v10: v10})
		}
	}
	return out
}

// Every request recorded from a real client (JAX-WS, WCF, zeep, node,
// libcmis, on both faces) and every replay case's request decodes to the
// same request and credentials both ways: MTOM roots with xop:Include,
// content inline in base64, WS-Security headers as each client writes
// them. The counts prove each kind is there.
func TestRequestsDecodeLikeReference(t *testing.T) {
	var n, v10, include, inline, tokens, timestamps int
	for _, s := range decodeSamples(t) {
		if diff := sameDecoding(s.data); diff != "" {
			t.Errorf("%s: %s", s.name, diff)
			continue
		}
		d, err := decodeNew(s.data)
		if err != nil || d.req == nil {
			t.Errorf("%s: decoded %v, %v: want a request", s.name, d, err)
			continue
		}
		n++
		if s.v10 {
			v10++
		}
		if stream := contentStream(d.req); stream != nil && stream.Href != "" {
			include++
		} else if stream != nil {
			inline++
		}
		if len(d.security.Tokens) > 0 {
			tokens++
		}
		if len(d.security.Timestamps) > 0 {
			timestamps++
		}
	}
	t.Logf("%d requests: %d to CMIS 1.0, %d with xop:Include, %d with inline content, %d with a UsernameToken, %d with a Timestamp",
		n, v10, include, inline, tokens, timestamps)
	if v10 < 100 || include < 20 || inline < 10 || tokens < n*9/10 || timestamps < 10 {
		t.Errorf("the requests do not cover every kind")
	}
}

// contentStream is the content stream a request carries, if any.
func contentStream(req any) *xsd.Stream {
	v := reflect.ValueOf(req).Elem().FieldByName("ContentStream")
	if !v.IsValid() || v.IsNil() {
		return nil
	}
	return v.Interface().(*generated.CmisContentStreamType).Stream
}

// misuseXML are requests a client should not send: each is refused with a
// client fault that says why, the same way both decodings (or by the
// diverter before either, for what it refuses: size, DOCTYPE, depth).
// want "" is input either decoding may accept, as long as both agree.
var misuseXML = []struct{ name, xml, want string }{
	{"DTD", `<!DOCTYPE e [<!ENTITY x "y">]>` + soapWrap(`<m:getRepositories/>`), "DOCTYPE"},
	{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
		soapWrap(`<m:getRepositoryInfo><m:repositoryId>&lol2;</m:repositoryId></m:getRepositoryInfo>`), "DOCTYPE"},
	{"external entity", soapWrap(`<m:getRepositoryInfo><m:repositoryId>&xxe;</m:repositoryId></m:getRepositoryInfo>`), "invalid character entity &xxe;"},
	{"deep nesting", soapWrap(`<m:getRepositories>` + strings.Repeat("<m:extension>", 70) + strings.Repeat("</m:extension>", 70) + `</m:getRepositories>`), "deeper than 64"},
	{"long attribute", soapWrap(`<m:getRepositoryInfo a="` + strings.Repeat("x", misuseMaxXML/2) + `"><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`), ""},
	{"oversized", soapWrap(`<m:getRepositoryInfo a="` + strings.Repeat("x", misuseMaxXML) + `"><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`), "larger than the limit"},
	{"bad UTF-8 in text", soapWrap("<m:getRepositoryInfo><m:repositoryId>A\xff1</m:repositoryId></m:getRepositoryInfo>"), "invalid UTF-8"},
	{"bad UTF-8 in a name", soapWrap("<m:getRepositoryInfo><m:repositoryId\xff>A1</m:repositoryId\xff></m:getRepositoryInfo>"), "invalid XML name"},
	{"control character", soapWrap("<m:getRepositoryInfo><m:repositoryId>A&#1;</m:repositoryId></m:getRepositoryInfo>"), "illegal character code U+0001"},
	{"unbound prefix on the operation", `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Body><q:getRepositories/></soap:Body></soap:Envelope>`, ""},
	{"unbound prefix in the body", soapWrap(`<m:getRepositoryInfo><q:repositoryId>A1</q:repositoryId></m:getRepositoryInfo>`), ""},
	{"unbound prefix on the envelope", `<soap:Envelope><soap:Body/></soap:Envelope>`, "SOAP 1.1"},
	{"mismatched tags", soapWrap(`<m:getRepositoryInfo><m:repositoryId>A1</m:objectId></m:getRepositoryInfo>`), "closed by"},
	{"truncated in a tag", soapWrap(`<m:getRepositoryInfo><m:repositoryId>A1`)[:200], "ended in the middle"},
	{"truncated", strings.TrimSuffix(soapWrap(`<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId>`), `</soap:Body></soap:Envelope>`), "unexpected EOF"},
	{"value with an element", soapWrap(`<m:getRepositoryInfo><m:repositoryId>A<b/>1</m:repositoryId></m:getRepositoryInfo>`), "holds a value"},
	{"nil element in a value", soapWrap(`<m:getRepositoryInfo><m:repositoryId>A<b xsi:nil="true"/>1</m:repositoryId></m:getRepositoryInfo>`), "holds a value"},
	{"bad integer", soapWrap(`<m:getChildren><m:repositoryId>A1</m:repositoryId><m:folderId>f</m:folderId><m:maxItems>1e3</m:maxItems></m:getChildren>`), `maxItems: invalid value "1e3"`},
	{"bad dateTime", soapWrap(`<m:updateProperties><m:repositoryId>A1</m:repositoryId><m:objectId>o</m:objectId><m:properties><cmis:propertyDateTime propertyDefinitionId="d"><cmis:value>yesterday</cmis:value></cmis:propertyDateTime></m:properties></m:updateProperties>`), "xs:dateTime"},
	{"bad decimal", soapWrap(`<m:updateProperties><m:repositoryId>A1</m:repositoryId><m:objectId>o</m:objectId><m:properties><cmis:propertyDecimal propertyDefinitionId="d"><cmis:value>1e5</cmis:value></cmis:propertyDecimal></m:properties></m:updateProperties>`), "xs:decimal"},
	{"stream with an element", soapWrap(`<m:createDocument><m:repositoryId>A1</m:repositoryId><m:properties/><m:contentStream><m:stream><x/></m:stream></m:contentStream></m:createDocument>`), "unexpected element <x> in <stream>"},
	{"include without href", soapWrap(`<m:createDocument><m:repositoryId>A1</m:repositoryId><m:properties/><m:contentStream><m:stream><xop:Include xmlns:xop="` + xsd.XOPNS + `"/></m:stream></m:contentStream></m:createDocument>`), "without href"},
	{"XML 1.1", `<?xml version="1.1"?>` + soapWrap(`<m:getRepositories/>`)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], "unsupported version"},
	{"UTF-16", `<?xml version="1.0" encoding="UTF-16"?>` + soapWrap(`<m:getRepositories/>`)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], "UTF-16"},
	{"text in the envelope", `<soap:Envelope xmlns:soap="` + soap11NS + `">x<soap:Body/></soap:Envelope>`, "text in the Envelope"},
	{"two roots", `<a/><soap:Envelope xmlns:soap="` + soap11NS + `"/>`, "not a SOAP envelope"},
}

// misuseMaxXML is the limit on the XML of a misuse case.
const misuseMaxXML = 1 << 20

func TestMisuseDecodesLikeReference(t *testing.T) {
	for _, c := range misuseXML {
		t.Run(c.name, func(t *testing.T) {
			data, err := divert(t.TempDir(), []byte(c.xml), misuseMaxXML)
			if err == nil {
				if diff := sameDecoding(data); diff != "" {
					t.Fatal(diff)
				}
				_, err = decodeNew(data)
			}
			if c.want == "" {
				return // accepted or refused, as the reference does
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if f := faultFor(err); f.code != codeClient && f.code != codeVersionMismatch || !strings.Contains(f.message, c.want) {
				t.Errorf("fault %s %q, want one saying %q", f.code, f.message, c.want)
			}
		})
	}
}

// FuzzDecode compares the two decodings on what the diverter lets
// through (neither may panic), seeded with the envelopes of
// decodeSamples and the misuse cases; make test runs the seeds only:
//
//	go test -tags "$TAGS" ./server -run '^$' -fuzz FuzzDecode -fuzztime 5m -fuzzminimizetime 10s
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSamples(f) {
		f.Add(s.data)
	}
	for _, c := range misuseXML {
		if len(c.xml) < 4096 {
			f.Add([]byte(c.xml))
		}
	}
	spool := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte) {
		data, err := divert(spool, body, misuseMaxXML)
		if err != nil {
			return
		}
		if decoderef.Quirky(data) {
			decodeNew(data) // the two may differ here on purpose; no panic
			return
		}
		if diff := sameDecoding(data); diff != "" {
			t.Fatalf("%q:\n%s", data, diff)
		}
	})
}
