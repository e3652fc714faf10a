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
	if err := f.mapTypes(); err != nil {
		return nil, err
	}
	if err := f.mapBodyElements(); err != nil {
		return nil, err
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
	if err := f.dropAliases(); err != nil {
		return nil, err
	}
	return f, nil
}

// mapTypes pairs each complex type (named, or anonymous in a global
// element) with the struct gowsdl declared for it.
func (f *fixer) mapTypes() error {
	add := func(goName string, ct *complexType, what string) error {
		if f.in.structType(goName) == nil {
			return fmt.Errorf("gowsdl output has no struct %s for %s", goName, what)
		}
		if prev, ok := f.typeOf[goName]; ok && prev != ct {
			return fmt.Errorf("two schema definitions map to Go struct %s", goName)
		}
		f.typeOf[goName] = ct
		f.typeName[ct] = goName
		return nil
	}
	for _, ct := range f.m.typeOrder {
		if err := add(exported(ct.name.local), ct, "complexType "+ct.name.String()); err != nil {
			return err
		}
	}
	for _, q := range sortedElements(f.m) {
		if el := f.m.elements[q]; el.inline != nil {
			f.inlineElem[el.inline] = q
			if err := add(exported(q.local), el.inline, "element "+q.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

// mapBodyElements finds the SOAP body elements and the two namespaces.
//
// Transformation 3: XMLName stays only on the SOAP body elements, i.e. the
// elements of the WSDL messages (operation wrappers and cmisFault).
// Everywhere else the element name comes from the field that holds the
// value; a type-level XMLName overrides it and breaks both Unmarshal and
// Marshal ("name properties in tag … conflicts with name
// cmisPropertiesType").
func (f *fixer) mapBodyElements() error {
	for _, s := range f.services {
		for _, op := range s.ops {
			for _, el := range append([]qname{op.input, op.output}, op.faults...) {
				name, err := f.elementStruct(el)
				if err != nil {
					return fmt.Errorf("operation %s: %w", op.name, err)
				}
				if prev, ok := f.bodyElem[name]; ok && prev != el {
					return fmt.Errorf("Go struct %s would encode both %s and %s", name, prev, el)
				}
				f.bodyElem[name] = el
				if op.input.ns != op.output.ns || (f.msgNS != "" && f.msgNS != op.input.ns) {
					return fmt.Errorf("operation %s: body elements in more than one namespace", op.name)
				}
				f.msgNS = op.input.ns
			}
		}
	}
	for _, ns := range f.m.namespaces {
		if ns != f.msgNS {
			if f.coreNS != "" && f.coreNS != ns {
				return fmt.Errorf("more than two schema namespaces (%s, %s)", f.coreNS, ns)
			}
			f.coreNS = ns
		}
	}
	return nil
}

// dropAliases is transformation 1: gowsdl declares a Go type for every
// global element; the core element "query" (type cmisQueryType) and the
// messaging element "query" (the request wrapper) both became Query. The
// messaging struct stays, the core alias goes: the core element is never
// used in the Web Services binding.
func (f *fixer) dropAliases() error {
	for name, specs := range f.in.specs {
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
			return fmt.Errorf("type %s declared %d times, %d of them structs: cannot decide which to keep", name, len(specs), structs)
		}
		for _, ts := range specs {
			if _, ok := ts.Type.(*ast.StructType); !ok {
				f.dropped[ts] = true
			}
		}
	}
	return nil
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

func numbered(src []byte) string {
	var b strings.Builder
	for i, l := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, l)
	}
	return b.String()
}
