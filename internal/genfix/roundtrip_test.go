package main

// Every request recorded from a real SOAP client decodes into the generated
// request type of its operation, carries the values the client sent, and
// survives Marshal and a second Unmarshal unchanged.

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

const (
	soap11NS = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12NS = "http://www.w3.org/2003/05/soap-envelope"
)

// recorded is one recorded HTTP request, split into its parts.
type recorded struct {
	root  []byte            // the SOAP envelope (root MIME part, or the body)
	parts map[string][]byte // other MIME parts by Content-ID, without <>
}

// readRecorded parses a file holding a raw HTTP request: request line,
// headers, body. A multipart/related body is split into parts; WCF on Mono
// puts its real multipart Content-Type into MIME headers at the top of the
// body (WIRE-NOTES 2).
func readRecorded(t *testing.T, path string) recorded {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("reading HTTP request: %v", err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	// WCF writes type=application/xop+xml unquoted, which mime rejects as a
	// parameter (but still returns the media type).
	mediaType, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil && err != mime.ErrInvalidMediaParameter {
		t.Fatalf("Content-Type: %v", err)
	}
	if mediaType != "multipart/related" {
		return recorded{root: body}
	}
	br := bufio.NewReader(bytes.NewReader(body))
	if params["boundary"] == "" {
		h, err := textproto.NewReader(br).ReadMIMEHeader()
		if err != nil {
			t.Fatalf("MIME headers in body: %v", err)
		}
		if _, params, err = mime.ParseMediaType(h.Get("Content-Type")); err != nil || params["boundary"] == "" {
			t.Fatalf("no multipart boundary: %v", err)
		}
	}
	rec := recorded{parts: map[string][]byte{}}
	start := strings.Trim(params["start"], "<>")
	mr := multipart.NewReader(br, params["boundary"])
	first := true
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		id := strings.Trim(p.Header.Get("Content-Id"), "<>")
		// Honour start; without it the first part is the root (WIRE-NOTES 3).
		if (start != "" && id == start) || (start == "" && first) {
			rec.root = data
		} else {
			rec.parts[id] = data
		}
		first = false
	}
	if rec.root == nil {
		t.Fatalf("no root part (start %q)", start)
	}
	return rec
}

// decodeBody finds the SOAP Body's first child and decodes it into the
// request type of its operation.
func decodeBody(t *testing.T, envelope []byte) (*generated.Operation, any) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(envelope))
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no SOAP Body child: %v", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !inBody {
			inBody = start.Name.Local == "Body" && (start.Name.Space == soap11NS || start.Name.Space == soap12NS)
			continue
		}
		if start.Name.Space != generated.MessagingNS {
			t.Fatalf("body element %s not in the messaging namespace", start.Name.Space)
		}
		op := generated.Operations[start.Name.Local]
		if op == nil {
			t.Fatalf("no operation for body element %s", start.Name.Local)
		}
		req := op.NewRequest()
		if err := d.DecodeElement(req, &start); err != nil {
			t.Fatalf("decoding %s: %v", start.Name.Local, err)
		}
		return op, req
	}
}

