package main

// Transformation 6: a repeated choice of elements of distinct complex types
// (the properties of an object, the property definitions of a type) becomes
// one slice of an interface, in document order. CMIS clients and
// conformance kits expect properties and property definitions in the order
// they were defined; one slice per kind would group them by kind.

import (
	"bytes"
	"fmt"
	"strings"
)

// choiceList is the Go shape of one repeated choice.
type choiceList struct {
	group *choiceGroup
	iface string // interface every alternative implements, e.g. Property
	list  string // the slice type, e.g. PropertyList
	field string // the struct field holding it, e.g. Properties
	base  string // Go struct all alternatives extend, "" if none
	alts  []choiceAlt
}

type choiceAlt struct {
	name   qname  // element name
	goType string // Go struct of its type
}

// isChoiceList reports whether p belongs to a repeated choice that becomes
// a choiceList.
func isChoiceList(p *particle) bool {
	return p.choice != nil && (p.choice.max == unbounded || p.choice.max > 1)
}

// choiceListOf returns (building it once) the choiceList of the repeated
// choice that p belongs to; ps is the content model holding it.
func (f *fixer) choiceListOf(p *particle, ps []*particle) (*choiceList, error) {
	if cl, ok := f.choices[p.choice]; ok {
		return cl, nil
	}
	cl := &choiceList{group: p.choice}
	var names []string
	bases := map[string]bool{}
	seen := map[string]bool{}
	for _, q := range ps {
		if q.choice != p.choice {
			continue
		}
		if q.any || q.inline != nil || f.m.types[q.typ] == nil {
			return nil, fmt.Errorf("repeated choice %s: alternative %s is not an element of a named complex type", strings.Join(p.choice.names, "|"), q.name.local)
		}
		ct := f.m.types[q.typ]
		goType := f.typeName[ct]
		if seen[goType] {
			return nil, fmt.Errorf("repeated choice: two alternatives of type %s; the Go type must tell them apart", goType)
		}
		seen[goType] = true
		cl.alts = append(cl.alts, choiceAlt{name: q.name, goType: goType})
		names = append(names, q.name.local)
		if ct.base == (qname{}) {
			bases[""] = true
		} else {
			bases[f.typeName[f.m.types[ct.base]]] = true
		}
	}
	stem := commonPrefix(names) + commonSuffix(names)
	cl.iface = exported(stem)
	cl.list = cl.iface + "List"
	cl.field = plural(cl.iface)
	if len(bases) == 1 {
		for b := range bases {
			cl.base = b
		}
	}
	for _, n := range []string{cl.iface, cl.list} {
		if f.in.hasType(n) {
			return nil, fmt.Errorf("repeated choice: Go name %s is taken", n)
		}
	}
	f.choices[p.choice] = cl
	f.choiceOrder = append(f.choiceOrder, cl)
	return cl, nil
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func commonSuffix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasSuffix(s, p) {
			p = p[1:]
		}
	}
	return p
}

