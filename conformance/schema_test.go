package conformance

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/internal/testenv"
)

// Every answer of every replay case is valid against the OASIS schemas of
// its CMIS version: the CMIS 1.1 XSDs in wsdl/ for requests to /services/,
// the CMIS 1.0 ones in wsdl/1.0/ for requests to /services10/. xmllint
// (libxml2) validates, with the schema checks the generated types cannot
// make (minOccurs, enumerations, the order of a sequence). The cases are
// what the server answers now: TestReplay fails when they are not.

// xmllintNeed: xmllint, of Debian's libxml2-utils.
var xmllintNeed = testenv.Need{
	What:     "xmllint (Debian package libxml2-utils)",
	Required: "CMISD_REQUIRE_CLIENTS",
	How:      "make deps installs libxml2-utils",
}

const (
	soapNS = "http://schemas.xmlsoap.org/soap/envelope/"
	xopNS  = "http://www.w3.org/2004/08/xop/include"
)

// messagingXSD is the schema an answer of a version is validated with; it
// imports its Core schema.
var messagingXSD = map[string]string{"1.1": "../wsdl/CMIS-Messaging.xsd", "1.0": "../wsdl/1.0/CMIS-Messaging.xsd"}

func TestSchemaValid(t *testing.T) {
	_, err := exec.LookPath("xmllint")
	testenv.Require(t, xmllintNeed, err == nil, "xmllint is not on PATH")
	dirs, err := filepath.Glob(filepath.Join("cases", "*"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	docs := map[string][]string{} // version -> files to validate
	names := map[string]string{}  // file -> case/exchange
	counts := map[string]int{}
	for _, dir := range dirs {
		exchanges, err := LoadCase(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, ex := range exchanges {
			if ex.Response == nil {
				continue
			}
			version, err := requestVersion(ex.Request)
			if err != nil {
				t.Fatalf("%s/%s: %v", dir, ex.Name, err)
			}
			doc, err := answerDocument(ex.Response)
			if err != nil {
				t.Errorf("%s/%s: %v", dir, ex.Name, err)
				continue
			}
			if doc == nil {
				continue // no CMIS element: an HTTP-level answer
			}
			f := filepath.Join(tmp, fmt.Sprintf("%04d.xml", len(names)))
			if err := os.WriteFile(f, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			names[f] = filepath.Base(dir) + "/" + ex.Name
			docs[version] = append(docs[version], f)
			counts[version]++
		}
	}
	if counts["1.1"] == 0 || counts["1.0"] == 0 {
		t.Errorf("answers validated: %v; want some of each version", counts)
	}
	for version, files := range docs {
		for file, errs := range xmllint(t, messagingXSD[version], files) {
			t.Errorf("%s (CMIS %s) is not valid:\n%s", names[file], version, strings.Join(errs, "\n"))
		}
	}
	t.Logf("validated %v answers", counts)
}

// requestVersion is the CMIS version of a recorded request: its path.
func requestVersion(raw []byte) (string, error) {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return "", fmt.Errorf("request line %q", line)
	}
	if strings.HasPrefix(f[1], "/services10/") {
		return "1.0", nil
	}
	return "1.1", nil
}

// answerDocument is the CMIS element of a recorded answer as a document
// of its own: the SOAP Body's child, or a fault's cmisFault, with the
// namespace declarations it inherits, and the content of each MTOM
// attachment inlined as base64 where its xop:Include stands. nil: the
// answer holds no CMIS element.
func answerDocument(raw []byte) ([]byte, error) {
	_, header, body, err := ParseResponse(raw)
	if err != nil {
		return nil, err
	}
	ct := header.Get("Content-Type")
	env, err := Envelope(ct, body)
	if err != nil {
		return nil, err
	}
	parts, err := Parts(ct, body)
	if err != nil {
		return nil, err
	}
	doc, err := standalone(env, func(path []xml.Name) bool {
		n := len(path)
		switch {
		case n == 3 && path[1] == (xml.Name{Space: soapNS, Local: "Body"}):
			return path[2] != (xml.Name{Space: soapNS, Local: "Fault"})
		case n == 5 && path[2] == (xml.Name{Space: soapNS, Local: "Fault"}) && path[3].Local == "detail":
			return true
		}
		return false
	})
	if doc == nil || err != nil {
		return nil, err
	}
	return inlineXOP(doc, parts)
}

var includeRE = regexp.MustCompile(`<([A-Za-z0-9_.-]+):Include\b[^>]*\bhref="cid:([^"]+)"[^>]*(?:/>|>\s*</[A-Za-z0-9_.-]+:Include>)`)

// inlineXOP replaces each xop:Include by the base64 of its attachment.
func inlineXOP(doc []byte, parts []Part) ([]byte, error) {
	var missing error
	out := includeRE.ReplaceAllFunc(doc, func(m []byte) []byte {
		id := string(includeRE.FindSubmatch(m)[2])
		i := slices.IndexFunc(parts, func(p Part) bool { return p.ID == id })
		if i < 0 {
			missing = fmt.Errorf("xop:Include of a missing part %q", id)
			return nil
		}
		return []byte(base64.StdEncoding.EncodeToString(parts[i].Data))
	})
	if bytes.Contains(out, []byte(xopNS)) && missing == nil {
		missing = errors.New("an xop:Include left after inlining")
	}
	return out, missing
}

// standalone copies out of doc the first element whose path (the names
// from the root down to it) pick accepts, as a document: its bytes as
// they are, with the namespace declarations of its ancestors added to its
// start tag. nil when no element is picked.
func standalone(doc []byte, pick func(path []xml.Name) bool) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var path []xml.Name
	var scopes []map[string]string // prefix -> namespace declared on each open element
	for {
		start := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			decl := map[string]string{}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					decl[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					decl[""] = a.Value
				}
			}
			path = append(path, resolve(t.Name, scopes, decl))
			if pick(path) {
				if err := skipRaw(d); err != nil {
					return nil, err
				}
				return withDeclarations(doc[start:d.InputOffset()], t.Name, scopes, decl), nil
			}
			scopes = append(scopes, decl)
		case xml.EndElement:
			path, scopes = path[:len(path)-1], scopes[:len(scopes)-1]
		}
	}
}

