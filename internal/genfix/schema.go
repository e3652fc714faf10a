package main

// Reading the WSDL and the XSDs it imports into a small model: complex types
// with their content flattened into element particles (with effective
// minOccurs/maxOccurs and namespace), global elements, and the WSDL services
// with their operations. The fix-up decides pointers, slices, omitempty and
// namespaces from this model instead of from per-field lists.

import (
	"fmt"
	"path/filepath"
	"strconv"
)

const (
	xsNS   = "http://www.w3.org/2001/XMLSchema"
	wsdlNS = "http://schemas.xmlsoap.org/wsdl/"
)

// unbounded is the max of a particle with maxOccurs="unbounded".
const unbounded = -1

// ---------------------------------------------------------------------------
// Schema model

type complexType struct {
	name      qname // zero for an anonymous type
	doc       string
	base      qname       // complexContent/extension base, zero if none
	particles []*particle // own content in document order (for an extension: the added part)
	attrs     []*attribute
	anyAttr   bool // xs:anyAttribute, directly or through an attribute group
}

type particle struct {
	any    bool  // xs:any wildcard
	name   qname // element name with the namespace of its declaration
	typ    qname // element type (zero when inline is set)
	inline *complexType
	min    int // effective minOccurs
	max    int // effective maxOccurs, unbounded for "unbounded"
	choice *choiceGroup
	doc    string
}

// choiceGroup is an xs:choice with more than one alternative.
type choiceGroup struct {
	max   int      // effective maxOccurs of the choice
	names []string // local names of the alternatives
}

type attribute struct {
	name     string
	typ      qname
	required bool
	doc      string
}

type element struct {
	name   qname
	typ    qname // zero when inline is set
	inline *complexType
	doc    string
}

type schemaModel struct {
	types      map[qname]*complexType
	typeOrder  []*complexType     // named complex types in document order
	simple     map[qname]bool     // named simple types
	enums      map[qname][]string // enumeration values of the simple types that have them
	elements   map[qname]*element
	attrGroups map[qname]*node
	namespaces []string // target namespaces in load order
}

