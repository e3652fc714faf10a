package server

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/cmisd/cmisd/generated"
)

// The Body's content must stand alone: stacks that copy it out of the
// Envelope (WCF inspectors buffering a reply) lose the Envelope's
// namespace declarations, and xsi:type values name the cmis prefix.
func TestBodyContentDeclaresItsPrefixes(t *testing.T) {
	resp := &generated.GetTypeDefinitionResponse{Type_: &generated.CmisTypeDefinitionType{
		XsiType: generated.XsiCmisTypeDocumentDefinitionType, Id: "cmis:document", LocalName: "document", BaseId: "cmis:document"}}
	env, err := marshalEnvelope(resp, "")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(env, []byte("<soap:Body>")) + len("<soap:Body>")
	end := bytes.LastIndex(env, []byte("</soap:Body>"))
	body := env[start:end]
	d := xml.NewDecoder(bytes.NewReader(body))
	var xsiType, prefixNS string
	scope := map[string]string{}
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "xmlns" {
					scope[a.Name.Local] = a.Value
				}
				if a.Name.Space == "xsi" && a.Name.Local == "type" {
					xsiType = a.Value
				}
			}
		}
	}
	if xsiType != "cmis:cmisTypeDocumentDefinitionType" {
		t.Fatalf("xsi:type %q in %s", xsiType, body)
	}
	prefixNS = scope["cmis"]
	if prefixNS != generated.CoreNS || scope["xsi"] != "http://www.w3.org/2001/XMLSchema-instance" {
		t.Fatalf("the body content does not declare cmis and xsi itself: %s", body[:min(len(body), 300)])
	}
	// And the whole envelope is still well-formed.
	if err := xml.Unmarshal(env, new(struct{})); err != nil {
		t.Fatalf("envelope: %v", err)
	}
}
