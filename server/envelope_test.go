package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// soapWrap puts body in a SOAP 1.1 envelope with the usual prefixes.
func soapWrap(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="` + soap11NS + `" xmlns:xsi="` + xsiNS +
		`" xmlns:cmis="` + cmis.CoreNS + `" xmlns:m="` + cmis.MessagingNS + `"><soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

func decodeXML(t *testing.T, xmlText string) (any, error) {
	t.Helper()
	env, err := parseEnvelope([]byte(xmlText), 64)
	if err != nil {
		return nil, err
	}
	op := generated.Operations[env.body.Local]
	if op == nil || env.body.Space != cmis.MessagingNS {
		t.Fatalf("unknown operation %v", env.body)
	}
	req := op.NewRequest()
	return req, decodeRequest(env, req)
}

// The rules the request readers apply to what clients send differently
// (internal/xsd/decode.go): nil and empty parameters absent, QName values
// with the client's own prefix for the core namespace read as cmis:.
func TestRequestRules(t *testing.T) {
	tests := []struct {
		name  string
		xml   string
		check func(t *testing.T, req any)
	}{
		{
			name: "xsi:nil elements are absent (WCF self-closing, node with end tag)",
			xml: soapWrap(`<m:getTypeChildren><m:repositoryId>A1</m:repositoryId><m:typeId xsi:nil="true"></m:typeId>` +
				`<m:includePropertyDefinitions xsi:nil="1"/><m:maxItems xsi:nil="true">  </m:maxItems><m:extension xsi:nil="true"/></m:getTypeChildren>`),
			check: func(t *testing.T, req any) {
				r := req.(*generated.GetTypeChildren)
				if r.RepositoryId != "A1" || r.TypeId != nil || r.IncludePropertyDefinitions != nil || r.MaxItems != nil || r.Extension != nil {
					t.Errorf("%+v", r)
				}
			},
		},
		{
			name: "empty simple parameters are absent (libcmis)",
			xml: soapWrap(`<m:getTypeChildren><m:repositoryId>A1</m:repositoryId><m:typeId></m:typeId>` +
				`<m:includePropertyDefinitions>true</m:includePropertyDefinitions><m:maxItems>
  </m:maxItems><m:skipCount/></m:getTypeChildren>`),
			check: func(t *testing.T, req any) {
				r := req.(*generated.GetTypeChildren)
				if r.TypeId != nil || r.MaxItems != nil || r.SkipCount != nil {
					t.Errorf("empty parameters decoded: %+v", r)
				}
				if r.IncludePropertyDefinitions == nil || !*r.IncludePropertyDefinitions {
					t.Errorf("includePropertyDefinitions lost")
				}
			},
		},
		{
			name: "empty repeated simple parameter is absent",
			xml: soapWrap(`<m:createFolder><m:repositoryId>A1</m:repositoryId><m:properties/><m:folderId>f</m:folderId>` +
				`<m:policies></m:policies><m:policies>p1</m:policies></m:createFolder>`),
			check: func(t *testing.T, req any) {
				r := req.(*generated.CreateFolder)
				if len(r.Policies) != 1 || r.Policies[0] != "p1" {
					t.Errorf("policies %q", r.Policies)
				}
				if r.Properties == nil {
					t.Errorf("empty complex parameter <properties/> must stay present")
				}
			},
		},
		{
			name: "prefixes: Body with another prefix, default namespaces redeclared",
			xml: `<S:Envelope xmlns:S="` + soap11NS + `" xmlns:SOAP-ENV="` + soap11NS + `"><SOAP-ENV:Header/><S:Body xmlns="` + cmis.MessagingNS + `">` +
				`<getRepositoryInfo xmlns="` + cmis.MessagingNS + `"><repositoryId xmlns="` + cmis.MessagingNS + `">A1</repositoryId></getRepositoryInfo></S:Body></S:Envelope>`,
			check: func(t *testing.T, req any) {
				if r := req.(*generated.GetRepositoryInfo); r.RepositoryId != "A1" {
					t.Errorf("%+v", r)
				}
			},
		},
		{
			name: "suds: attribute values with a prefix bound to the core namespace",
			xml: `<SOAP-ENV:Envelope xmlns:SOAP-ENV="` + soap11NS + `" xmlns:ns0="` + cmis.MessagingNS + `" xmlns:ns1="` + cmis.CoreNS + `"><SOAP-ENV:Body>` +
				`<ns0:createFolder><ns0:repositoryId>A1</ns0:repositoryId><ns0:properties>` +
				`<ns1:propertyId propertyDefinitionId="ns1:objectTypeId"><ns1:value>cmis:folder</ns1:value></ns1:propertyId>` +
				`<ns1:propertyString propertyDefinitionId="ns1:name" xmlns:ns2="urn:x" queryName="ns2:keep"><ns1:value>n</ns1:value></ns1:propertyString>` +
				`<ns1:propertyString propertyDefinitionId="my:prop"><ns1:value>v</ns1:value></ns1:propertyString>` +
				`</ns0:properties><ns0:folderId>root</ns0:folderId></ns0:createFolder></SOAP-ENV:Body></SOAP-ENV:Envelope>`,
			check: func(t *testing.T, req any) {
				r := req.(*generated.CreateFolder)
				got := propertyIDs(r.Properties)
				want := "cmis:objectTypeId cmis:name my:prop"
				if got != want {
					t.Errorf("property ids %q, want %q", got, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := decodeXML(t, tt.xml)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, req)
		})
	}
}

// propertyIDs lists the propertyDefinitionIds of a properties element by
// marshalling it (independent of the generated field layout).
func propertyIDs(p *generated.CmisPropertiesType) string {
	if p == nil {
		return ""
	}
	var ids []string
	for _, m := range propIDRE.FindAllStringSubmatch(mustMarshal(p), -1) {
		ids = append(ids, m[1])
	}
	return strings.Join(ids, " ")
}

func TestEnvelopeRejects(t *testing.T) {
	deep := strings.Repeat("<m:extension>", 70) + strings.Repeat("</m:extension>", 70)
	tests := []struct {
		name     string
		xml      string
		code     string
		typ      cmis.ErrorType
		contains string
	}{
		{"DOCTYPE", `<!DOCTYPE soap:Envelope [<!ENTITY x "y">]>` + soapWrap(`<m:getRepositories/>`), codeClient, cmis.ErrInvalidArgument, "DOCTYPE"},
		{"too deep", soapWrap(`<m:getRepositories>` + deep + `</m:getRepositories>`), codeClient, cmis.ErrInvalidArgument, "deeper"},
		{"SOAP 1.2", `<e:Envelope xmlns:e="` + soap12NS + `"><e:Body><m:getRepositories xmlns:m="` + cmis.MessagingNS + `"/></e:Body></e:Envelope>`, codeVersionMismatch, "", "SOAP 1.1"},
		{"other namespace", `<e:Envelope xmlns:e="urn:x"><e:Body/></e:Envelope>`, codeVersionMismatch, "", ""},
		{"not an envelope", `<getRepositories/>`, codeClient, cmis.ErrInvalidArgument, "not a SOAP envelope"},
		{"no body", `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Header/></soap:Envelope>`, codeClient, cmis.ErrInvalidArgument, "no Body"},
		{"empty body", `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Body> </soap:Body></soap:Envelope>`, codeClient, cmis.ErrInvalidArgument, "Body is empty"},
		{"malformed", soapWrap(`<m:getRepositories></m:getRepository>`), codeClient, cmis.ErrInvalidArgument, "malformed XML"},
		{"mismatched envelope", `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Body><m:getRepositories xmlns:m="` + cmis.MessagingNS + `">`, codeClient, cmis.ErrInvalidArgument, "malformed XML"},
		{"not XML", `hello`, codeClient, cmis.ErrInvalidArgument, "malformed XML"},
		{"empty", ``, codeClient, cmis.ErrInvalidArgument, "no XML element"},
		{"encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>` + soapWrap(`<m:getRepositories/>`)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], codeClient, cmis.ErrInvalidArgument, "ISO-8859-1"},
		{"mustUnderstand header", `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Header><x:Tx xmlns:x="urn:tx" soap:mustUnderstand="1"/></soap:Header><soap:Body><m:getRepositories xmlns:m="` + cmis.MessagingNS + `"/></soap:Body></soap:Envelope>`, codeMustUnderstand, "", "urn:tx"},
		{"mustUnderstand unqualified true", `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Header><x:Tx xmlns:x="urn:tx" mustUnderstand="true"/></soap:Header><soap:Body><m:getRepositories xmlns:m="` + cmis.MessagingNS + `"/></soap:Body></soap:Envelope>`, codeMustUnderstand, "", "Tx"},
		{"wrong type", soapWrap(`<m:getTypeChildren><m:repositoryId>A1</m:repositoryId><m:maxItems>abc</m:maxItems></m:getTypeChildren>`), codeClient, cmis.ErrInvalidArgument, `maxItems: invalid value "abc"`},
		{"element in a simple parameter", soapWrap(`<m:getChildren><m:repositoryId>A1</m:repositoryId><m:folderId><m:x/></m:folderId></m:getChildren>`), codeClient, cmis.ErrInvalidArgument, "folderId holds a value, not the element <x>"},
		{"text and element in a simple parameter", soapWrap(`<m:getChildren><m:repositoryId>A1</m:repositoryId><m:folderId>F1<m:x>F2</m:x></m:folderId></m:getChildren>`), codeClient, cmis.ErrInvalidArgument, "folderId"},
		{"element in a property value", soapWrap(`<m:updateProperties><m:repositoryId>A1</m:repositoryId><m:objectId>O</m:objectId><m:properties><cmis:propertyString propertyDefinitionId="cmis:description"><cmis:value><cmis:y/></cmis:value></cmis:propertyString></m:properties></m:updateProperties>`), codeClient, cmis.ErrInvalidArgument, "value holds a value, not the element <y>"},
		{"element in an ACE principal", soapWrap(`<m:applyACL><m:repositoryId>A1</m:repositoryId><m:objectId>O</m:objectId><m:addACEs><cmis:permission><cmis:principal><cmis:principalId><b>alice</b></cmis:principalId></cmis:principal><cmis:permission>cmis:read</cmis:permission><cmis:direct>true</cmis:direct></cmis:permission></m:addACEs></m:applyACL>`), codeClient, cmis.ErrInvalidArgument, "principalId"},
		{"wrong boolean", soapWrap(`<m:getTypeChildren><m:repositoryId>A1</m:repositoryId><m:includePropertyDefinitions>yes</m:includePropertyDefinitions></m:getTypeChildren>`), codeClient, cmis.ErrInvalidArgument, "includePropertyDefinitions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			env, perr := parseEnvelope([]byte(tt.xml), 64)
			err = perr
			if perr == nil {
				op := generated.Operations[env.body.Local]
				req := op.NewRequest()
				err = decodeRequest(env, req)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			var re *requestError
			if !errors.As(err, &re) {
				t.Fatalf("err %v (%T), want a request error", err, err)
			}
			f := faultFor(err)
			if f.code != tt.code || (tt.typ != "" && f.typ != tt.typ) || !strings.Contains(f.message, tt.contains) {
				t.Errorf("fault %s/%s %q, want %s/%s containing %q", f.code, f.typ, f.message, tt.code, tt.typ, tt.contains)
			}
		})
	}
}