// loadSchemas reads the XSDs the WSDL imports (and what they import).
func loadSchemas(wsdlRoot *node, wsdlPath string) (*schemaModel, error) {
	roots, err := readSchemaFiles(wsdlRoot, wsdlPath)
	if err != nil {
		return nil, err
	}
	m := &schemaModel{
		types:      map[qname]*complexType{},
		simple:     map[qname]bool{},
		enums:      map[qname][]string{},
		elements:   map[qname]*element{},
		attrGroups: map[qname]*node{},
	}
	// Attribute groups and simple types first: complex types refer to them.
	for _, root := range roots {
		m.readSimpleTypes(root)
	}
	for _, root := range roots {
		if err := m.readComplex(root); err != nil {
			return nil, err
		}
	}
	// Element refs can only be resolved once all global elements are known.
	for _, ct := range m.typeOrder {
		if err := m.resolveRefs(ct); err != nil {
			return nil, err
		}
	}
	for _, el := range m.elements {
		if el.inline != nil {
			if err := m.resolveRefs(el.inline); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// readSchemaFiles reads the schemas the WSDL's types import, each after
// the ones it imports or includes (so referenced types load before use),
// each file once.
func readSchemaFiles(wsdlRoot *node, wsdlPath string) ([]*node, error) {
	var roots []*node
	seen := map[string]bool{}
	var load func(path string) error
	load = func(path string) error {
		path = filepath.Clean(path)
		if seen[path] {
			return nil
		}
		seen[path] = true
		root, err := readTree(path)
		if err != nil {
			return err
		}
		if !root.is(xsNS, "schema") {
			return fmt.Errorf("%s: root is not xs:schema", path)
		}
		for _, c := range root.Children {
			if c.is(xsNS, "import") || c.is(xsNS, "include") {
				if loc, ok := c.attr("schemaLocation"); ok {
					if err := load(filepath.Join(filepath.Dir(path), loc)); err != nil {
						return err
					}
				}
			}
		}
		roots = append(roots, root)
		return nil
	}
	for _, t := range wsdlRoot.Children {
		if !t.is(wsdlNS, "types") {
			continue
		}
		for _, s := range t.Children {
			for _, imp := range s.Children {
				if loc, ok := imp.attr("schemaLocation"); ok && imp.is(xsNS, "import") {
					if err := load(filepath.Join(filepath.Dir(wsdlPath), loc)); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("%s: imports no schema", wsdlPath)
	}
	return roots, nil
}

// readSimpleTypes records a schema's attribute groups and simple types
// (with their enumeration values).
func (m *schemaModel) readSimpleTypes(root *node) {
	tns := root.attrOr("targetNamespace", "")
	m.namespaces = append(m.namespaces, tns)
	for _, c := range root.Children {
		name, _ := c.attr("name")
		switch {
		case c.is(xsNS, "attributeGroup"):
			m.attrGroups[qname{tns, name}] = c
		case c.is(xsNS, "simpleType"):
			m.simple[qname{tns, name}] = true
			if r := c.child(xsNS, "restriction"); r != nil {
				for _, e := range r.Children {
					if v, ok := e.attr("value"); ok && e.is(xsNS, "enumeration") {
						m.enums[qname{tns, name}] = append(m.enums[qname{tns, name}], v)
					}
				}
			}
		}
	}
}

// readComplex records a schema's global complex types and elements.
func (m *schemaModel) readComplex(root *node) error {
	tns := root.attrOr("targetNamespace", "")
	if root.attrOr("elementFormDefault", "unqualified") != "qualified" {
		// Every element field gets its declaration's namespace; an
		// unqualified schema would need empty namespaces instead.
		return fmt.Errorf("%s: elementFormDefault is not qualified; genfix assumes it is", root.file)
	}
	for _, c := range root.Children {
		name, _ := c.attr("name")
		switch {
		case c.is(xsNS, "complexType"):
			ct, err := m.complexType(c, tns)
			if err != nil {
				return err
			}
			ct.name = qname{tns, name}
			m.types[ct.name] = ct
			m.typeOrder = append(m.typeOrder, ct)
		case c.is(xsNS, "element"):
			el := &element{name: qname{tns, name}, doc: c.doc()}
			typ, ok, err := c.qattr("type")
			if err != nil {
				return err
			}
			if ok {
				el.typ = typ
			} else if ct := c.child(xsNS, "complexType"); ct != nil {
				if el.inline, err = m.complexType(ct, tns); err != nil {
					return err
				}
			} else {
				return fmt.Errorf("%s: element %s has neither type nor complexType", c.file, name)
			}
			m.elements[el.name] = el
		}
	}
	return nil
}

// resolveRefs gives a type's element references (and those of its
// anonymous types) the type and documentation of the global element.
func (m *schemaModel) resolveRefs(ct *complexType) error {
	for _, p := range ct.particles {
		if p.any {
			continue
		}
		if p.typ == (qname{}) && p.inline == nil {
			ref, ok := m.elements[p.name]
			if !ok {
				return fmt.Errorf("element ref %s not found", p.name)
			}
			p.typ, p.inline = ref.typ, ref.inline
			if p.doc == "" {
				p.doc = ref.doc
			}
		}
		if p.inline != nil {
			if err := m.resolveRefs(p.inline); err != nil {
				return err
			}
		}
	}
	return nil
}

// complexType reads an xs:complexType (named or anonymous) of the schema
// with target namespace tns.
func (m *schemaModel) complexType(n *node, tns string) (*complexType, error) {
	ct := &complexType{doc: n.doc()}
	body := n
	if cc := n.child(xsNS, "complexContent"); cc != nil {
		ext := cc.child(xsNS, "extension")
		if ext == nil {
			return nil, fmt.Errorf("%s: complexContent without extension (restriction is not supported)", n.file)
		}
		base, _, err := ext.qattr("base")
		if err != nil {
			return nil, err
		}
		ct.base = base
		body = ext
	}
	if n.child(xsNS, "simpleContent") != nil {
		return nil, fmt.Errorf("%s: simpleContent is not supported", n.file)
	}
	for _, c := range body.Children {
		switch {
		case c.is(xsNS, "sequence"), c.is(xsNS, "choice"), c.is(xsNS, "all"):
			if err := m.flatten(c, tns, 1, 1, nil, &ct.particles); err != nil {
				return nil, err
			}
		case c.is(xsNS, "attribute"):
			a, err := readAttribute(c)
			if err != nil {
				return nil, err
			}
			ct.attrs = append(ct.attrs, a)
		case c.is(xsNS, "attributeGroup"):
			if err := m.attributeGroup(c, ct); err != nil {
				return nil, err
			}
		case c.is(xsNS, "anyAttribute"):
			ct.anyAttr = true
		}
	}
	return ct, nil
}

func readAttribute(c *node) (*attribute, error) {
	name, ok := c.attr("name")
	if !ok {
		return nil, fmt.Errorf("%s: attribute refs are not supported", c.file)
	}
	typ, _, err := c.qattr("type")
	if err != nil {
		return nil, err
	}
	return &attribute{name: name, typ: typ, required: c.attrOr("use", "optional") == "required", doc: c.doc()}, nil
}

func (m *schemaModel) attributeGroup(ref *node, ct *complexType) error {
	q, ok, err := ref.qattr("ref")
	if err != nil || !ok {
		return fmt.Errorf("%s: attributeGroup without ref: %v", ref.file, err)
	}
	g, ok := m.attrGroups[q]
	if !ok {
		return fmt.Errorf("attribute group %s not found", q)
	}
	for _, c := range g.Children {
		switch {
		case c.is(xsNS, "attribute"):
			a, err := readAttribute(c)
			if err != nil {
				return err
			}
			ct.attrs = append(ct.attrs, a)
		case c.is(xsNS, "anyAttribute"):
			ct.anyAttr = true
		case c.is(xsNS, "attributeGroup"):
			if err := m.attributeGroup(c, ct); err != nil {
				return err
			}
		}
	}
	return nil
}

func occurs(n *node) (min, max int, err error) {
	min, max = 1, 1
	if v, ok := n.attr("minOccurs"); ok {
		if min, err = strconv.Atoi(v); err != nil {
			return 0, 0, fmt.Errorf("%s: minOccurs %q", n.file, v)
		}
	}
	if v, ok := n.attr("maxOccurs"); ok {
		if v == "unbounded" {
			max = unbounded
		} else if max, err = strconv.Atoi(v); err != nil {
			return 0, 0, fmt.Errorf("%s: maxOccurs %q", n.file, v)
		}
	}
	return min, max, nil
}

// mulMax multiplies maxOccurs values, unbounded absorbing all but zero.
func mulMax(a, b int) int {
	switch {
	case a == 0 || b == 0:
		return 0
	case a == unbounded || b == unbounded:
		return unbounded
	}
	return a * b
}

// flatten appends the particles of a model group. The effective occurrence
// of an element is its own times that of every enclosing group; inside a
// choice of several alternatives each alternative may be absent (min 0), and
// a repeated choice makes every alternative repeatable.
func (m *schemaModel) flatten(g *node, tns string, minMul, maxMul int, choice *choiceGroup, out *[]*particle) error {
	gmin, gmax, err := occurs(g)
	if err != nil {
		return err
	}
	minMul, maxMul = minMul*gmin, mulMax(maxMul, gmax)
	if g.is(xsNS, "choice") {
		var names []string
		alternatives := 0
		for _, c := range g.Children {
			if c.is(xsNS, "element") || c.is(xsNS, "any") || c.is(xsNS, "sequence") || c.is(xsNS, "choice") {
				alternatives++
				if name, ok := c.attr("name"); ok {
					names = append(names, name)
				}
			}
		}
		if alternatives > 1 {
			minMul = 0
			choice = &choiceGroup{max: maxMul, names: names}
		}
	}
	for _, c := range g.Children {
		switch {
		case c.is(xsNS, "sequence"), c.is(xsNS, "choice"), c.is(xsNS, "all"):
			if err := m.flatten(c, tns, minMul, maxMul, choice, out); err != nil {
				return err
			}
		case c.is(xsNS, "any"):
			min, max, err := occurs(c)
			if err != nil {
				return err
			}
			*out = append(*out, &particle{any: true, min: minMul * min, max: mulMax(maxMul, max), choice: choice})
		case c.is(xsNS, "element"):
			min, max, err := occurs(c)
			if err != nil {
				return err
			}
			p := &particle{min: minMul * min, max: mulMax(maxMul, max), choice: choice, doc: c.doc()}
			if ref, ok, err := c.qattr("ref"); err != nil {
				return err
			} else if ok {
				p.name = ref // type resolved once all global elements are read
			} else {
				name, _ := c.attr("name")
				// elementFormDefault="qualified": local elements are in the
				// target namespace of the schema that declares them.
				p.name = qname{tns, name}
				typ, ok, err := c.qattr("type")
				if err != nil {
					return err
				}
				if ok {
					p.typ = typ
				} else if ct := c.child(xsNS, "complexType"); ct != nil {
					if p.inline, err = m.complexType(ct, tns); err != nil {
						return err
					}
				} else {
					return fmt.Errorf("%s: element %s has neither type nor complexType", c.file, name)
				}
			}
			*out = append(*out, p)
		}
	}
	return nil
}

// subtypes returns the named complex types that extend base, in document
// order.
func (m *schemaModel) subtypes(base qname) []*complexType {
	var subs []*complexType
	if base == (qname{}) {
		return nil
	}
	for _, ct := range m.typeOrder {
		if ct.base == base {
			subs = append(subs, ct)
		}
	}
	return subs
}

// polymorphic reports whether elements are declared with type t while other
// types extend t: then the concrete type travels in xsi:type and a decoder
// must accept the subtypes' content in an element declared as t.
func (m *schemaModel) polymorphic(t qname) bool {
	if t == (qname{}) || len(m.subtypes(t)) == 0 {
		return false
	}
	used := false
	var visit func(ct *complexType)
	visit = func(ct *complexType) {
		for _, p := range ct.particles {
			if p.typ == t {
				used = true
			}
			if p.inline != nil {
				visit(p.inline)
			}
		}
	}
	for _, ct := range m.typeOrder {
		visit(ct)
	}
	for _, el := range m.elements {
		if el.typ == t {
			used = true
		}
		if el.inline != nil {
			visit(el.inline)
		}
	}
	return used
}
