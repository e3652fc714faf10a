package server

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"strings"

	"go.uber.org/zap"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/answered"
	"github.com/cmisd/cmisd/internal/xop"
	"github.com/cmisd/cmisd/internal/xsd"
)

// handleSOAP serves one SOAP POST.
func (s *Server) handleSOAP(w http.ResponseWriter, r *http.Request, x *exchange) {
	up := s.uploads.slot()
	defer up.release()
	rd := xop.NewReader(s.bodyOptions(up.begin))
	defer rd.Close()
	// Once the answer is written (not if writing it panics), the memory
	// the response points into may serve the next request.
	ctx, written := answered.New(r.Context())
	op, resp, err := s.processSOAP(ctx, r, x, rd, up)
	if err != nil {
		s.writeFault(w, x, err)
		written()
		return
	}
	s.writeResult(w, x, op, resp)
	written()
}

// streamElement is the element whose text is content.
var streamElement = xml.Name{Space: cmis.MessagingNS, Local: "stream"}

// bodyOptions are the limits of reading one request's body; onContent
// runs when it turns out to carry content.
func (s *Server) bodyOptions(onContent func() error) xop.Options {
	return xop.Options{SpoolDir: s.cfg.SpoolDir, MaxXMLBytes: s.cfg.MaxXMLBytes, MaxDepth: s.cfg.MaxDepth,
		Stream: streamElement, OnContent: onContent}
}

// processSOAP reads, authenticates, decodes and dispatches a request.
func (s *Server) processSOAP(ctx context.Context, r *http.Request, x *exchange, rd *xop.Reader, up *uploadSlot) (*generated.Operation, any, error) {
	xmlBytes, err := s.readXML(r, x, rd)
	if err != nil {
		return nil, nil, err
	}
	env, err := parseEnvelope(xmlBytes, s.cfg.MaxDepth)
	if err != nil {
		return nil, nil, err
	}
	defer env.release()
	if err := env.security.checkTimestamps(s.cfg.Now()); err != nil {
		return nil, nil, err
	}
	x.operation = env.body.Local

	// Authentication and the operation share the store's read snapshot
	// (a write ends it and opens its own transaction).
	var op *generated.Operation
	var resp any
	run := func(ctx context.Context) (err error) {
		op, resp, err = s.dispatch(ctx, r, x, rd, up, env)
		return err
	}
	if snapshot := s.snapshot(env.body.Local); snapshot != nil {
		err = snapshot(ctx, run)
	} else {
		err = run(ctx)
	}
	return op, resp, err
}

// snapshot is how the store holds the snapshot of a request for the
// operation named: a write's (WriteSnapshot) or any other's.
func (s *Server) snapshot(operation string) func(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.cfg.WriteSnapshot != nil && writes(operation) {
		return s.cfg.WriteSnapshot
	}
	return s.cfg.Snapshot
}

// writes reports whether an operation changes the repository: every CMIS
// operation but query and the get* ones. An unknown name is answered
// before anything is read; either answer keeps the request in one
// snapshot.
func writes(operation string) bool {
	return operation != "query" && !strings.HasPrefix(operation, "get")
}

// dispatch authenticates, decodes and runs a parsed request.
func (s *Server) dispatch(ctx context.Context, r *http.Request, x *exchange, rd *xop.Reader, up *uploadSlot, env *envelope) (*generated.Operation, any, error) {
	// Authenticate before dispatch: an anonymous request learns nothing.
	user, err := s.authenticate(ctx, r, env)
	if err != nil {
		return nil, nil, err
	}
	x.user = user.Name

	op := s.soapOps[env.body.Local]
	if env.body.Space != cmis.MessagingNS || op == nil {
		return nil, nil, badRequest("unknown operation {%s}%s", env.body.Space, env.body.Local)
	}
	if x.v10 && !op.In10 {
		return nil, nil, cmis.Errorf(cmis.ErrNotSupported,
			"%s is not part of CMIS 1.0: use the CMIS 1.1 endpoint /services/%s", op.Name, op.Service)
	}
	req := op.NewRequest()
	if err := decodeRequest(env, req); err != nil {
		return nil, nil, err
	}
	x.repository = repositoryID(req)
	if err := attachStreams(req, rd, &x.contentIn); err != nil {
		return nil, nil, err
	}
	// An upload counts against its user from here; inline content was
	// spooled (under the global limit) before the user was known.
	if err := up.forUser(user.Name); err != nil {
		return nil, nil, err
	}

	ctx = cmis.NewContextWithBaseURL(cmis.NewContextWithUser(ctx, user), s.baseURL(r))
	if x.v10 {
		ctx = cmis.NewContextWithVersion(ctx, cmis.Version10)
	}
	resp, err := s.invoke(ctx, op, req, x)
	if err != nil {
		// A handler that read a broken body may report it in its own
		// words; the framing error is what the client needs to know.
		if ferr := rd.Err(); ferr != nil {
			return nil, nil, ferr
		}
		if errors.Is(err, generated.ErrNoPort) {
			return nil, nil, cmis.Errorf(cmis.ErrNotSupported, "%s is not implemented by this server", op.Service)
		}
		return nil, nil, err
	}
	// An operation that did not read its content to the end has not seen
	// the body end: no success answer for a body that was cut short.
	if err := rd.End(); err != nil {
		return nil, nil, err
	}
	return op, resp, nil
}

