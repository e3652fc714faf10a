package main

// The structs of cmis.go, written from the schema model: one field per
// attribute and element particle, with the Go type, pointer, slice and tag
// the schema decides, and the subtypes of a polymorphic type merged in.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// field is one line of an emitted struct.
type field struct {
	doc  string
	name string
	typ  string
	tag  string

	// For the writers (writers.go): not10 marks an element or attribute
	// that the CMIS 1.0 schema does not define where this one does;
	// inline holds the fields of an anonymous element type.
	not10  bool
	inline []field
}

func (f *fixer) structDecl(b *bytes.Buffer, name string, ct *complexType) error {
	fields, err := f.structFields(name, ct)
	if err != nil {
		return err
	}
	writeDoc(b, "", f.typeDoc(name, ct))
	fmt.Fprintf(b, "type %s %s\n\n", name, renderStruct(fields, ""))
	if f.m.polymorphic(ct.name) {
		f.xsiConsts(b, name, ct)
	}
	return nil
}

func (f *fixer) typeDoc(name string, ct *complexType) string {
	var what string
	switch {
	case ct.name != (qname{}):
		what = fmt.Sprintf("%s is the complexType %s of the %s schema.", name, ct.name.local, f.schemaName(ct.name.ns))
	default:
		el := f.inlineElem[ct]
		what = fmt.Sprintf("%s is the element %s of the %s schema.", name, el.local, f.schemaName(el.ns))
		if d := f.m.elements[el].doc; d != "" {
			what += "\n\n" + d
		}
	}
	if el, ok := f.bodyElem[name]; ok {
		what += fmt.Sprintf(" It is a SOAP body element: XMLName is {%s}%s.", el.ns, el.local)
	}
	what = wrap(what)
	if ct.doc != "" {
		what += "\n\n" + ct.doc
	}
	return what
}

func (f *fixer) schemaName(ns string) string {
	switch ns {
	case f.coreNS:
		return "core"
	case f.msgNS:
		return "messaging"
	}
	return ns
}

// xsiConsts writes one constant per concrete type that XsiType may name.
func (f *fixer) xsiConsts(b *bytes.Buffer, name string, ct *complexType) {
	fmt.Fprintf(b, "// Values of %s.XsiType: the concrete type of a %s.\nconst (\n", name, ct.name.local)
	for _, sub := range f.m.subtypes(ct.name) {
		fmt.Fprintf(b, "\tXsi%s %s.XsiType = %q\n", exported(sub.name.local), xsdPkg, sub.name.local)
	}
	b.WriteString(")\n\n")
}

// preRendered are the structs whose named attributes may come written
// already (Attrs): a property's four attributes are its definition's, the
// same on every object of a listing, and escaping them anew for each
// object was a tenth of a getChildren's CPU.
var preRendered = map[string]bool{"CmisProperty": true}