func TestRoundTripRecordedRequests(t *testing.T) {
	// The module's one copy of the recordings (see its README).
	files, err := filepath.Glob(filepath.Join("..", "..", "conformance", "recorded", "*", "*.http"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("found %d recorded requests, want all of conformance/recorded", len(files))
	}
	seen := map[string]int{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".http")
		t.Run(filepath.Base(filepath.Dir(path))+"/"+name, func(t *testing.T) {
			rec := readRecorded(t, path)
			op, req := decodeBody(t, rec.root)
			if !strings.HasSuffix(name, "-"+op.Name) {
				t.Fatalf("decoded operation %s from %s", op.Name, name)
			}
			seen[op.Name]++
			checkRequest(t, req, rec)

			// The HTTP layer diverts content before encoding/xml sees it and
			// leaves an xop:Include; do the same for inline base64 here.
			if s := streamOf(req); s != nil && s.Href == "" {
				s.Href, s.Reader = "spooled-content", nil
			}
			if s := streamOf(req); s != nil {
				s.Reader = nil
			}
			out, err := xml.Marshal(req)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			again := op.NewRequest()
			if err := xml.Unmarshal(out, again); err != nil {
				t.Fatalf("Unmarshal of own output: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(req, again) {
				t.Errorf("round trip changed the request:\nbefore %s\nafter  %s\nXML    %s", dump(req), dump(again), out)
			}
			// Same elements, in the same namespaces, as the client sent
			// (catches a wrong namespace, which Unmarshal alone would not:
			// a tag without namespace matches any).
			if in, got := elementNames(t, rec.root, true), elementNames(t, out, false); !reflect.DeepEqual(in, got) {
				t.Errorf("elements differ from the request:\nclient %v\nours   %v", in, got)
			}
		})
	}
	// The scenario covers these operations for every client (libcmis has no
	// query); make sure none silently went missing.
	for _, op := range []string{"getRepositories", "getRepositoryInfo", "getTypeChildren", "getChildren",
		"createFolder", "createDocument", "getContentStream", "updateProperties", "query", "checkOut",
		"checkIn", "getObjectByPath", "deleteTree", "getObject", "getTypeDefinition", "getProperties"} {
		if seen[op] == 0 {
			t.Errorf("no recorded %s request decoded", op)
		}
	}
}

// elementNames counts the elements of the body element (inBody: of the
// SOAP Body's first child) by namespace and local name, ignoring
// xop:Include, which the HTTP layer adds or removes.
func elementNames(t *testing.T, data []byte, inBody bool) map[xml.Name]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	names := map[xml.Name]int{}
	depth := 0
	started := !inBody
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !started {
				started = tok.Name.Local == "Body" && (tok.Name.Space == soap11NS || tok.Name.Space == soap12NS)
				continue
			}
			depth++
			if tok.Name.Space != xsd.XOPNS {
				names[tok.Name]++
			}
		case xml.EndElement:
			if started && depth == 0 {
				return names // end of Body
			}
			depth--
		}
	}
}

func dump(v any) string {
	b, err := xml.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

func streamOf(req any) *xsd.Stream {
	var cs *generated.CmisContentStreamType
	switch r := req.(type) {
	case *generated.CreateDocument:
		cs = r.ContentStream
	case *generated.CheckIn:
		cs = r.ContentStream
	case *generated.SetContentStream:
		cs = r.ContentStream
	}
	if cs == nil {
		return nil
	}
	return cs.Stream
}

// propertyValues flattens a property bag into id -> values as text.
func propertyValues(p *generated.CmisPropertiesType) map[string][]string {
	m := map[string][]string{}
	if p == nil {
		return m
	}
	for _, x := range generated.OfType[*generated.CmisPropertyString](p.Properties) {
		m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], x.Value...)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyId](p.Properties) {
		m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], x.Value...)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyBoolean](p.Properties) {
		for _, v := range x.Value {
			m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], fmt.Sprint(v))
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyInteger](p.Properties) {
		for _, v := range x.Value {
			m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], fmt.Sprint(v))
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyDateTime](p.Properties) {
		for _, v := range x.Value {
			m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], v.String())
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyDecimal](p.Properties) {
		for _, v := range x.Value {
			m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], string(v))
		}
	}
	for _, x := range generated.OfType[*generated.CmisPropertyHtml](p.Properties) {
		m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], x.Value...)
	}
	for _, x := range generated.OfType[*generated.CmisPropertyUri](p.Properties) {
		for _, v := range x.Value {
			m[x.PropertyDefinitionId] = append(m[x.PropertyDefinitionId], string(v))
		}
	}
	return m
}

func wantProps(t *testing.T, p *generated.CmisPropertiesType, objectTypeID string) {
	t.Helper()
	vals := propertyValues(p)
	if name := vals["cmis:name"]; len(name) != 1 || name[0] == "" {
		t.Errorf("cmis:name = %q, want one non-empty value (properties %v)", name, vals)
	}
	if objectTypeID != "" {
		if typ := vals["cmis:objectTypeId"]; len(typ) != 1 || typ[0] != objectTypeID {
			t.Errorf("cmis:objectTypeId = %q, want %q", typ, objectTypeID)
		}
	}
}

