package server

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/wsdl"
)

// A face is one CMIS version's Web Services binding: the nine services
// under one path, each serving that version's WSDL. The repository behind
// both faces is the same; a request's face decides the CMIS version the
// services answer in (cmis.VersionFromContext) and which operations exist
// (generated.Operation.In10).
type face struct {
	Version cmis.Version
	Path    string // where the services are: Path + "/" + service name
	dir     string // its WSDL and XSDs in wsdl.FS
}

// faces are the published faces, CMIS 1.1 first: the routes and the
// status page's endpoint lists come from here.
var faces = []*face{
	{Version: cmis.Version11, Path: "/services", dir: wsdl.Dir11},
	{Version: cmis.Version10, Path: "/services10", dir: wsdl.Dir10},
}

// face11 is the face of the paths that name no version: /, /wsdl/, /?wsdl.
var face11 = faces[0]

// wsdlPath is where file of the face is served under /wsdl/.
func (f *face) wsdlPath(file string) string {
	if f.dir == wsdl.Dir11 {
		return "/wsdl/" + file
	}
	return "/wsdl/" + f.dir + "/" + file
}

// v10 reports whether the face speaks CMIS 1.0.
func (f *face) v10() bool { return f.Version == cmis.Version10 }

// route adds the face's paths: the services (POST SOAP, GET the WSDL),
// the schemas next to them and under /wsdl/, and the face's own index
// (?wsdl, ?core, ?msg, else the page).
func (f *face) route(r *mux.Router, s *Server, services string) {
	get := []string{http.MethodGet, http.MethodHead}
	r.HandleFunc(f.Path+"/"+services, func(w http.ResponseWriter, r *http.Request) {
		s.handleService(w, r, f, mux.Vars(r)["service"])
	})
	schema := func(w http.ResponseWriter, r *http.Request) { s.handleSchemaFile(w, r, f) }
	// Where relative schema locations lead from a WSDL served at
	// <Path>/<Service>?wsdl, and the files by name.
	r.HandleFunc(f.Path+"/{file:CMIS-[A-Za-z]+\\.xsd}", schema).Methods(get...)
	r.HandleFunc(f.wsdlPath("{file}"), schema).Methods(get...)
	for _, p := range []string{f.Path, f.Path + "/"} {
		r.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { s.handleIndex(w, r, f) }).Methods(get...)
	}
}