// structFields builds the fields of the struct for ct, in schema order, from
// the schema and gowsdl's field names. Every gowsdl field must correspond to
// a schema particle or attribute and vice versa.
func (f *fixer) structFields(name string, ct *complexType) ([]field, error) {
	gs := f.in.structType(name)
	gfs, err := fieldsOf(gs)
	if err != nil {
		return nil, err
	}
	set := newGoFieldSet(gfs)
	var fields []field

	if el, ok := f.bodyElem[name]; ok {
		fields = append(fields, field{name: "XMLName", typ: "xml.Name", tag: el.ns + " " + el.local})
	}
	set.takeXMLName()

	poly := f.m.polymorphic(ct.name)
	if poly {
		// Transformation 7: elements declared with this type carry the
		// concrete type in xsi:type.
		var subs []string
		for _, s := range f.m.subtypes(ct.name) {
			subs = append(subs, "Xsi"+exported(s.name.local))
		}
		fields = append(fields, field{
			doc: wrap("XsiType is the concrete type (xsi:type), one of " + strings.Join(subs, ", ") +
				". Empty writes no xsi:type."),
			name: "XsiType", typ: xsdPkg + ".XsiType",
			tag: xsiNS + " type,attr,omitempty",
		})
	}

	if ct.base != (qname{}) {
		// An extension embeds its base by value (gowsdl embeds a pointer:
		// promoted fields of a nil base panic on access, e.g. the
		// propertyDefinitionId of a property without attributes).
		baseName := f.typeName[f.m.types[ct.base]]
		if baseName == "" {
			return nil, fmt.Errorf("base type %s not found", ct.base)
		}
		if !set.takeEmbedded(baseName) {
			return nil, fmt.Errorf("gowsdl struct does not embed its base %s", baseName)
		}
		fields = append(fields, field{name: baseName})
	}

	af, err := f.attrFields(name, ct, set)
	if err != nil {
		return nil, err
	}
	fields = append(fields, af...)

	els, err := f.particleFields(ct.particles, set, false, f.counterpart10(ct))
	if err != nil {
		return nil, err
	}
	fields = append(fields, els...)

	if poly {
		sf, err := f.subtypeFields(name, ct)
		if err != nil {
			return nil, err
		}
		fields = append(fields, sf...)
	}
	if err := set.allTaken(name); err != nil {
		return nil, err
	}
	return fields, nil
}

// elementParticles returns the element particles of ps, which correspond
// one to one to the fields particleFields returns when ps has no wildcard.
// attrFields are the fields of a type's attributes (and xs:anyAttribute).
func (f *fixer) attrFields(name string, ct *complexType, set *goFieldSet) ([]field, error) {
	var fields []field
	for _, a := range ct.attrs {
		gf, ok := set.takeAttr(a.name)
		if !ok {
			return nil, fmt.Errorf("no gowsdl field for attribute %s", a.name)
		}
		typ, err := f.simpleGoType(a.typ)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", a.name, err)
		}
		if err := f.checkGowsdlType(gf, a.typ); err != nil {
			return nil, err
		}
		// Attributes stay unqualified (attributeFormDefault is unqualified).
		tag := a.name + ",attr"
		if !a.required {
			tag += ",omitempty"
		}
		fields = append(fields, field{doc: a.doc, name: gf.name, typ: typ, tag: tag, not10: f.attrNot10(ct, a.name)})
	}
	if preRendered[name] {
		// Transformation 13: attributes written once for many elements.
		for _, fl := range fields {
			if fl.not10 || !strings.HasSuffix(fl.tag, ",omitempty") {
				return nil, fmt.Errorf("attribute %s is required or not in CMIS 1.0: it cannot come pre-rendered", fl.name)
			}
		}
		fields = append(fields, field{
			doc: wrap("Attrs, if set, are the attributes above written and escaped once (SetAttrs) " +
				"for the many elements that repeat them; the writer copies them instead of writing each field."),
			name: "Attrs", typ: xsdPkg + ".Attrs", tag: "-",
		})
	}
	if ct.anyAttr {
		// Transformation 8: xs:anyAttribute.
		fields = append(fields, field{
			doc:  "AnyAttr holds attributes from other namespaces (xs:anyAttribute).",
			name: "AnyAttr", typ: xsdPkg + ".AnyAttrs", tag: ",any,attr",
		})
	}

	return fields, nil
}