func nonEmpty(t *testing.T, what, v string) {
	t.Helper()
	if v == "" {
		t.Errorf("%s is empty", what)
	}
}

// checkRequest asserts that the values the scenario sends came through.
func checkRequest(t *testing.T, req any, rec recorded) {
	switch r := req.(type) {
	case *generated.GetRepositories:
	case *generated.GetRepositoryInfo:
		if r.RepositoryId != "A1" {
			t.Errorf("repositoryId = %q", r.RepositoryId)
		}
	case *generated.GetTypeChildren:
		if r.RepositoryId != "A1" {
			t.Errorf("repositoryId = %q", r.RepositoryId)
		}
		if r.IncludePropertyDefinitions == nil {
			t.Error("includePropertyDefinitions missing")
		}
	case *generated.GetTypeDefinition:
		nonEmpty(t, "typeId", r.TypeId)
	case *generated.GetChildren:
		nonEmpty(t, "folderId", r.FolderId)
	case *generated.CreateFolder:
		wantProps(t, r.Properties, "cmis:folder")
		nonEmpty(t, "folderId", r.FolderId)
	case *generated.CreateDocument:
		wantProps(t, r.Properties, "cmis:document")
		if r.FolderId == nil || *r.FolderId == "" {
			t.Error("folderId missing")
		}
		checkContent(t, r.ContentStream, rec)
	case *generated.GetContentStream:
		nonEmpty(t, "objectId", r.ObjectId)
	case *generated.GetProperties:
		nonEmpty(t, "objectId", r.ObjectId)
	case *generated.UpdateProperties:
		nonEmpty(t, "objectId", r.ObjectId)
		wantProps(t, r.Properties, "")
	case *generated.Query:
		if !strings.HasPrefix(strings.ToUpper(r.Statement), "SELECT") {
			t.Errorf("statement = %q", r.Statement)
		}
	case *generated.CheckOut:
		nonEmpty(t, "objectId", r.ObjectId)
	case *generated.CheckIn:
		nonEmpty(t, "objectId", r.ObjectId)
		if r.ContentStream != nil {
			checkContent(t, r.ContentStream, rec)
		}
	case *generated.GetObjectByPath:
		if !strings.HasPrefix(r.Path, "/") {
			t.Errorf("path = %q", r.Path)
		}
	case *generated.DeleteTree:
		nonEmpty(t, "folderId", r.FolderId)
	case *generated.GetObject:
		nonEmpty(t, "objectId", r.ObjectId)
	default:
		t.Errorf("no checks for %T", req)
	}
}

// checkContent: the content is either an xop:Include naming a MIME part of
// the request or inline base64; either way it holds <length> bytes.
func checkContent(t *testing.T, cs *generated.CmisContentStreamType, rec recorded) {
	t.Helper()
	if cs == nil || cs.Stream == nil {
		t.Fatal("contentStream/stream missing")
	}
	var content []byte
	if cs.Stream.Href != "" {
		var ok bool
		content, ok = rec.parts[cs.Stream.Href]
		if !ok {
			// Some clients URL-escape the Content-ID in the href (WIRE-NOTES 2).
			if u, err := url.PathUnescape(cs.Stream.Href); err == nil {
				content, ok = rec.parts[u]
			}
		}
		if !ok {
			t.Fatalf("href %q names no MIME part (have %v)", cs.Stream.Href, keys(rec.parts))
		}
	} else {
		if cs.Stream.Reader == nil {
			t.Fatal("inline stream without Reader")
		}
		var err error
		if content, err = io.ReadAll(cs.Stream.Reader); err != nil {
			t.Fatal(err)
		}
	}
	if cs.Length != nil && int64(len(content)) != *cs.Length {
		t.Errorf("content has %d bytes, <length> says %d", len(content), *cs.Length)
	}
	if len(content) != 3000 {
		t.Errorf("content has %d bytes, the scenario sends 3000", len(content))
	}
	if cs.MimeType == nil || *cs.MimeType == "" {
		t.Error("mimeType missing")
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
