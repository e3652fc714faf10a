package main

// The port interfaces of cmis.go: one ...Context method per WSDL operation.

import (
	"bytes"
	"fmt"
	"go/ast"
)

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