// subtypeFields are transformation 7: the subtypes' elements follow the
// base sequence (including its xs:any), in schema order, all optional
// here.
func (f *fixer) subtypeFields(name string, ct *complexType) ([]field, error) {
	var fields []field
	first := true
	for _, sub := range f.m.subtypes(ct.name) {
		subName := f.typeName[sub]
		if len(sub.attrs) > 0 || sub.anyAttr || len(elementParticles(sub.particles)) != len(sub.particles) {
			return nil, fmt.Errorf("subtype %s adds attributes or wildcards; merging those is not supported", sub.name.local)
		}
		subFields, err := fieldsOf(f.in.structType(subName))
		if err != nil {
			return nil, err
		}
		subSet := newGoFieldSet(subFields)
		subSet.takeXMLName()
		subSet.takeEmbedded(name)
		sf, err := f.particleFields(sub.particles, subSet, true, f.counterpart10(sub))
		if err != nil {
			return nil, fmt.Errorf("subtype %s: %w", sub.name.local, err)
		}
		if err := subSet.allTaken(subName); err != nil {
			return nil, err
		}
		for i, p := range elementParticles(sub.particles) {
			note := fmt.Sprintf("From %s.", sub.name.local)
			if p.min > 0 {
				note = fmt.Sprintf("From %s, where it is required.", sub.name.local)
			}
			if first {
				note = fmt.Sprintf("The fields below come from the subtypes of %s, "+
					"merged here because elements are declared with %s and the "+
					"concrete type travels in xsi:type. They are optional here; "+
					"set those of the XsiType written.\n\n", ct.name.local, ct.name.local) + note
				first = false
			}
			sf[i].doc = joinDoc(wrap(note), sf[i].doc)
		}
		fields = append(fields, sf...)
	}
	return fields, nil
}

func elementParticles(ps []*particle) []*particle {
	var els []*particle
	for _, p := range ps {
		if !p.any {
			els = append(els, p)
		}
	}
	return els
}

// particleFields returns the fields for a content model. With optional set,
// every element is treated as minOccurs=0 (merged subtype fields). ct10 is
// the content model's CMIS 1.0 counterpart (nil: none to compare with).
func (f *fixer) particleFields(ps []*particle, set *goFieldSet, optional bool, ct10 *complexType) ([]field, error) {
	var fields []field
	anyDone := false
	for _, p := range ps {
		if isChoiceList(p) {
			anyDone = true // the list's decoder takes (and skips) extensions
		}
	}
	seenChoice := map[*choiceGroup]bool{}
	for _, p := range ps {
		if p.any {
			set.takeAny()
			if anyDone {
				continue // one Any field takes every wildcard of the type
			}
			anyDone = true
			// Transformation 8: gowsdl's Items []string keeps only text.
			fields = append(fields, field{
				doc:  "Any holds extension elements (xs:any); the server ignores them.",
				name: "Any", typ: "[]" + xsdPkg + ".Any", tag: ",any",
			})
			continue
		}
		if isChoiceList(p) {
			if seenChoice[p.choice] {
				continue
			}
			seenChoice[p.choice] = true
			cl, err := f.choiceListOf(p, ps)
			if err != nil {
				return nil, err
			}
			fl, err := f.choiceField(cl, set)
			if err != nil {
				return nil, err
			}
			fields = append(fields, fl)
			continue
		}
		gf, ok := set.takeElem(p.name.local)
		if !ok {
			return nil, fmt.Errorf("no gowsdl field for element %s", p.name.local)
		}
		min := p.min
		if optional {
			min = 0
		}
		p10 := particle10(ct10, p.name)
		typ, inline, omit, err := f.elementGoType(p, gf, min, p10)
		if err != nil {
			return nil, fmt.Errorf("element %s: %w", p.name.local, err)
		}
		// Transformation 4: the element's namespace, from its declaration.
		tag := p.name.ns + " " + p.name.local
		if omit {
			tag += ",omitempty"
		}
		doc := p.doc
		if c := p.choice; c != nil && !seenChoice[c] {
			seenChoice[c] = true
			doc = joinDoc(wrap(choiceNote(c)), doc)
		}
		fields = append(fields, field{doc: doc, name: gf.name, typ: typ, tag: tag, not10: ct10 != nil && p10 == nil, inline: inline})
	}
	return fields, nil
}

// choiceNote documents transformation 6 where it applies.
func choiceNote(c *choiceGroup) string {
	alts := strings.Join(c.names, " | ")
	return fmt.Sprintf("At most one of %s is set (xs:choice).", alts)
}

