package server

import (
	"crypto/tls"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
)

type wsdlDoc struct {
	Services []struct {
		Name string `xml:"name,attr"`
		Port struct {
			Address struct {
				Location string `xml:"location,attr"`
			} `xml:"http://schemas.xmlsoap.org/wsdl/soap/ address"`
		} `xml:"port"`
	} `xml:"service"`
	Imports []struct {
		SchemaLocation string `xml:"schemaLocation,attr"`
	} `xml:"types>schema>import"`
}

func get(t *testing.T, client *http.Client, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestWSDL(t *testing.T) {
	plain := newTestServer(t, nil)
	ts := httptest.NewServer(plain.srv)
	defer ts.Close()
	tlsSrv := httptest.NewTLSServer(plain.srv)
	defer tlsSrv.Close()
	ext := newTestServer(t, func(c *Config) { c.ExternalURL = "https://cmis.example.org/base/" })
	tsExt := httptest.NewServer(ext.srv)
	defer tsExt.Close()
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

	tests := []struct {
		name     string
		client   *http.Client
		url      string
		hdr      map[string]string
		wantBase string
		v10      bool // the CMIS 1.0 face: /services10, the 1.0 WSDL and schemas
	}{
		{name: "service ?wsdl", url: ts.URL + "/services/ObjectService?wsdl", wantBase: ts.URL},
		{name: "?WSDL upper case", url: ts.URL + "/services/ACLService?WSDL", wantBase: ts.URL},
		{name: "?Wsdl= with value", url: ts.URL + "/services/RepositoryService?Wsdl=", wantBase: ts.URL},
		{name: "the endpoint address itself (libcmis)", url: ts.URL + "/services/RepositoryService", wantBase: ts.URL},
		{name: "root ?wsdl (libcmis adds ?wsdl to the URL it was given)", url: ts.URL + "/?wsdl", wantBase: ts.URL},
		{name: "/wsdl/ file", url: ts.URL + "/wsdl/CMISWS-Service.wsdl", wantBase: ts.URL},
		{
			name: "X-Forwarded-Proto and -Host", url: ts.URL + "/services/ObjectService?wsdl",
			hdr:      map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.com:8443, inner:1"},
			wantBase: "https://proxy.example.com:8443",
		},
		{
			name: "bad forwarded values ignored", url: ts.URL + "/services/ObjectService?wsdl",
			hdr:      map[string]string{"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": `evil"><x`},
			wantBase: ts.URL,
		},
		{name: "TLS", client: tlsClient, url: tlsSrv.URL + "/services/ObjectService?wsdl", wantBase: tlsSrv.URL},
		{name: "ExternalURL", url: tsExt.URL + "/services/ObjectService?wsdl", hdr: map[string]string{"X-Forwarded-Host": "ignored"}, wantBase: "https://cmis.example.org/base"},
		{name: "1.0 service ?wsdl", url: ts.URL + "/services10/ObjectService?wsdl", wantBase: ts.URL, v10: true},
		{name: "1.0 endpoint address itself", url: ts.URL + "/services10/RepositoryService", wantBase: ts.URL, v10: true},
		{name: "1.1 face ?wsdl", url: ts.URL + "/services?wsdl", wantBase: ts.URL},
		{name: "1.0 face ?wsdl", url: ts.URL + "/services10?wsdl", wantBase: ts.URL, v10: true},
		{name: "1.0 face/ ?wsdl", url: ts.URL + "/services10/?wsdl", wantBase: ts.URL, v10: true},
		{name: "1.0 /wsdl/1.0/ file", url: ts.URL + "/wsdl/1.0/CMISWS-Service.wsdl", wantBase: ts.URL, v10: true},
		{
			name: "1.0 X-Forwarded-Proto and -Host", url: ts.URL + "/services10/ACLService?wsdl",
			hdr:      map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.com:8443"},
			wantBase: "https://proxy.example.com:8443", v10: true,
		},
		{name: "1.0 ExternalURL", url: tsExt.URL + "/services10/ObjectService?wsdl", wantBase: "https://cmis.example.org/base", v10: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := tt.client
			if client == nil {
				client = http.DefaultClient
			}
			resp, body := get(t, client, tt.url, tt.hdr)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.Contains(string(body), "http://cmis/") {
				t.Error("placeholder address http://cmis/ left in the WSDL")
			}
			var doc wsdlDoc
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			path, version := "/services/", "Version 1.1"
			if tt.v10 {
				path, version = "/services10/", "Version 1.0"
			}
			if !strings.Contains(string(body), version) {
				t.Errorf("not the CMIS %s WSDL", version)
			}
			if got := strings.Contains(string(body), `name="createType"`); got == tt.v10 {
				t.Errorf("createType in the WSDL: %v", got)
			}
			var names []string
			for _, s := range doc.Services {
				names = append(names, s.Name)
				if want := tt.wantBase + path + s.Name; s.Port.Address.Location != want {
					t.Errorf("%s at %q, want %q", s.Name, s.Port.Address.Location, want)
				}
			}
			sort.Strings(names)
			want := append([]string(nil), ServiceNames...)
			sort.Strings(want)
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Errorf("services %v", names)
			}
			if len(doc.Imports) != 2 {
				t.Fatalf("imports %+v", doc.Imports)
			}
			for _, imp := range doc.Imports {
				checkSchema(t, client, tt.url, imp.SchemaLocation, 2, tt.v10)
			}
		})
	}
}

