package main

// What the server writes with the generated types: xsi:type on type
// definitions, required elements even when false or 0, no absent optional
// elements, repeated properties; and the dispatch table.

import (
	"context"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

func ptr[T any](v T) *T { return &v }

// envelope wraps a body element the way the server writes responses: xsi
// and cmis are declared on the Envelope (xsd.XsiType relies on that).
func envelope(body []byte) []byte {
	return []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
		` xmlns:cmis="` + generated.CoreNS + `"><S:Body>` + string(body) + `</S:Body></S:Envelope>`)
}

func unwrap(t *testing.T, env []byte, v any) {
	t.Helper()
	var e struct {
		Body struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	// Decode from the envelope itself so that the prefixes are in scope.
	d := xml.NewDecoder(strings.NewReader(string(env)))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space != "http://schemas.xmlsoap.org/soap/envelope/" {
			if err := d.DecodeElement(v, &se); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
}

func documentType() *generated.CmisTypeDefinitionType {
	return &generated.CmisTypeDefinitionType{
		XsiType:                  generated.XsiCmisTypeDocumentDefinitionType,
		Id:                       "cmis:document",
		LocalName:                "document",
		LocalNamespace:           "http://cmisd/",
		DisplayName:              ptr("Document"),
		QueryName:                ptr("cmis:document"),
		BaseId:                   generated.EnumBaseObjectTypeIdsCmisdocument,
		Creatable:                false,
		Fileable:                 true,
		Queryable:                true,
		FulltextIndexed:          false,
		IncludedInSupertypeQuery: true,
		ControllablePolicy:       false,
		ControllableACL:          false,
		PropertyDefinitions: generated.PropertyDefinitionList{&generated.CmisPropertyStringDefinitionType{
			CmisPropertyDefinitionType: generated.CmisPropertyDefinitionType{
				Id: "cmis:name", LocalName: "name",
				PropertyType: generated.EnumPropertyTypestring,
				Cardinality:  generated.EnumCardinalitySingle,
				Updatability: generated.EnumUpdatabilityReadwrite,
				Required:     true,
			},
			MaxLength: ptr(int64(255)),
		}},
		Versionable:          ptr(false),
		ContentStreamAllowed: ptr(generated.EnumContentStreamAllowedAllowed),
	}
}

func TestMarshalTypeDefinition(t *testing.T) {
	resp := &generated.GetTypeDefinitionResponse{Type_: documentType()}
	out, err := xml.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`<getTypeDefinitionResponse xmlns="` + generated.MessagingNS + `">`,
		`<type xmlns="` + generated.MessagingNS + `" xsi:type="cmis:cmisTypeDocumentDefinitionType">`,
		`<id xmlns="` + generated.CoreNS + `">cmis:document</id>`,
		`<creatable xmlns="` + generated.CoreNS + `">false</creatable>`, // required false is written
		`<controllableACL xmlns="` + generated.CoreNS + `">false</controllableACL>`,
		`<versionable xmlns="` + generated.CoreNS + `">false</versionable>`,
		`<required xmlns="` + generated.CoreNS + `">true</required>`,
		`<maxLength xmlns="` + generated.CoreNS + `">255</maxLength>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
	for _, absent := range []string{"parentId", "description", "typeMutability", "allowedSourceTypes", "inherited", "openChoice", "cmisTypeDefinitionType>", "<Items"} {
		if strings.Contains(s, absent) {
			t.Errorf("%s written:\n%s", absent, s)
		}
	}
	// Schema order: base fields, property definitions, then the subtype's.
	order := []string{"<id ", "<baseId ", "<creatable ", "<controllableACL ", "<propertyStringDefinition ", "<versionable ", "<contentStreamAllowed "}
	last := -1
	for _, el := range order {
		i := strings.Index(s, el)
		if i <= last {
			t.Errorf("%s out of schema order in\n%s", el, s)
		}
		last = i
	}

	// Read back in an envelope that declares the prefixes.
	var back generated.GetTypeDefinitionResponse
	unwrap(t, envelope(out), &back)
	back.XMLName = resp.XMLName
	if !reflect.DeepEqual(&back, resp) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back.Type_, resp.Type_)
	}
}

func TestUnmarshalTypeDefinitionFromClient(t *testing.T) {
	// A folder type as a JAX-WS server writes it: other prefixes, xsi:type
	// with the core prefix, no subtype fields.
	in := `<ns3:getTypeDefinitionResponse xmlns:ns3="` + generated.MessagingNS + `" xmlns:c="` + generated.CoreNS + `"
		xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
		<ns3:type i:type="c:cmisTypeFolderDefinitionType" c:unknown="x">
			<c:id>cmis:folder</c:id><c:localName>folder</c:localName><c:localNamespace/>
			<c:baseId>cmis:folder</c:baseId><c:creatable>true</c:creatable><c:fileable>true</c:fileable>
			<c:queryable>true</c:queryable><c:fulltextIndexed>false</c:fulltextIndexed>
			<c:includedInSupertypeQuery>true</c:includedInSupertypeQuery>
			<c:controllablePolicy>false</c:controllablePolicy><c:controllableACL>true</c:controllableACL>
			<vendor:hint xmlns:vendor="urn:vendor">fast</vendor:hint>
		</ns3:type></ns3:getTypeDefinitionResponse>`
	var r generated.GetTypeDefinitionResponse
	if err := xml.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	td := r.Type_
	if td == nil || td.XsiType != generated.XsiCmisTypeFolderDefinitionType || td.Id != "cmis:folder" ||
		!td.Creatable || !td.ControllableACL || td.ParentId != nil || td.Versionable != nil {
		t.Fatalf("decoded %+v", td)
	}
	// Where a repeated choice takes every element no field names, an
	// extension element is skipped, not taken for a property definition.
	if len(td.PropertyDefinitions) != 0 {
		t.Errorf("extension element decoded as %+v", td.PropertyDefinitions)
	}
	if len(td.AnyAttr) != 1 || td.AnyAttr[0].Name.Local != "unknown" {
		t.Errorf("extension attribute: %+v", td.AnyAttr)
	}
}

func TestMarshalProperties(t *testing.T) {
	req := &generated.CreateFolder{
		RepositoryId: "A1",
		FolderId:     "root",
		Properties: &generated.CmisPropertiesType{
			// Kinds interleaved: the order must survive the round trip.
			Properties: generated.PropertyList{
				&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "cmis:name"}, Value: []string{"a"}},
				&generated.CmisPropertyId{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "cmis:objectTypeId"}, Value: []string{"cmis:folder"}},
				&generated.CmisPropertyInteger{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "cmis:contentStreamLength"}, Value: []int64{5 << 30}},
				&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "cmis:description"}, Value: []string{"b", "c"}},
				&generated.CmisPropertyDecimal{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "x:price"}, Value: []xsd.Decimal{"12345678901234567890.25"}},
				&generated.CmisPropertyBoolean{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "x:empty"}}, // no value
			},
		},
	}
	out, err := xml.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "<propertyString "); n != 2 {
		t.Errorf("%d propertyString elements, want 2:\n%s", n, out)
	}
	for _, want := range []string{`propertyDefinitionId="cmis:description"`, `>5368709120</value>`, `>12345678901234567890.25</value>`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	var back generated.CreateFolder
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	back.XMLName = req.XMLName // Unmarshal records the element name
	if !reflect.DeepEqual(&back, req) {
		t.Errorf("round trip:\n got %s\nwant %s", dump(&back), dump(req))
	}
	if got := propertyValues(back.Properties)["cmis:description"]; !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Errorf("cmis:description = %q", got)
	}
}

func TestMarshalRequiredAndOptional(t *testing.T) {
	// numItems (minOccurs=0) absent when unknown; hasMoreItems (required)
	// written even when false.
	out, err := xml.Marshal(&generated.GetChildrenResponse{Objects: &generated.CmisObjectInFolderListType{}})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, ">false</hasMoreItems>") || strings.Contains(s, "numItems") {
		t.Errorf("got %s", s)
	}
	out, _ = xml.Marshal(&generated.GetChildrenResponse{Objects: &generated.CmisObjectInFolderListType{NumItems: ptr(int64(0))}})
	if !strings.Contains(string(out), ">0</numItems>") {
		t.Errorf("numItems 0 not written: %s", out)
	}
	// A fault is the body element cmisFault; its required code 0 is written.
	out, err = xml.Marshal(&generated.CmisFaultType{Type_: generated.EnumServiceExceptionObjectNotFound, Message: "gone"})
	if err != nil {
		t.Fatal(err)
	}
	want := `<cmisFault xmlns="` + generated.MessagingNS + `"><type xmlns="` + generated.MessagingNS + `">objectNotFound</type>` +
		`<code xmlns="` + generated.MessagingNS + `">0</code><message xmlns="` + generated.MessagingNS + `">gone</message></cmisFault>`
	if string(out) != want {
		t.Errorf("fault:\n got %s\nwant %s", out, want)
	}
}

// navigation implements one method of NavigationServicePort.
type navigation struct {
	generated.NavigationServicePort
	got *generated.GetCheckedOutDocs
}

func (n *navigation) GetCheckedOutDocsContext(_ context.Context, r *generated.GetCheckedOutDocs) (*generated.GetCheckedOutDocsResponse, error) {
	n.got = r
	if r.RepositoryId == "nil" {
		return nil, nil
	}
	return &generated.GetCheckedOutDocsResponse{Objects: &generated.CmisObjectListType{HasMoreItems: true}}, nil
}

func TestOperations(t *testing.T) {
	if n := len(generated.Operations); n != 50 {
		t.Errorf("%d operations, CMIS 1.1 has 50", n)
	}
	for key, op := range generated.Operations {
		if key != op.Name || op.Service == "" || op.NewRequest == nil || op.Invoke == nil {
			t.Errorf("operation %q: %+v", key, op)
			continue
		}
		// The request type encodes as the operation's element.
		start := reflect.ValueOf(op.NewRequest()).Elem().FieldByName("XMLName")
		tag, _ := reflect.TypeOf(op.NewRequest()).Elem().FieldByName("XMLName")
		if !start.IsValid() || tag.Tag.Get("xml") != generated.MessagingNS+" "+key {
			t.Errorf("operation %q: request %T has XMLName tag %q", key, op.NewRequest(), tag.Tag.Get("xml"))
		}
		// Every operation refuses to run without its port.
		if _, err := op.Invoke(context.Background(), &generated.Ports{}, op.NewRequest()); !errors.Is(err, generated.ErrNoPort) {
			t.Errorf("operation %q without port: %v", key, err)
		}
	}
	for op, service := range map[string]string{
		"getCheckedOutDocs": "NavigationService", "getRenditions": "ObjectService", "query": "DiscoveryService",
		"getRepositories": "RepositoryService", "applyACL": "ACLService", "checkIn": "VersioningService",
	} {
		if got := generated.Operations[op]; got == nil || got.Service != service {
			t.Errorf("%s: %+v, want service %s", op, got, service)
		}
	}
	// CMIS 1.1 added six operations; the other 44 are in the 1.0 WSDL.
	only11 := map[string]bool{"bulkUpdateProperties": true, "appendContentStream": true, "createItem": true,
		"createType": true, "updateType": true, "deleteType": true}
	for key, op := range generated.Operations {
		if op.In10 == only11[key] {
			t.Errorf("operation %q: In10 %v", key, op.In10)
		}
	}
	if _, ok := generated.Operations["query"].NewRequest().(*generated.Query); !ok {
		t.Error("query does not decode into the messaging Query wrapper")
	}

	nav := &navigation{}
	ports := &generated.Ports{Navigation: nav}
	op := generated.Operations["getCheckedOutDocs"]
	req := op.NewRequest().(*generated.GetCheckedOutDocs)
	req.RepositoryId = "A1"
	resp, err := op.Invoke(context.Background(), ports, req)
	if err != nil || nav.got != req {
		t.Fatalf("Invoke: %v, port got %v", err, nav.got)
	}
	if r, ok := resp.(*generated.GetCheckedOutDocsResponse); !ok || !r.Objects.HasMoreItems {
		t.Errorf("response %#v", resp)
	}
	req.RepositoryId = "nil"
	if resp, err := op.Invoke(context.Background(), ports, req); resp != nil || err != nil {
		t.Errorf("nil response: %#v, %v", resp, err)
	}
	if _, err := op.Invoke(context.Background(), ports, &generated.GetChildren{}); err == nil {
		t.Error("Invoke with the wrong request type succeeded")
	}
}

// Zero values are values: false, 0 and "" in a property's value list must
// be written, or a client reads "not set" (and a multi-valued property
// loses elements and positions).
func TestZeroPropertyValuesAreWritten(t *testing.T) {
	props := &generated.CmisPropertiesType{
		Properties: generated.PropertyList{
			&generated.CmisPropertyBoolean{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "b"}, Value: []bool{false, true}},
			&generated.CmisPropertyInteger{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "i"}, Value: []int64{0, 5}},
			&generated.CmisPropertyString{CmisProperty: generated.CmisProperty{PropertyDefinitionId: "s"}, Value: []string{"", "x"}},
		},
	}
	out, err := xml.Marshal(&generated.GetPropertiesResponse{Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	var back generated.GetPropertiesResponse
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	p := back.Properties
	pb := generated.OfType[*generated.CmisPropertyBoolean](p.Properties)
	pi := generated.OfType[*generated.CmisPropertyInteger](p.Properties)
	ps := generated.OfType[*generated.CmisPropertyString](p.Properties)
	if len(pb[0].Value) != 2 || pb[0].Value[0] != false ||
		len(pi[0].Value) != 2 || pi[0].Value[0] != 0 ||
		len(ps[0].Value) != 2 || ps[0].Value[0] != "" {
		t.Fatalf("zero values lost: %s", out)
	}
}
