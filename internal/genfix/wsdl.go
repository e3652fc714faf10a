package main

import (
	"fmt"
)

// ---------------------------------------------------------------------------
// WSDL model

type service struct {
	name     string // e.g. "ObjectService"
	portType string // e.g. "ObjectServicePort"
	ops      []*operation
}

type operation struct {
	name   string // e.g. "createDocument"
	input  qname  // request body element
	output qname  // response body element
	faults []qname
}

// readWSDL returns the services in document order, each with the operations
// of its port's portType.
func readWSDL(root *node) ([]*service, error) {
	if !root.is(wsdlNS, "definitions") {
		return nil, fmt.Errorf("%s: root is not wsdl:definitions", root.file)
	}
	ix, err := indexWSDL(root)
	if err != nil {
		return nil, err
	}
	var services []*service
	for _, c := range root.Children {
		if !c.is(wsdlNS, "service") {
			continue
		}
		s, err := ix.service(c)
		if err != nil {
			return nil, err
		}
		services = append(services, s)
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("%s: no services", root.file)
	}
	return services, nil
}

// wsdlIndex is a WSDL's definitions by name, for its services to follow.
type wsdlIndex struct {
	messages  map[qname]qname // message -> element of its single part
	portTypes map[qname]*node
	bindings  map[qname]qname // binding -> portType
}

func indexWSDL(root *node) (*wsdlIndex, error) {
	tns := root.attrOr("targetNamespace", "")
	ix := &wsdlIndex{messages: map[qname]qname{}, portTypes: map[qname]*node{}, bindings: map[qname]qname{}}
	for _, c := range root.Children {
		name, _ := c.attr("name")
		switch {
		case c.is(wsdlNS, "message"):
			parts := 0
			for _, p := range c.Children {
				if p.is(wsdlNS, "part") {
					parts++
					el, ok, err := p.qattr("element")
					if err != nil || !ok {
						return nil, fmt.Errorf("message %s: part without element (%v)", name, err)
					}
					ix.messages[qname{tns, name}] = el
				}
			}
			if parts != 1 {
				return nil, fmt.Errorf("message %s has %d parts, want 1 (document/literal wrapped)", name, parts)
			}
		case c.is(wsdlNS, "portType"):
			ix.portTypes[qname{tns, name}] = c
		case c.is(wsdlNS, "binding"):
			typ, _, err := c.qattr("type")
			if err != nil {
				return nil, err
			}
			ix.bindings[qname{tns, name}] = typ
		}
	}
	return ix, nil
}

// service follows a wsdl:service through its port's binding to the
// operations of its portType.
func (ix *wsdlIndex) service(c *node) (*service, error) {
	name, _ := c.attr("name")
	port := c.child(wsdlNS, "port")
	if port == nil {
		return nil, fmt.Errorf("service %s has no port", name)
	}
	b, _, err := port.qattr("binding")
	if err != nil {
		return nil, err
	}
	ptName, ok := ix.bindings[b]
	if !ok {
		return nil, fmt.Errorf("service %s: binding %s not found", name, b)
	}
	pt, ok := ix.portTypes[ptName]
	if !ok {
		return nil, fmt.Errorf("service %s: portType %s not found", name, ptName)
	}
	s := &service{name: name, portType: ptName.local}
	for _, o := range pt.Children {
		if !o.is(wsdlNS, "operation") {
			continue
		}
		op, err := ix.operation(o)
		if err != nil {
			return nil, err
		}
		s.ops = append(s.ops, op)
	}
	return s, nil
}

// operation reads a portType's operation: the elements of its messages.
func (ix *wsdlIndex) operation(o *node) (*operation, error) {
	op := &operation{}
	op.name, _ = o.attr("name")
	for _, io := range o.Children {
		msg, ok, err := io.qattr("message")
		if err != nil || !ok {
			return nil, fmt.Errorf("operation %s: operation without message (%v)", op.name, err)
		}
		el, ok := ix.messages[msg]
		if !ok {
			return nil, fmt.Errorf("operation %s: message %s not found", op.name, msg)
		}
		switch {
		case io.is(wsdlNS, "input"):
			op.input = el
		case io.is(wsdlNS, "output"):
			op.output = el
		case io.is(wsdlNS, "fault"):
			op.faults = append(op.faults, el)
		}
	}
	if op.input == (qname{}) || op.output == (qname{}) {
		return nil, fmt.Errorf("operation %s: missing input or output", op.name)
	}
	return op, nil
}
