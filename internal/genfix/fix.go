package main

// The transformation of gowsdl's cmis.go. Structs and port interfaces are
// written anew from the schema model, with gowsdl's names; enum types and
// constants are printed from gowsdl's AST; everything else (the SOAP client,
// its constructors and methods, the gowsdl/soap import) is dropped.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/printer"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

const (
	xsdPkg = "xsd" // package name of internal/xsd
	xsiNS  = "http://www.w3.org/2001/XMLSchema-instance"
)

type fixer struct {
	in       *goInput
	m        *schemaModel
	services []*service
	wsdlName string // base name of the WSDL, for comments

	typeOf     map[string]*complexType // Go struct name -> complex type (named or element-inline)
	typeName   map[*complexType]string // inverse
	bodyElem   map[string]qname        // Go struct name -> SOAP body element it is encoded as
	mergedInto map[string]string       // subtype struct name -> polymorphic base struct it was merged into
	inlineElem map[*complexType]qname  // anonymous type -> the global element declaring it
	dropped    map[*ast.TypeSpec]bool  // gowsdl declarations left out
	coreNS     string
	msgNS      string

	choices     map[*choiceGroup]*choiceList // transformation 6
	choiceOrder []*choiceList

	m10   *schemaModel    // the CMIS 1.0 schema (transformation 11)
	ops10 map[string]bool // request elements of the CMIS 1.0 WSDL's operations (transformation 10)
}

func newFixer(in *goInput, m *schemaModel, services []*service, wsdlName string) (*fixer, error) {
	f := &fixer{
		in: in, m: m, services: services, wsdlName: wsdlName,
		typeOf:     map[string]*complexType{},
		typeName:   map[*complexType]string{},
		bodyElem:   map[string]qname{},
		mergedInto: map[string]string{},
		inlineElem: map[*complexType]qname{},
		dropped:    map[*ast.TypeSpec]bool{},
		choices:    map[*choiceGroup]*choiceList{},
	}
	add := func(goName string, ct *complexType, what string) error {
		if in.structType(goName) == nil {
			return fmt.Errorf("gowsdl output has no struct %s for %s", goName, what)
		}
		if prev, ok := f.typeOf[goName]; ok && prev != ct {
			return fmt.Errorf("two schema definitions map to Go struct %s", goName)
		}
		f.typeOf[goName] = ct
		f.typeName[ct] = goName
		return nil
	}
	for _, ct := range m.typeOrder {
		if err := add(exported(ct.name.local), ct, "complexType "+ct.name.String()); err != nil {
			return nil, err
		}
	}
	for _, q := range sortedElements(m) {
		if el := m.elements[q]; el.inline != nil {
			f.inlineElem[el.inline] = q
			if err := add(exported(q.local), el.inline, "element "+q.String()); err != nil {
				return nil, err
			}
		}
	}

	// Transformation 3: XMLName stays only on the SOAP body elements, i.e. the
	// elements of the WSDL messages (operation wrappers and cmisFault).
	// Everywhere else the element name comes from the field that holds the
	// value; a type-level XMLName overrides it and breaks both Unmarshal and
	// Marshal ("name properties in tag … conflicts with name
	// cmisPropertiesType").
	for _, s := range services {
		for _, op := range s.ops {
			for _, el := range append([]qname{op.input, op.output}, op.faults...) {
				name, err := f.elementStruct(el)
				if err != nil {
					return nil, fmt.Errorf("operation %s: %w", op.name, err)
				}
				if prev, ok := f.bodyElem[name]; ok && prev != el {
					return nil, fmt.Errorf("Go struct %s would encode both %s and %s", name, prev, el)
				}
				f.bodyElem[name] = el
				if op.input.ns != op.output.ns || (f.msgNS != "" && f.msgNS != op.input.ns) {
					return nil, fmt.Errorf("operation %s: body elements in more than one namespace", op.name)
				}
				f.msgNS = op.input.ns
			}
		}
	}
	for _, ns := range m.namespaces {
		if ns != f.msgNS {
			if f.coreNS != "" && f.coreNS != ns {
				return nil, fmt.Errorf("more than two schema namespaces (%s, %s)", f.coreNS, ns)
			}
			f.coreNS = ns
		}
	}

	// Transformation 7: a type that other types extend and that elements are
	// declared with travels with xsi:type; its subtypes' structs are merged
	// into it (see structFields).
	for _, ct := range m.typeOrder {
		if m.polymorphic(ct.name) {
			for _, sub := range m.subtypes(ct.name) {
				f.mergedInto[f.typeName[sub]] = f.typeName[ct]
			}
		}
	}

	// Transformation 1: gowsdl declares a Go type for every global element;
	// the core element "query" (type cmisQueryType) and the messaging
	// element "query" (the request wrapper) both became Query. The messaging
	// struct stays, the core alias goes: the core element is never used in
	// the Web Services binding.
	for name, specs := range in.specs {
		if len(specs) < 2 {
			continue
		}
		structs := 0
		for _, ts := range specs {
			if _, ok := ts.Type.(*ast.StructType); ok {
				structs++
			}
		}
		if structs != 1 {
			return nil, fmt.Errorf("type %s declared %d times, %d of them structs: cannot decide which to keep", name, len(specs), structs)
		}
		for _, ts := range specs {
			if _, ok := ts.Type.(*ast.StructType); !ok {
				f.dropped[ts] = true
			}
		}
	}
	return f, nil
}

