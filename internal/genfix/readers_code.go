package main

// The code of the readers (transformation 12, readers.go).

import (
	"bytes"
	"fmt"
	"strings"
)

// bodyReader writes ReadBody of request struct name. Its simple
// parameters (by local name) are read as parameters: any element in one
// is an error, and one that holds only white space is absent.
func (g *readerGen) bodyReader(b *bytes.Buffer, name string) error {
	el := g.ops[name]
	var params, other []readField
	for _, fl := range g.flat[name] {
		switch {
		case fl.kind != kElem:
			return fmt.Errorf("field %s: a request body element with attributes or xs:any is not supported", fl.name)
		case g.shapeOf(elemType(fl.typ)) == "xsd.SimpleShape":
			params = append(params, fl)
		default:
			other = append(other, fl)
		}
	}
	fmt.Fprintf(b, "// ReadBody reads v from the body element %s, whose start tag r has just read.\n", el.local)
	fmt.Fprintf(b, "func (v *%s) ReadBody(r *xsd.Reader) error {\n", name)
	fmt.Fprintf(b, "v.XMLName = xml.Name{Space: %s, Local: %q}\n", g.nsConst(el.ns), el.local)
	b.WriteString("for {\nok, err := r.Child()\nif !ok || err != nil {\nreturn err\n}\nns, local := r.Space(), r.Local()\n")
	if len(params) > 0 {
		var names []string
		for _, p := range params {
			names = append(names, fmt.Sprintf("%q", p.local))
		}
		fmt.Fprintf(b, "switch string(local) {\ncase %s:\n", strings.Join(names, ", "))
		b.WriteString("val, err := r.Param()\nif err != nil {\nreturn err\n}\nif xsd.IsXMLSpace(val) {\ncontinue\n}\nswitch {\n")
		for _, p := range params {
			code, err := g.assignValue(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "case string(local) == %q && ns == %s:\n%s", p.local, g.nsConst(p.ns), code)
		}
		b.WriteString("}\ncontinue\n}\n")
	}
	if err := g.childSwitch(b, name, other, nil); err != nil {
		return err
	}
	b.WriteString("}\n}\n\n")
	return nil
}

// structReader writes readXML of struct name.
func (g *readerGen) structReader(b *bytes.Buffer, name string) error {
	var elems []readField
	var anyField *readField
	for _, fl := range g.flat[name] {
		switch fl.kind {
		case kElem:
			elems = append(elems, fl)
		case kAny, kChoice:
			if anyField == nil {
				anyField = &fl
			}
		}
	}
	fmt.Fprintf(b, "func (v *%s) readXML(r *xsd.Reader) error {\n", name)
	g.attrReader(b, name)
	b.WriteString("for {\nok, err := r.Child()\nif !ok || err != nil {\nreturn err\n}\n")
	if len(elems) > 0 {
		b.WriteString("ns, local := r.Space(), r.Local()\n")
	} else {
		b.WriteString("local := r.Local()\n")
	}
	if err := g.childSwitch(b, name, elems, anyField); err != nil {
		return err
	}
	b.WriteString("}\n}\n\n")
	return nil
}

// attrReader writes the attribute loop of struct name, if it has any.
func (g *readerGen) attrReader(b *bytes.Buffer, name string) {
	var attrs []readField
	var anyAttr *readField
	for _, fl := range g.flat[name] {
		switch fl.kind {
		case kAttr, kXsiType:
			attrs = append(attrs, fl)
		case kAnyAttr:
			if anyAttr == nil {
				anyAttr = &fl
			}
		}
	}
	if len(attrs) == 0 && anyAttr == nil {
		return
	}
	b.WriteString("for i := 0; i < r.AttrCount(); i++ {\na := r.Attr(i)\n")
	if len(attrs) == 0 {
		fmt.Fprintf(b, "%s.ReadAnyAttr(&a)\n}\n", anyAttr.path)
		return
	}
	if anyAttr != nil {
		b.WriteString("handled := true\n")
	}
	b.WriteString("switch {\n")
	for _, a := range attrs {
		if a.kind == kXsiType {
			fmt.Fprintf(b, "case string(a.Local) == %q && a.Space == %s:\n%s = xsd.ParseXsiType(a.Value)\n", a.local, g.nsConst(a.ns), a.path)
			continue
		}
		fmt.Fprintf(b, "case string(a.Local) == %q:\n%s = string(a.Value)\n", a.local, a.path)
	}
	if anyAttr != nil {
		b.WriteString("default:\nhandled = false\n}\nif !handled {\n")
		fmt.Fprintf(b, "%s.ReadAnyAttr(&a)\n}\n}\n", anyAttr.path)
		return
	}
	b.WriteString("}\n}\n")
}

