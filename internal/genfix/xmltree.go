package main

// The XML files genfix reads (WSDL, XSD) as a tree of elements that know
// the namespace prefixes in scope where they stand.

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

// qname is a namespace-qualified XML name.
type qname struct{ ns, local string }

func (q qname) String() string { return "{" + q.ns + "}" + q.local }

// node is a generic XML element tree. Reading the schema through it keeps
// the document order of mixed children (element, choice, any in a sequence),
// which struct-per-kind decoding would lose.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []*node    `xml:",any"`
	Text     string     `xml:",chardata"`

	scope map[string]string // prefix -> namespace in scope ("" = default)
	file  string
}

func readTree(path string) (*node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	root := new(node)
	if err := xml.Unmarshal(data, root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	root.setScope(map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}, path)
	return root, nil
}

// setScope records the namespace declarations in scope at every node, for
// resolving QName-valued attributes such as type="cmis:cmisPropertiesType".
func (n *node) setScope(parent map[string]string, file string) {
	n.file = file
	n.scope = parent
	copied := false
	for _, a := range n.Attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			if !copied {
				n.scope = make(map[string]string, len(parent)+1)
				for k, v := range parent {
					n.scope[k] = v
				}
				copied = true
			}
			prefix := a.Name.Local
			if a.Name.Space == "" {
				prefix = "" // xmlns="…": the default namespace
			}
			n.scope[prefix] = a.Value
		}
	}
	for _, c := range n.Children {
		c.setScope(n.scope, file)
	}
}

func (n *node) is(ns, local string) bool {
	return n.XMLName.Space == ns && n.XMLName.Local == local
}

func (n *node) attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) attrOr(local, def string) string {
	if v, ok := n.attr(local); ok {
		return v
	}
	return def
}

// qattr resolves a QName-valued attribute against the namespaces in scope.
func (n *node) qattr(local string) (qname, bool, error) {
	v, ok := n.attr(local)
	if !ok {
		return qname{}, false, nil
	}
	prefix, name := "", v
	if i := strings.IndexByte(v, ':'); i >= 0 {
		prefix, name = v[:i], v[i+1:]
	}
	ns, ok := n.scope[prefix]
	if !ok && prefix != "" {
		return qname{}, true, fmt.Errorf("%s: <%s %s=%q>: prefix %q not declared", n.file, n.XMLName.Local, local, v, prefix)
	}
	return qname{ns, name}, true, nil
}

// doc returns the text of xs:annotation/xs:documentation, one trimmed line
// per source line, without leading and trailing empty lines.
func (n *node) doc() string {
	var lines []string
	for _, a := range n.Children {
		if !a.is(xsNS, "annotation") {
			continue
		}
		for _, d := range a.Children {
			if !d.is(xsNS, "documentation") {
				continue
			}
			for _, l := range strings.Split(d.Text, "\n") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func (n *node) child(ns, local string) *node {
	for _, c := range n.Children {
		if c.is(ns, local) {
			return c
		}
	}
	return nil
}