func sortedElements(m *schemaModel) []qname {
	var qs []qname
	for q := range m.elements {
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool {
		if qs[i].ns != qs[j].ns {
			return qs[i].ns < qs[j].ns
		}
		return qs[i].local < qs[j].local
	})
	return qs
}

// elementStruct returns the Go struct that a global element is decoded into.
func (f *fixer) elementStruct(q qname) (string, error) {
	el, ok := f.m.elements[q]
	if !ok {
		return "", fmt.Errorf("element %s not declared in the schemas", q)
	}
	if el.inline != nil {
		return f.typeName[el.inline], nil
	}
	ct, ok := f.m.types[el.typ]
	if !ok {
		return "", fmt.Errorf("element %s: type %s is not a complex type", q, el.typ)
	}
	return f.typeName[ct], nil
}

// ---------------------------------------------------------------------------
// Output

// cmisGo returns the fixed cmis.go, gofmt'ed.
func (f *fixer) cmisGo() ([]byte, error) {
	f.fixEnumKinds()
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gowsdl and internal/genfix from %s. DO NOT EDIT.\n\n", f.wsdlName)
	b.WriteString(packageDoc)
	b.WriteString("package generated\n\nimport (\n\t\"context\"\n\t\"encoding/xml\"\n\t\"fmt\"\n\n\t\"github.com/cmisd/cmisd/internal/xsd\"\n)\n\n")

	for _, d := range f.in.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			// Transformation 2: the SOAP client's constructors and methods go;
			// the server implements the port interfaces instead.
		case *ast.GenDecl:
			switch d.Tok {
			case token.IMPORT, token.VAR:
				// Imports are written above (no github.com/hooklift/gowsdl/soap,
				// no "time"); the vars are gowsdl's "unused import" guards.
			case token.CONST:
				if err := f.printDecl(&b, d); err != nil {
					return nil, err
				}
			case token.TYPE:
				if err := f.typeDecl(&b, d); err != nil {
					return nil, err
				}
			}
		}
	}
	f.choicesGo(&b)
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting cmis.go: %w\n%s", err, numbered(b.Bytes()))
	}
	return out, nil
}

const packageDoc = `// Package generated holds the Go bindings of the CMIS 1.1 Web Services
// binding: one struct per schema type and SOAP body element, one interface
// per WSDL port, and the dispatch table Operations (operations.go).
//
// gowsdl v0.5.0 writes the first version; internal/genfix rewrites it from
// the WSDL and XSDs so that it compiles and round-trips CMIS XML:
//   - element fields carry the namespace of their declaration; XMLName is
//     kept only on SOAP body elements (request/response wrappers, cmisFault);
//   - minOccurs=0 elements are pointers with omitempty (nil = absent),
//     required ones are written even when false or 0, repeated ones are slices;
//   - repeated choices (properties, property definitions) are one slice of
//     an interface, in document order; type definition subtypes are merged
//     into CmisTypeDefinitionType, whose XsiType names the concrete type;
//   - xs:integer is int64, xs:decimal xsd.Decimal, xs:dateTime xsd.DateTime,
//     the content stream xsd.Stream, xs:any xsd.Any, xs:anyAttribute
//     xsd.AnyAttrs;
//   - only the ...Context methods of the port interfaces remain; nothing
//     here depends on gowsdl at run time.
//
// Do not edit: change internal/genfix and run make generate.
`

// printDecl prints a gowsdl declaration unchanged, with its comments.
func (f *fixer) printDecl(b *bytes.Buffer, d ast.Decl) error {
	cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
	if err := cfg.Fprint(b, f.in.fset, &printer.CommentedNode{Node: d, Comments: f.in.file.Comments}); err != nil {
		return err
	}
	b.WriteString("\n\n")
	return nil
}

// printTypeSpec prints "type Name <type>" (gowsdl writes no comments on
// these).
func (f *fixer) printTypeSpec(b *bytes.Buffer, ts *ast.TypeSpec) error {
	fmt.Fprintf(b, "type %s ", ts.Name.Name)
	if err := printer.Fprint(b, f.in.fset, ts.Type); err != nil {
		return err
	}
	b.WriteString("\n\n")
	return nil
}