func plural(s string) string {
	if strings.HasSuffix(s, "y") {
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// choiceField is the struct field of a choice list. It takes the gowsdl
// fields of every alternative, and the type's xs:any (extension elements
// there are skipped: the list's decoder sees every element no field
// names).
func (f *fixer) choiceField(cl *choiceList, set *goFieldSet) (field, error) {
	for _, a := range cl.alts {
		if _, ok := set.takeElem(a.name.local); !ok {
			return field{}, fmt.Errorf("no gowsdl field for element %s", a.name.local)
		}
	}
	doc := fmt.Sprintf("%s holds the schema's repeated choice of %s in document order; "+
		"each entry is one of %s. Extension elements (xs:any) among them are skipped.",
		cl.field, strings.Join(cl.group.names, " | "), cl.altTypes())
	return field{doc: wrap(doc), name: cl.field, typ: cl.list, tag: ",any"}, nil
}

func (cl *choiceList) altTypes() string {
	var ts []string
	for _, a := range cl.alts {
		ts = append(ts, "*"+a.goType)
	}
	return strings.Join(ts, ", ")
}

// choicesGo writes the interface, the list type with its XML methods, and
// the methods that make each alternative implement the interface.
func (f *fixer) choicesGo(b *bytes.Buffer) {
	if len(f.choiceOrder) > 0 {
		b.WriteString(`// Alternative is one element of a repeated choice with the Go type of its
// entries, for code that walks the generated types by reflection.
type Alternative struct {
	Name xml.Name
	New  func() any // a new, empty entry
}

// OfType returns the entries of a choice list that have type T, in order:
// OfType[*CmisPropertyString](props.Properties).
func OfType[T any, L ~[]E, E any](l L) []T {
	var out []T
	for _, e := range l {
		if t, ok := any(e).(T); ok {
			out = append(out, t)
		}
	}
	return out
}

`)
	}
	for _, cl := range f.choiceOrder {
		method := "is" + cl.iface + "()"
		if cl.base != "" {
			method = cl.iface + "Base() *" + cl.base
		}
		writeDoc(b, "", wrap(fmt.Sprintf("%s is an entry of a %s: one of %s.", cl.iface, cl.list, cl.altTypes())))
		fmt.Fprintf(b, "type %s interface {\n\t%s\n}\n\n", cl.iface, method)
		if cl.base != "" {
			writeDoc(b, "", wrap(fmt.Sprintf("%sBase returns the %s part that every %s shares.", cl.iface, cl.base, cl.iface)))
			fmt.Fprintf(b, "func (v *%s) %s { return v }\n\n", cl.base, method)
		} else {
			for _, a := range cl.alts {
				fmt.Fprintf(b, "func (*%s) %s {}\n", a.goType, method)
			}
			b.WriteString("\n")
		}
		writeDoc(b, "", wrap(fmt.Sprintf("%s is a repeated choice of %s, in document order. "+
			"Its XML methods map each entry to its element by Go type.", cl.list, strings.Join(cl.group.names, " | "))))
		fmt.Fprintf(b, "type %s []%s\n\n", cl.list, cl.iface)

		writeDoc(b, "", wrap("Alternatives lists the elements of the choice."))
		fmt.Fprintf(b, "func (%s) Alternatives() []Alternative {\n\treturn []Alternative{\n", cl.list)
		for _, a := range cl.alts {
			fmt.Fprintf(b, "\t\t{xml.Name{Space: %q, Local: %q}, func() any { return new(%s) }},\n", a.name.ns, a.name.local, a.goType)
		}
		b.WriteString("\t}\n}\n\n")

		writeDoc(b, "", wrap("UnmarshalXML appends the entry an element of the choice holds; "+
			"encoding/xml calls it for every element no other field of the struct names. Other elements "+
			"(extensions) are skipped."))
		fmt.Fprintf(b, "func (l *%s) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {\n", cl.list)
		b.WriteString("\tvar v " + cl.iface + "\n\tswitch start.Name {\n")
		for _, a := range cl.alts {
			fmt.Fprintf(b, "\tcase xml.Name{Space: %q, Local: %q}:\n\t\tv = new(%s)\n", a.name.ns, a.name.local, a.goType)
		}
		b.WriteString("\tdefault:\n\t\treturn d.Skip()\n\t}\n")
		b.WriteString("\tif err := d.DecodeElement(v, &start); err != nil {\n\t\treturn err\n\t}\n")
		b.WriteString("\t*l = append(*l, v)\n\treturn nil\n}\n\n")

		writeDoc(b, "", wrap("MarshalXML writes every entry as the element of its type, in order; "+
			"the list itself has no element of its own."))
		fmt.Fprintf(b, "func (l %s) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {\n", cl.list)
		b.WriteString("\tfor _, v := range l {\n\t\tvar name xml.Name\n\t\tswitch v.(type) {\n")
		for _, a := range cl.alts {
			fmt.Fprintf(b, "\t\tcase *%s:\n\t\t\tname = xml.Name{Space: %q, Local: %q}\n", a.goType, a.name.ns, a.name.local)
		}
		fmt.Fprintf(b, "\t\tdefault:\n\t\t\treturn fmt.Errorf(\"generated: %%T in a %s\", v)\n\t\t}\n", cl.list)
		b.WriteString("\t\tif err := e.EncodeElement(v, xml.StartElement{Name: name}); err != nil {\n\t\t\treturn err\n\t\t}\n")
		b.WriteString("\t}\n\treturn nil\n}\n\n")
	}
}