// checkSchema resolves a schema location against the URL of the document
// that names it, as every client does, and checks that it is relative
// (it survives proxies) and served, and so are the schema's own imports.
// A CMIS 1.0 schema must not define what 1.1 added (cmis:item).
func checkSchema(t *testing.T, client *http.Client, from, loc string, depth int, v10 bool) {
	t.Helper()
	ref, err := url.Parse(loc)
	if err != nil || ref.IsAbs() || strings.HasPrefix(loc, "/") {
		t.Fatalf("%s names schemaLocation %q: want a relative file name", from, loc)
	}
	base, _ := url.Parse(from)
	u := base.ResolveReference(ref).String()
	resp, body := get(t, client, u, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%s (from %s): status %d", u, from, resp.StatusCode)
	}
	var schema struct {
		XMLName xml.Name
		Imports []struct {
			SchemaLocation string `xml:"schemaLocation,attr"`
		} `xml:"import"`
	}
	if err := xml.Unmarshal(body, &schema); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	if schema.XMLName.Local != "schema" {
		t.Fatalf("%s: root %v", u, schema.XMLName)
	}
	if has11 := strings.Contains(string(body), "cmis:item") || strings.Contains(string(body), "createType"); v10 && has11 {
		t.Errorf("%s: a CMIS 1.1 schema on the 1.0 face", u)
	}
	if depth > 0 {
		for _, imp := range schema.Imports {
			checkSchema(t, client, u, imp.SchemaLocation, depth-1, v10)
		}
	}
}

// Every face serves its WSDL and schemas by name and at its own path,
// without credentials; names that are not its files are 404.
func TestFaceFiles(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	for _, p := range []string{"/services", "/wsdl/CMIS-Core.xsd", "/?core", "/?msg",
		"/services10", "/services10/", "/services10?core", "/wsdl/1.0/CMIS-Messaging.xsd", "/services10/CMIS-Core.xsd"} {
		if r, _ := get(t, http.DefaultClient, ts.URL+p, nil); r.StatusCode != 200 {
			t.Errorf("%s: status %d", p, r.StatusCode)
		}
	}
	for _, p := range []string{"/wsdl/nope.xsd", "/wsdl/1.0/nope.xsd", "/services10/CMIS-Nope.xsd", "/services11/ObjectService"} {
		if r, _ := get(t, http.DefaultClient, ts.URL+p, nil); r.StatusCode != 404 {
			t.Errorf("%s: status %d", p, r.StatusCode)
		}
	}
}