// builtin maps the XSD built-in types used by CMIS to Go, with the Go type
// gowsdl writes for each (checked, so that a surprise shows). complex marks
// types that become pointers even when required.
var builtins = map[string]struct {
	goType, gowsdl string
	complex        bool
}{
	"string":  {"string", "string", false},
	"boolean": {"bool", "bool", false},
	// Transformation 5: gowsdl's int32 overflows (cmis:contentStreamLength).
	"integer": {"int64", "int32", false},
	// Transformation 5: float64 loses digits and writes exponents.
	"decimal": {xsdPkg + ".Decimal", "float64", false},
	// Transformation 5: soap.XSDDateTime swallows parse errors.
	"dateTime": {xsdPkg + ".DateTime", "soap.XSDDateTime", false},
	"anyURI":   {"AnyURI", "AnyURI", false},
	// Transformation 9: the content stream, MTOM/XOP or inline base64.
	"base64Binary": {xsdPkg + ".Stream", "byte", true},
}

func (f *fixer) simpleGoType(t qname) (string, error) {
	if t.ns == xsNS {
		bt, ok := builtins[t.local]
		if !ok || bt.complex {
			return "", fmt.Errorf("unsupported built-in type xs:%s", t.local)
		}
		return bt.goType, nil
	}
	if !f.m.simple[t] {
		return "", fmt.Errorf("%s is not a simple type", t)
	}
	name := exported(t.local)
	if !f.in.hasType(name) {
		return "", fmt.Errorf("gowsdl output has no type %s for %s", name, t)
	}
	return name, nil
}

// checkGowsdlType compares gowsdl's field type with the schema type.
func (f *fixer) checkGowsdlType(gf goField, t qname) error {
	got := types.ExprString(baseType(gf.typ))
	want := exported(t.local)
	if t.ns == xsNS {
		want = builtins[t.local].gowsdl
	}
	if got != want {
		return fmt.Errorf("gowsdl field %s has type %s, schema type %s suggests %s", gf.name, got, t, want)
	}
	return nil
}

// elementGoType decides an element field's type (transformation 5):
// maxOccurs>1 -> slice ([]*T for complex types, []T for simple ones);
// minOccurs=0 -> pointer with omitempty (nil = absent); required -> value
// without omitempty so that false and 0 are written, except complex types,
// which stay pointers (a nil pointer writes nothing either way).
func (f *fixer) elementGoType(p *particle, gf goField, min int, p10 *particle) (typ string, inline []field, omitempty bool, err error) {
	var base string
	complex := false
	switch {
	case p.inline != nil:
		st, ok := baseType(gf.typ).(*ast.StructType)
		if !ok {
			return "", nil, false, fmt.Errorf("gowsdl field %s is not an inline struct", gf.name)
		}
		gfs, err := fieldsOf(st)
		if err != nil {
			return "", nil, false, err
		}
		set := newGoFieldSet(gfs)
		var inline10 *complexType
		if p10 != nil {
			inline10 = p10.inline
		}
		fields, err := f.particleFields(p.inline.particles, set, false, inline10)
		if err != nil {
			return "", nil, false, err
		}
		if len(p.inline.attrs) > 0 || p.inline.anyAttr || p.inline.base != (qname{}) {
			return "", nil, false, fmt.Errorf("inline type with attributes or base is not supported")
		}
		if err := set.allTaken(gf.name); err != nil {
			return "", nil, false, err
		}
		base, complex, inline = renderStruct(fields, "\t"), true, fields
	case p.typ.ns == xsNS:
		bt, ok := builtins[p.typ.local]
		if !ok {
			return "", nil, false, fmt.Errorf("unsupported built-in type xs:%s", p.typ.local)
		}
		base, complex = bt.goType, bt.complex
		if err := f.checkGowsdlType(gf, p.typ); err != nil {
			return "", nil, false, err
		}
	case f.m.types[p.typ] != nil:
		if _, merged := f.mergedInto[f.typeName[f.m.types[p.typ]]]; merged {
			return "", nil, false, fmt.Errorf("element of merged subtype %s", p.typ)
		}
		base, complex = f.typeName[f.m.types[p.typ]], true
		if err := f.checkGowsdlType(gf, p.typ); err != nil {
			return "", nil, false, err
		}
	default:
		if base, err = f.simpleGoType(p.typ); err != nil {
			return "", nil, false, err
		}
		if err := f.checkGowsdlType(gf, p.typ); err != nil {
			return "", nil, false, err
		}
	}
	anonymous := p.inline != nil
	switch {
	case p.max == unbounded || p.max > 1:
		// Never omitempty on a slice: encoding/xml applies it to each
		// element, so false, 0 and "" values would vanish from a
		// property's values; a nil slice writes nothing anyway.
		if complex && !anonymous {
			return "[]*" + base, inline, false, nil
		}
		return "[]" + base, inline, false, nil
	case p.max == 0:
		return "", nil, false, fmt.Errorf("maxOccurs=0 is not supported")
	case min == 0:
		return "*" + base, inline, true, nil
	case complex && !anonymous:
		return "*" + base, inline, false, nil
	default:
		return base, inline, false, nil
	}
}