// fixEnumKinds: gowsdl maps an enumeration restricting xs:integer
// (enumDecimalPrecision) to int32 but writes its constants as strings, which
// does not compile. The value is text on the wire either way, so such a type
// becomes a string type, like every other enumeration.
func (f *fixer) fixEnumKinds() {
	stringConst := map[string]bool{}
	for _, d := range f.in.file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			id, ok := vs.Type.(*ast.Ident)
			if !ok {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					stringConst[id.Name] = true
				}
			}
		}
	}
	for name, specs := range f.in.specs {
		for _, ts := range specs {
			if id, ok := ts.Type.(*ast.Ident); ok && stringConst[name] && id.Name != "string" && types.Universe.Lookup(id.Name) != nil {
				id.Name = "string"
			}
		}
	}
}

func (f *fixer) typeDecl(b *bytes.Buffer, d *ast.GenDecl) error {
	for _, s := range d.Specs {
		ts := s.(*ast.TypeSpec)
		name := ts.Name.Name
		if f.dropped[ts] {
			continue
		}
		switch t := ts.Type.(type) {
		case *ast.StructType:
			if !ts.Name.IsExported() {
				continue // transformation 2: gowsdl's SOAP client struct
			}
			if _, merged := f.mergedInto[name]; merged {
				continue // transformation 7: merged into its base
			}
			ct, ok := f.typeOf[name]
			if !ok {
				// Not from the schema (gowsdl's AnyType helper): keep as is.
				if err := f.printTypeSpec(b, ts); err != nil {
					return err
				}
				continue
			}
			if err := f.structDecl(b, name, ct); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		case *ast.InterfaceType:
			if err := f.interfaceDecl(b, name, t); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		default:
			// Enumerations, AnyURI and the element aliases (AllowableActions,
			// Acl, CmisFault) stay as gowsdl wrote them.
			if err := f.printTypeSpec(b, ts); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Structs

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
	if ct.anyAttr {
		// Transformation 8: xs:anyAttribute.
		fields = append(fields, field{
			doc:  "AnyAttr holds attributes from other namespaces (xs:anyAttribute).",
			name: "AnyAttr", typ: xsdPkg + ".AnyAttrs", tag: ",any,attr",
		})
	}

	els, err := f.particleFields(ct.particles, set, false, f.counterpart10(ct))
	if err != nil {
		return nil, err
	}
	fields = append(fields, els...)

	if poly {
		// Transformation 7: the subtypes' elements follow the base sequence
		// (including its xs:any), in schema order, all optional here.
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
	}
	if err := set.allTaken(name); err != nil {
		return nil, err
	}
	return fields, nil
}

// elementParticles returns the element particles of ps, which correspond
// one to one to the fields particleFields returns when ps has no wildcard.
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

// ---------------------------------------------------------------------------
// Port interfaces

// interfaceDecl keeps only the ...Context methods of a port interface
// (transformation 2), with the request and response types of the WSDL
// messages (transformation 1: gowsdl gave query *CmisQueryType).
func (f *fixer) interfaceDecl(b *bytes.Buffer, name string, it *ast.InterfaceType) error {
	s := f.serviceOf(name)
	if s == nil {
		return fmt.Errorf("interface %s is not a WSDL portType", name)
	}
	methods := map[string]bool{}
	for _, m := range it.Methods.List {
		for _, n := range m.Names {
			methods[n.Name] = true
		}
	}
	writeDoc(b, "", wrap(fmt.Sprintf("%s is the portType %s of service %s. "+
		"services/ implements it; the server calls it through Operations.", name, s.portType, s.name)))
	fmt.Fprintf(b, "type %s interface {\n", name)
	for i, op := range s.ops {
		method, req, resp, err := f.methodOf(op)
		if err != nil {
			return err
		}
		if !methods[method] {
			return fmt.Errorf("gowsdl interface %s has no method %s", name, method)
		}
		if i > 0 {
			b.WriteString("\n")
		}
		writeDoc(b, "\t", wrap(fmt.Sprintf("%s performs operation %s. An error is answered with a "+
			"SOAP fault carrying a cmisFault (CmisFaultType).", method, op.name)))
		fmt.Fprintf(b, "\t%s(ctx context.Context, request *%s) (*%s, error)\n", method, req, resp)
	}
	b.WriteString("}\n\n")
	return nil
}

func (f *fixer) serviceOf(portType string) *service {
	for _, s := range f.services {
		if s.portType == portType {
			return s
		}
	}
	return nil
}

func (f *fixer) methodOf(op *operation) (method, req, resp string, err error) {
	if req, err = f.elementStruct(op.input); err != nil {
		return
	}
	if resp, err = f.elementStruct(op.output); err != nil {
		return
	}
	return exported(op.name) + "Context", req, resp, nil
}

func numbered(src []byte) string {
	var b strings.Builder
	for i, l := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, l)
	}
	return b.String()
}
