package server

import (
	"bytes"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/cmisd/cmisd/internal/metrics"
	"github.com/cmisd/cmisd/wsdl"
)

// WSDL and schema serving, and the HTML page.
//
// The shipped WSDL has placeholder addresses
// (http://cmis/services/ObjectService.ObjectServicePort) and relative
// schema locations. Clients (OpenCMIS, libcmis) read the soap:address of
// every service from the WSDL and send all calls there, so every served
// copy names this server as the client reaches it.

var (
	addressRE = regexp.MustCompile(`location="http://cmis/services/([A-Za-z]+)\.[A-Za-z]+"`)
	schemaRE  = regexp.MustCompile(`schemaLocation="(CMIS-[A-Za-z]+\.xsd)"`)
)

// hasQuery reports whether the query string has key (case-insensitive),
// with or without a value: ?wsdl, ?WSDL, ?wsdl=.
func hasQuery(r *http.Request, key string) bool {
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// baseURL is where clients reach the server: ExternalURL, else the
// request's scheme and host, as a proxy forwarded them.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.ExternalURL != "" {
		return s.cfg.ExternalURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if h := firstValue(r.Header.Get("X-Forwarded-Host")); validHost(h) {
		host = h
	}
	if !validHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

func firstValue(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// validHost accepts host[:port] (names, IPv4, bracketed IPv6).
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(".-_:[]", c):
		default:
			return false
		}
	}
	return true
}

// attrEscape escapes s for a double-quoted XML attribute.
func attrEscape(s string) string {
	var b bytes.Buffer
	xmlEscape(&b, s)
	return b.String()
}

// rewriteWSDL returns a WSDL or XSD file with service addresses pointing
// at endpoints (base URL and the face's path). Schema locations stay
// relative file names ("CMIS-Core.xsd"), which every place the WSDL is
// served from resolves to a served XSD of its own version: a relative
// location survives proxies, and Mono's svcutil loads a schema twice when
// an absolute and a relative location name it. A file served at the
// face's path itself (/services10?wsdl, whose relative names resolve in
// the parent directory) has schemaDir ("services10/") put before them.
func rewriteWSDL(data []byte, endpoints, schemaDir string) []byte {
	b := attrEscape(endpoints)
	out := addressRE.ReplaceAllFunc(data, func(m []byte) []byte {
		svc := addressRE.FindSubmatch(m)[1]
		return []byte(`location="` + b + `/` + string(svc) + `"`)
	})
	if schemaDir != "" {
		out = schemaRE.ReplaceAll(out, []byte(`schemaLocation="`+attrEscape(schemaDir)+`$1"`))
	}
	return out
}

// serveFile serves a WSDL or XSD file of face f.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f *face, name string) {
	data, err := wsdl.FS.ReadFile(wsdl.Path(f.dir, name))
	if err != nil {
		s.notFound(w, r)
		return
	}
	schemaDir := ""
	if r.URL.Path == f.Path {
		schemaDir = path.Base(f.Path) + "/"
	}
	out := rewriteWSDL(data, s.baseURL(r)+f.Path, schemaDir)
	w.Header().Set("Content-Type", textXMLType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(out)
	}
}

func (s *Server) serveWSDL(w http.ResponseWriter, r *http.Request, f *face) {
	exchangeFrom(w).operation = metrics.OpWSDL
	s.serveFile(w, r, f, wsdl.ServiceWSDL)
}

// handleSchemaFile serves a face's WSDL and XSDs by name.
func (s *Server) handleSchemaFile(w http.ResponseWriter, r *http.Request, f *face) {
	switch name := mux.Vars(r)["file"]; name {
	case wsdl.ServiceWSDL, wsdl.CoreXSD, wsdl.MessagingXSD:
		exchangeFrom(w).operation = metrics.OpWSDL
		s.serveFile(w, r, f, name)
	default:
		s.notFound(w, r)
	}
}