// renderStruct writes a struct type; indent is the indentation of the
// line holding it (for inline structs).
func renderStruct(fields []field, indent string) string {
	var b bytes.Buffer
	b.WriteString("struct {\n")
	for i, fl := range fields {
		if fl.doc != "" {
			if i > 0 {
				b.WriteString("\n")
			}
			writeDoc(&b, indent+"\t", fl.doc)
		}
		b.WriteString(indent + "\t" + fl.name)
		if fl.typ != "" {
			b.WriteString(" " + fl.typ)
		}
		if fl.tag != "" {
			fmt.Fprintf(&b, " `xml:%q`", fl.tag)
		}
		b.WriteString("\n")
	}
	b.WriteString(indent + "}")
	return b.String()
}

func writeDoc(b *bytes.Buffer, indent, doc string) {
	for _, l := range strings.Split(doc, "\n") {
		if l == "" {
			b.WriteString(indent + "//\n")
		} else {
			b.WriteString(indent + "// " + l + "\n")
		}
	}
}

// wrap re-flows generated comment text to lines of at most 76 characters;
// paragraphs are separated by an empty line. (Schema documentation is kept
// with its own line breaks.)
func wrap(s string) string {
	var out []string
	for _, para := range strings.Split(s, "\n\n") {
		var lines []string
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > 76 {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n\n")
}

func joinDoc(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

// goFieldSet tracks which gowsdl fields have found their schema counterpart.
type goFieldSet struct {
	fields []goField
	taken  []bool
}

func newGoFieldSet(fs []goField) *goFieldSet {
	return &goFieldSet{fields: fs, taken: make([]bool, len(fs))}
}

func (s *goFieldSet) take(match func(goField) bool) (goField, bool) {
	for i, gf := range s.fields {
		if !s.taken[i] && match(gf) {
			s.taken[i] = true
			return gf, true
		}
	}
	return goField{}, false
}

func (s *goFieldSet) takeXMLName() { s.take(goField.isXMLName) }

func (s *goFieldSet) takeEmbedded(name string) bool {
	_, ok := s.take(func(g goField) bool { return g.embedded && g.name == name })
	return ok
}

func (s *goFieldSet) takeAttr(local string) (goField, bool) {
	return s.take(func(g goField) bool { return g.tag.attr && g.tag.local == local })
}

func (s *goFieldSet) takeElem(local string) (goField, bool) {
	return s.take(func(g goField) bool {
		return !g.embedded && !g.tag.attr && !g.tag.any && !g.isXMLName() && g.tag.local == local
	})
}

func (s *goFieldSet) takeAny() {
	s.take(func(g goField) bool { return g.tag.any && !g.tag.attr })
}

func (s *goFieldSet) allTaken(owner string) error {
	for i, gf := range s.fields {
		if !s.taken[i] {
			return fmt.Errorf("gowsdl field %s.%s has no counterpart in the schema", owner, gf.name)
		}
	}
	return nil
}