// childSwitch writes the switch that reads one child element (ns, local)
// of struct name into its field; what no field names goes to anyField or
// is skipped.
func (g *readerGen) childSwitch(b *bytes.Buffer, name string, elems []readField, anyField *readField) error {
	if len(elems) > 0 {
		b.WriteString("switch {\n")
	}
	for _, fl := range elems {
		code, err := g.readElement(fl)
		if err != nil {
			return fmt.Errorf("field %s: %w", fl.name, err)
		}
		fmt.Fprintf(b, "case string(local) == %q && ns == %s:\n%s", fl.local, g.nsConst(fl.ns), code)
	}
	if len(elems) > 0 {
		b.WriteString("default:\n")
	}
	shape := fmt.Sprintf("shape%s.Child(local)", name)
	switch {
	case anyField == nil:
		fmt.Fprintf(b, "if err := r.SkipChecked(%s); err != nil {\nreturn err\n}\n", shape)
	case anyField.kind == kAny:
		fmt.Fprintf(b, "var a xsd.Any\nif err := a.ReadXML(r, %s); err != nil {\nreturn err\n}\n%s = append(%s, a)\n",
			shape, anyField.path, anyField.path)
	default:
		fmt.Fprintf(b, "if err := %s.readEntry(r, %s); err != nil {\nreturn err\n}\n", anyField.path, shape)
	}
	if len(elems) > 0 {
		b.WriteString("}\n")
	}
	return nil
}

// readElement returns the code reading the element of field fl.
func (g *readerGen) readElement(fl readField) (string, error) {
	t := elemType(fl.typ)
	switch {
	case t == "xsd.Stream":
		if fl.typ != "*xsd.Stream" {
			return "", fmt.Errorf("content stream of type %s", fl.typ)
		}
		return fmt.Sprintf("if %s == nil {\n%s = new(xsd.Stream)\n}\nif err := %s.ReadXML(r); err != nil {\nreturn err\n}\n",
			fl.path, fl.path, fl.path), nil
	case g.f.typeOf[t] != nil:
		switch fl.typ {
		case "*" + t:
			return fmt.Sprintf("if %s == nil {\n%s = new(%s)\n}\nif err := %s.readXML(r); err != nil {\nreturn err\n}\n",
				fl.path, fl.path, t, fl.path), nil
		case "[]*" + t:
			return fmt.Sprintf("e := new(%s)\nif err := e.readXML(r); err != nil {\nreturn err\n}\n%s = append(%s, e)\n",
				t, fl.path, fl.path), nil
		}
		return "", fmt.Errorf("complex element of type %s", fl.typ)
	}
	code, err := g.assignValue(fl)
	if err != nil {
		return "", err
	}
	return "val, err := r.Value()\nif err != nil {\nreturn err\n}\n" + code, nil
}

// assignValue returns the code storing the value val (the element's
// text) into simple field fl.
func (g *readerGen) assignValue(fl readField) (string, error) {
	t := elemType(fl.typ)
	var conv, expr string
	switch t {
	case "string":
		expr = "string(val)"
	case "bool", "int64", "xsd.DateTime", "xsd.Decimal":
		fn := map[string]string{"bool": "xsd.Bool", "int64": "xsd.Int", "xsd.DateTime": "xsd.ReadDateTime", "xsd.Decimal": "xsd.ReadDecimal"}[t]
		conv = fmt.Sprintf("x, err := %s(val, %q)\nif err != nil {\nreturn err\n}\n", fn, fl.local)
		expr = "x"
	default:
		if strings.ContainsAny(t, ".[]*{ ") || !g.f.in.hasType(t) {
			return "", fmt.Errorf("no reader for type %s", fl.typ)
		}
		expr = t + "(val)" // an enumeration or AnyURI: text
	}
	switch fl.typ {
	case t:
		return conv + fmt.Sprintf("%s = %s\n", fl.path, expr), nil
	case "*" + t:
		return conv + fmt.Sprintf("if %s == nil {\n%s = new(%s)\n}\n*%s = %s\n", fl.path, fl.path, t, fl.path, expr), nil
	case "[]" + t:
		return conv + fmt.Sprintf("%s = append(%s, %s)\n", fl.path, fl.path, expr), nil
	}
	return "", fmt.Errorf("simple element of type %s", fl.typ)
}

// listReader writes readEntry of a choice list: the entry an element of
// the choice holds is appended; any other element is skipped with shape
// s.
func (g *readerGen) listReader(b *bytes.Buffer, cl *choiceList) {
	fmt.Fprintf(b, "func (l *%s) readEntry(r *xsd.Reader, s *xsd.Shape) error {\n", cl.list)
	fmt.Fprintf(b, "var e %s\nns, local := r.Space(), r.Local()\nswitch {\n", cl.iface)
	for _, a := range cl.alts {
		fmt.Fprintf(b, "case string(local) == %q && ns == %s:\n", a.name.local, g.nsConst(a.name.ns))
		fmt.Fprintf(b, "x := new(%s)\nif err := x.readXML(r); err != nil {\nreturn err\n}\ne = x\n", a.goType)
	}
	b.WriteString("default:\nreturn r.SkipChecked(s)\n}\n*l = append(*l, e)\nreturn nil\n}\n\n")
}

// nsConst is the Go expression of namespace ns.
func (g *readerGen) nsConst(ns string) string {
	switch ns {
	case g.f.msgNS:
		return "MessagingNS"
	case g.f.coreNS:
		return "CoreNS"
	case xsiNS:
		return "xsd.XSINS"
	}
	return fmt.Sprintf("%q", ns)
}