// skipRaw reads raw tokens to the end of the element just started.
func skipRaw(d *xml.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := d.RawToken()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// resolve is the expanded name of a raw (prefixed) name.
func resolve(n xml.Name, scopes []map[string]string, own map[string]string) xml.Name {
	if ns, ok := own[n.Space]; ok {
		return xml.Name{Space: ns, Local: n.Local}
	}
	for i := len(scopes) - 1; i >= 0; i-- {
		if ns, ok := scopes[i][n.Space]; ok {
			return xml.Name{Space: ns, Local: n.Local}
		}
	}
	return xml.Name{Local: n.Local}
}

// withDeclarations puts the in-scope declarations the element does not
// make itself into its start tag, after its name.
func withDeclarations(elem []byte, name xml.Name, scopes []map[string]string, own map[string]string) []byte {
	inScope := map[string]string{}
	for _, s := range scopes {
		for p, ns := range s {
			inScope[p] = ns
		}
	}
	var prefixes []string
	for p := range inScope {
		if _, ok := own[p]; !ok {
			prefixes = append(prefixes, p)
		}
	}
	sort.Strings(prefixes)
	var decl bytes.Buffer
	for _, p := range prefixes {
		attr := "xmlns"
		if p != "" {
			attr += ":" + p
		}
		fmt.Fprintf(&decl, ` %s="%s"`, attr, inScope[p])
	}
	tag := name.Local
	if name.Space != "" {
		tag = name.Space + ":" + name.Local
	}
	n := 1 + len(tag) // "<" and the name
	out := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`), elem[:n]...)
	out = append(out, decl.Bytes()...)
	return append(out, elem[n:]...)
}

// xmllint validates files against schema and returns the errors of each
// file that does not validate.
func xmllint(t *testing.T, schema string, files []string) map[string][]string {
	t.Helper()
	bad := map[string][]string{}
	for len(files) > 0 {
		batch := files[:min(len(files), 200)]
		files = files[len(batch):]
		cmd := exec.Command("xmllint", append([]string{"--noout", "--nonet", "--schema", schema}, batch...)...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("xmllint: %v\n%s", err, out)
		}
		valid := map[string]bool{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if f, ok := strings.CutSuffix(line, " validates"); ok {
				valid[f] = true
				continue
			}
			if f, _, ok := strings.Cut(line, ":"); ok && slices.Contains(batch, f) {
				if !strings.HasSuffix(line, " fails to validate") {
					bad[f] = append(bad[f], line)
				}
			}
		}
		for _, f := range batch {
			if !valid[f] && bad[f] == nil {
				bad[f] = []string{"xmllint said neither valid nor why:\n" + string(out)}
			}
		}
	}
	return bad
}

// The validation finds what it must: an answer carrying a CMIS 1.1 value
// is valid against 1.1 and not against 1.0, and MTOM content is inlined
// (or missing content said).
func TestSchemaValidCatches(t *testing.T) {
	_, err := exec.LookPath("xmllint")
	testenv.Require(t, xmllintNeed, err == nil, "xmllint is not on PATH")
	envelope := func(body string) string {
		return `<?xml version="1.0"?><s:Envelope xmlns:s="` + soapNS + `" xmlns:c="http://docs.oasis-open.org/ns/cmis/core/200908/"><s:Body>` + body + `</s:Body></s:Envelope>`
	}
	text := func(body string) []byte {
		return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n" + envelope(body))
	}
	mtom := func(body, cid string) []byte {
		return []byte("HTTP/1.1 200 OK\r\nContent-Type: multipart/related; type=\"application/xop+xml\"; boundary=b; start=\"<root>\"\r\n\r\n" +
			"--b\r\nContent-Type: application/xop+xml\r\nContent-ID: <root>\r\n\r\n" + envelope(body) +
			"\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-ID: <" + cid + ">\r\n\r\nhello\r\n--b--\r\n")
	}
	typeDef := func(base string) string {
		return `<m:getTypeDefinitionResponse xmlns:m="http://docs.oasis-open.org/ns/cmis/messaging/200908/"><m:type>` +
			`<c:id>t</c:id><c:localName>t</c:localName><c:localNamespace>u</c:localNamespace><c:baseId>` + base + `</c:baseId>` +
			`<c:creatable>true</c:creatable><c:fileable>true</c:fileable><c:queryable>true</c:queryable><c:fulltextIndexed>false</c:fulltextIndexed>` +
			`<c:includedInSupertypeQuery>true</c:includedInSupertypeQuery><c:controllablePolicy>false</c:controllablePolicy>` +
			`<c:controllableACL>false</c:controllableACL></m:type></m:getTypeDefinitionResponse>`
	}
	stream := `<m:getContentStreamResponse xmlns:m="http://docs.oasis-open.org/ns/cmis/messaging/200908/"><m:contentStream>` +
		`<m:stream><xop:Include xmlns:xop="` + xopNS + `" href="cid:part1"/></m:stream></m:contentStream></m:getContentStreamResponse>`
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		answer  []byte
		version string
		valid   bool
	}{
		{"document type, 1.0", text(typeDef("cmis:document")), "1.0", true},
		{"item type, 1.1", text(typeDef("cmis:item")), "1.1", true},
		{"item type, 1.0", text(typeDef("cmis:item")), "1.0", false},
		{"content inlined", mtom(stream, "part1"), "1.1", true},
	} {
		doc, err := answerDocument(tt.answer)
		if err != nil || doc == nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		f := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".xml")
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		errs := xmllint(t, messagingXSD[tt.version], []string{f})
		if (len(errs) == 0) != tt.valid {
			t.Errorf("%s: valid %v, want %v: %v\n%s", tt.name, len(errs) == 0, tt.valid, errs, doc)
		}
		if tt.name == "content inlined" && !bytes.Contains(doc, []byte(base64.StdEncoding.EncodeToString([]byte("hello")))) {
			t.Errorf("content not inlined:\n%s", doc)
		}
	}
	if _, err := answerDocument(mtom(stream, "other")); err == nil {
		t.Error("an xop:Include of a missing part went unnoticed")
	}
}
