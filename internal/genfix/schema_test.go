package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	coreNS = "http://docs.oasis-open.org/ns/cmis/core/200908/"
	msgNS  = "http://docs.oasis-open.org/ns/cmis/messaging/200908/"
)

func loadCMIS(t *testing.T) (*schemaModel, []*service) {
	t.Helper()
	path := filepath.Join(moduleRoot, "wsdl", "CMISWS-Service.wsdl")
	root, err := readTree(path)
	if err != nil {
		t.Fatal(err)
	}
	services, err := readWSDL(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadSchemas(root, path)
	if err != nil {
		t.Fatal(err)
	}
	return m, services
}

func particleNamed(ct *complexType, local string) *particle {
	for _, p := range ct.particles {
		if !p.any && p.name.local == local {
			return p
		}
	}
	return nil
}

func TestCMISSchemaModel(t *testing.T) {
	m, services := loadCMIS(t)
	props := m.types[qname{coreNS, "cmisPropertiesType"}]
	if props == nil || !props.anyAttr {
		t.Fatalf("cmisPropertiesType: %+v", props)
	}
	ps := particleNamed(props, "propertyString")
	if ps == nil || ps.min != 0 || ps.max != unbounded || ps.choice == nil || len(ps.choice.names) != 8 || ps.name.ns != coreNS {
		t.Errorf("propertyString: %+v", ps)
	}
	td := qname{coreNS, "cmisTypeDefinitionType"}
	if !m.polymorphic(td) || len(m.subtypes(td)) != 6 {
		t.Errorf("cmisTypeDefinitionType: polymorphic %v, %d subtypes", m.polymorphic(td), len(m.subtypes(td)))
	}
	if p := particleNamed(m.types[td], "parentId"); p == nil || p.min != 0 || p.max != 1 {
		t.Errorf("parentId: %+v", p)
	}
	if p := particleNamed(m.types[td], "creatable"); p == nil || p.min != 1 || p.max != 1 {
		t.Errorf("creatable: %+v", p)
	}
	for _, base := range []string{"cmisProperty", "cmisChoice", "cmisPropertyDefinitionType"} {
		if q := (qname{coreNS, base}); len(m.subtypes(q)) == 0 || m.polymorphic(q) {
			t.Errorf("%s: want subtypes but no element of the type", base)
		}
	}
	stream := particleNamed(m.types[qname{msgNS, "cmisContentStreamType"}], "stream")
	if stream == nil || stream.min != 1 || stream.typ != (qname{xsNS, "base64Binary"}) || stream.name.ns != msgNS {
		t.Errorf("stream: %+v", stream)
	}
	// A messaging element holding a core type is in the messaging namespace.
	obj := particleNamed(m.elements[qname{msgNS, "getObjectResponse"}].inline, "object")
	if obj == nil || obj.name.ns != msgNS || obj.typ != (qname{coreNS, "cmisObjectType"}) {
		t.Errorf("getObjectResponse/object: %+v", obj)
	}

	ops := 0
	where := map[string]string{}
	for _, s := range services {
		for _, op := range s.ops {
			ops++
			where[op.name] = s.name
			if op.input != (qname{msgNS, op.name}) || op.output != (qname{msgNS, op.name + "Response"}) {
				t.Errorf("%s: input %s output %s", op.name, op.input, op.output)
			}
		}
	}
	if ops != 50 || len(services) != 9 {
		t.Errorf("%d services, %d operations", len(services), ops)
	}
	if where["getCheckedOutDocs"] != "NavigationService" || where["getRenditions"] != "ObjectService" {
		t.Errorf("getCheckedOutDocs in %s, getRenditions in %s", where["getCheckedOutDocs"], where["getRenditions"])
	}
}

// A schema using what CMIS does not (element refs, a single choice, a
// repeated sequence, nested attribute groups) goes through the same rules.
func TestSchemaRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.xsd", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a" xmlns:a="urn:a" elementFormDefault="qualified">
  <xs:import namespace="urn:b" schemaLocation="b.xsd"/>
  <xs:attributeGroup name="inner"><xs:anyAttribute namespace="##other"/></xs:attributeGroup>
  <xs:attributeGroup name="outer"><xs:attribute name="id" type="xs:string" use="required"/><xs:attributeGroup ref="a:inner"/></xs:attributeGroup>
  <xs:complexType name="t">
    <xs:sequence>
      <xs:element xmlns:other="urn:b" ref="other:shared" minOccurs="0"/>
      <xs:choice>
        <xs:element name="one" type="xs:string"/>
        <xs:element name="two" type="xs:integer"/>
      </xs:choice>
      <xs:sequence minOccurs="0" maxOccurs="unbounded">
        <xs:element name="key" type="xs:string"/>
        <xs:element name="val" type="xs:string" maxOccurs="2"/>
      </xs:sequence>
    </xs:sequence>
    <xs:attributeGroup ref="a:outer"/>
  </xs:complexType>
</xs:schema>`)
	write("b.xsd", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b" elementFormDefault="qualified">
  <xs:element name="shared" type="xs:boolean"><xs:annotation><xs:documentation>
      Shared flag.
  </xs:documentation></xs:annotation></xs:element>
</xs:schema>`)
	write("s.wsdl", `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <types><xsd:schema><xsd:import namespace="urn:a" schemaLocation="a.xsd"/></xsd:schema></types>
</definitions>`)
	root, err := readTree(filepath.Join(dir, "s.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadSchemas(root, filepath.Join(dir, "s.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	ct := m.types[qname{"urn:a", "t"}]
	if ct == nil {
		t.Fatal("type t not loaded")
	}
	for _, tt := range []struct {
		local    string
		ns       string
		min, max int
		choice   bool
	}{
		{"shared", "urn:b", 0, 1, false}, // ref: the referenced element's namespace
		{"one", "urn:a", 0, 1, true},     // an alternative may be absent
		{"two", "urn:a", 0, 1, true},
		{"key", "urn:a", 0, unbounded, false}, // repeated group repeats its elements
		{"val", "urn:a", 0, unbounded, false},
	} {
		p := particleNamed(ct, tt.local)
		if p == nil || p.name.ns != tt.ns || p.min != tt.min || p.max != tt.max || (p.choice != nil) != tt.choice {
			t.Errorf("%s: %+v, want ns %s min %d max %d choice %v", tt.local, p, tt.ns, tt.min, tt.max, tt.choice)
		}
	}
	if p := particleNamed(ct, "shared"); p == nil || p.typ != (qname{xsNS, "boolean"}) || p.doc != "Shared flag." {
		t.Errorf("ref not resolved: %+v", p)
	}
	if got := choiceNote(particleNamed(ct, "one").choice); !strings.HasPrefix(got, "At most one of one | two") {
		t.Errorf("choice note %q", got)
	}
	if len(ct.attrs) != 1 || !ct.attrs[0].required || !ct.anyAttr {
		t.Errorf("attributes through nested groups: %+v anyAttr %v", ct.attrs, ct.anyAttr)
	}

	// genfix relies on elementFormDefault="qualified".
	write("b.xsd", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b"/>`)
	if _, err := loadSchemas(root, filepath.Join(dir, "s.wsdl")); err == nil || !strings.Contains(err.Error(), "qualified") {
		t.Errorf("unqualified schema: %v", err)
	}
}

func TestWrap(t *testing.T) {
	got := wrap(strings.Repeat("word ", 40) + "\n\nnext paragraph")
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 76 {
			t.Errorf("line too long: %q", l)
		}
	}
	if !strings.HasSuffix(got, "\n\nnext paragraph") {
		t.Errorf("paragraph lost: %q", got)
	}
}
