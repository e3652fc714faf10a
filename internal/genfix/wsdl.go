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
	tns := root.attrOr("targetNamespace", "")
	messages := map[qname]qname{} // message -> element of its single part
	portTypes := map[qname]*node{}
	bindings := map[qname]qname{} // binding -> portType
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
					messages[qname{tns, name}] = el
				}
			}
			if parts != 1 {
				return nil, fmt.Errorf("message %s has %d parts, want 1 (document/literal wrapped)", name, parts)
			}
		case c.is(wsdlNS, "portType"):
			portTypes[qname{tns, name}] = c
		case c.is(wsdlNS, "binding"):
			typ, _, err := c.qattr("type")
			if err != nil {
				return nil, err
			}
			bindings[qname{tns, name}] = typ
		}
	}
	msgElement := func(n *node) (qname, error) {
		msg, ok, err := n.qattr("message")
		if err != nil || !ok {
			return qname{}, fmt.Errorf("operation without message (%v)", err)
		}
		el, ok := messages[msg]
		if !ok {
			return qname{}, fmt.Errorf("message %s not found", msg)
		}
		return el, nil
	}
	var services []*service
	for _, c := range root.Children {
		if !c.is(wsdlNS, "service") {
			continue
		}
		name, _ := c.attr("name")
		port := c.child(wsdlNS, "port")
		if port == nil {
			return nil, fmt.Errorf("service %s has no port", name)
		}
		b, _, err := port.qattr("binding")
		if err != nil {
			return nil, err
		}
		ptName, ok := bindings[b]
		if !ok {
			return nil, fmt.Errorf("service %s: binding %s not found", name, b)
		}
		pt, ok := portTypes[ptName]
		if !ok {
			return nil, fmt.Errorf("service %s: portType %s not found", name, ptName)
		}
		s := &service{name: name, portType: ptName.local}
		for _, o := range pt.Children {
			if !o.is(wsdlNS, "operation") {
				continue
			}
			op := &operation{}
			op.name, _ = o.attr("name")
			for _, io := range o.Children {
				el, err := msgElement(io)
				if err != nil {
					return nil, fmt.Errorf("operation %s: %w", op.name, err)
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
			s.ops = append(s.ops, op)
		}
		services = append(services, s)
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("%s: no services", root.file)
	}
	return services, nil
}
