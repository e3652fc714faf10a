package main

// Reading gowsdl's output. genfix keeps gowsdl's names (types, fields,
// methods, enum constants) and checks its field types against the schema, so
// that a different gowsdl version or WSDL shows up as an error here instead
// of as a silently wrong binding.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

type goInput struct {
	fset  *token.FileSet
	file  *ast.File
	specs map[string][]*ast.TypeSpec // type name -> its specs (gowsdl may declare a name twice)
}

func parseGo(path string, src []byte) (*goInput, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	in := &goInput{fset: fset, file: f, specs: map[string][]*ast.TypeSpec{}}
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				in.specs[ts.Name.Name] = append(in.specs[ts.Name.Name], ts)
			}
		}
	}
	return in, nil
}

// structType returns the struct declared under name (ignoring a same-named
// non-struct declaration).
func (in *goInput) structType(name string) *ast.StructType {
	for _, ts := range in.specs[name] {
		if st, ok := ts.Type.(*ast.StructType); ok {
			return st
		}
	}
	return nil
}

func (in *goInput) interfaceType(name string) *ast.InterfaceType {
	for _, ts := range in.specs[name] {
		if it, ok := ts.Type.(*ast.InterfaceType); ok {
			return it
		}
	}
	return nil
}

func (in *goInput) hasType(name string) bool { return len(in.specs[name]) > 0 }

// xmlTag is the parsed `xml:"…"` tag of a gowsdl field.
type xmlTag struct {
	ns, local string
	attr, any bool
}

type goField struct {
	name     string
	typ      ast.Expr
	tag      xmlTag
	embedded bool
}

func (f goField) isXMLName() bool { return f.name == "XMLName" }

func fieldsOf(st *ast.StructType) ([]goField, error) {
	var out []goField
	for _, fl := range st.Fields.List {
		var tag xmlTag
		if fl.Tag != nil {
			raw, err := strconv.Unquote(fl.Tag.Value)
			if err != nil {
				return nil, err
			}
			tag = parseXMLTag(reflect.StructTag(raw).Get("xml"))
		}
		if len(fl.Names) == 0 {
			out = append(out, goField{name: types.ExprString(baseType(fl.Type)), typ: fl.Type, tag: tag, embedded: true})
			continue
		}
		for _, n := range fl.Names {
			out = append(out, goField{name: n.Name, typ: fl.Type, tag: tag})
		}
	}
	return out, nil
}

func parseXMLTag(s string) xmlTag {
	var t xmlTag
	parts := strings.Split(s, ",")
	name := parts[0]
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		t.ns, name = name[:i], name[i+1:]
	}
	t.local = name
	for _, o := range parts[1:] {
		switch o {
		case "attr":
			t.attr = true
		case "any":
			t.any = true
		}
	}
	return t
}

// baseType strips pointers and slices: []*T -> T.
func baseType(e ast.Expr) ast.Expr {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ArrayType:
			if t.Len != nil {
				return e
			}
			e = t.Elt
		default:
			return e
		}
	}
}

// exported turns an XSD name into the Go identifier gowsdl uses for it:
// first letter upper case, '.' to '_', other non-identifier runes dropped.
func exported(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r == '.':
			b.WriteRune('_')
		case i == 0:
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (in *goInput) position(n ast.Node) string {
	return fmt.Sprint(in.fset.Position(n.Pos()))
}