// readXML reads the SOAP XML of the request (the body, or the MTOM root
// part), diverting inline content.
func (s *Server) readXML(r *http.Request, x *exchange, rd *xop.Reader) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, params := xop.ParseMediaType(ct)
	switch mt {
	case "text/xml", "application/xml", "":
		if err := checkCharset(params["charset"]); err != nil {
			return nil, err
		}
		return rd.ReadText(r.Body)
	case "application/soap+xml":
		return nil, errSOAP12
	case "multipart/related":
		x.mtom = true
		if isSOAP12Type(params["type"]) || isSOAP12Type(params["start-info"]) {
			return nil, errSOAP12
		}
		params, err := rd.OpenPackage(r.Body, params)
		if err != nil {
			return nil, err
		}
		if isSOAP12Type(params["type"]) || isSOAP12Type(params["start-info"]) {
			return nil, errSOAP12
		}
		hdr, err := rd.Root()
		if err != nil {
			return nil, err
		}
		rmt, rparams := xop.ParseKnownMediaType(hdr.Get("Content-Type"))
		if rmt == "application/soap+xml" || isSOAP12Type(rparams["type"]) {
			return nil, errSOAP12
		}
		if err := checkCharset(rparams["charset"]); err != nil {
			return nil, err
		}
		return rd.ReadRoot()
	}
	return nil, badRequest("unsupported Content-Type %q: send text/xml or multipart/related (MTOM/XOP)", ct)
}

var errSOAP12 = &requestError{code: codeVersionMismatch, typ: cmis.ErrInvalidArgument,
	msg: "SOAP 1.2 is not supported: send a SOAP 1.1 envelope (text/xml or MTOM)"}

func isSOAP12Type(v string) bool {
	mt, _ := xop.ParseKnownMediaType(v)
	return mt == "application/soap+xml"
}

func checkCharset(cs string) error {
	switch strings.ToLower(strings.TrimSpace(cs)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	}
	return badRequest("unsupported charset %q: send UTF-8", cs)
}

// attachStreams sets the Reader of every content stream of the request:
// diverted inline content from its spool file, an MTOM attachment from
// its part. For MTOM it reads the package to its end when no attachment
// is left to stream. The bytes the operation reads add up in *n.
func attachStreams(req any, rd *xop.Reader, n *int64) error {
	var streams []*xsd.Stream
	var hrefs []string
	for _, st := range findStreams(req) {
		if st.Href == "" {
			continue // decoded inline (empty content)
		}
		streams = append(streams, st)
		hrefs = append(hrefs, st.Href)
	}
	readers, err := rd.Streams(hrefs)
	if err != nil {
		return err
	}
	for i, st := range streams {
		st.Reader = &countingReader{r: readers[i], n: n}
	}
	return nil
}

// countingReader adds the bytes read through it to *n.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	*c.n += int64(k)
	return k, err
}

// invoke calls the port, turning a panic into a runtime fault.
func (s *Server) invoke(ctx context.Context, op *generated.Operation, req any, x *exchange) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic in service handler", zap.Any("panic", p),
				zap.String("service", op.Service), zap.String("operation", op.Name),
				zap.String("user", x.user), zap.ByteString("stack", debug.Stack()))
			resp, err = nil, panicError{p}
		}
	}()
	return op.Invoke(ctx, s.cfg.Ports, req)
}

// writeResult encodes a successful response.
func (s *Server) writeResult(w http.ResponseWriter, x *exchange, op *generated.Operation, resp any) {
	e := newEncoder(w, x.mtom, x.v10)
	defer e.release()
	e.writeBody(resp, op.Name+"Response")
	err := e.xw.Err()
	if err == nil {
		x.outcome = "ok"
		err = e.finish()
	}
	x.contentOut = e.contentOut
	if err == nil {
		return
	}
	if !e.started {
		if rw, ok := w.(*respWriter); !ok || !rw.wroteHeader {
			s.writeFault(w, x, err)
			return
		}
	}
	// Part of the answer is on the wire: the only honest thing left is to
	// break the connection, so the client sees a truncated message.
	x.outcome = "aborted"
	s.log.Warn("response aborted", zap.String("operation", x.operation), zap.Error(err))
	panic(http.ErrAbortHandler)
}