// Header entries that are not understood but not mandatory are skipped,
// as are mandatory ones addressed to another actor.
func TestHeaderEntriesSkipped(t *testing.T) {
	xmlText := `<soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Header>` +
		`<x:Tx xmlns:x="urn:tx" soap:mustUnderstand="0"><x:in><x:deep/></x:in></x:Tx>` +
		`<x:Other xmlns:x="urn:tx" soap:mustUnderstand="1" soap:actor="urn:someone-else"/>` +
		`</soap:Header><soap:Body><m:getRepositoryInfo xmlns:m="` + cmis.MessagingNS + `"><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo></soap:Body></soap:Envelope>`
	req, err := decodeXML(t, xmlText)
	if err != nil {
		t.Fatal(err)
	}
	if req.(*generated.GetRepositoryInfo).RepositoryId != "A1" {
		t.Fatal("body not decoded")
	}
}

// The libcmis and node recordings: empty and nil typeId both mean absent.
func TestRecordedTypeIdAbsent(t *testing.T) {
	env := newTestServer(t, nil)
	for _, path := range recordedFiles(t, "getTypeChildren") {
		rec := loadRecorded(t, path)
		d, err := decodeHTTP(t, env.srv, recordedRequest(rec))
		if err != nil {
			t.Fatalf("%s: %v", rec.name, err)
		}
		r := d.req.(*generated.GetTypeChildren)
		if r.TypeId != nil {
			t.Errorf("%s: typeId = %q, want absent", rec.name, *r.TypeId)
		}
	}
}
