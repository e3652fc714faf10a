package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"strings"

	"go.uber.org/zap"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// handleSOAP serves one SOAP POST.
func (s *Server) handleSOAP(w http.ResponseWriter, r *http.Request, x *exchange) {
	sp := newSpooler(s.cfg.SpoolDir)
	defer sp.cleanup()
	op, resp, err := s.processSOAP(r, x, sp)
	if err != nil {
		s.writeFault(w, x, err)
		return
	}
	s.writeResult(w, x, op, resp)
}

// processSOAP reads, authenticates, decodes and dispatches a request.
func (s *Server) processSOAP(r *http.Request, x *exchange, sp *spooler) (*generated.Operation, any, error) {
	xmlBytes, mtom, err := s.readXML(r, x, sp)
	if err != nil {
		return nil, nil, err
	}
	env, err := parseEnvelope(xmlBytes, s.cfg.MaxDepth)
	if err != nil {
		return nil, nil, err
	}
	if err := env.security.checkTimestamps(s.cfg.Now()); err != nil {
		return nil, nil, err
	}
	x.operation = env.body.Name.Local

	// Authenticate before dispatch: an anonymous request learns nothing.
	user, err := s.authenticate(r.Context(), r, env)
	if err != nil {
		return nil, nil, err
	}
	x.user = user.Name

	op := s.ops[env.body.Name.Local]
	if env.body.Name.Space != cmis.MessagingNS || op == nil {
		return nil, nil, badRequest("unknown operation {%s}%s", env.body.Name.Space, env.body.Name.Local)
	}
	req := op.NewRequest()
	if err := decodeRequest(env, req); err != nil {
		return nil, nil, err
	}
	x.repository = repositoryID(req)
	if err := attachStreams(req, sp, mtom); err != nil {
		return nil, nil, err
	}

	ctx := cmis.NewContextWithBaseURL(cmis.NewContextWithUser(r.Context(), user), s.baseURL(r))
	resp, err := s.invoke(ctx, op, req, x)
	if err != nil {
		// A handler that read a broken attachment may report it in its own
		// words; the framing error is what the client needs to know.
		if mtom != nil && mtom.live != nil && mtom.live.err != nil {
			if _, ok := cmis.AsError(err); !ok || cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
				return nil, nil, partErr(mtom.live.err)
			}
		}
		if errors.Is(err, generated.ErrNoPort) {
			return nil, nil, cmis.Errorf(cmis.ErrNotSupported, "%s is not implemented by this server", op.Service)
		}
		return nil, nil, err
	}
	return op, resp, nil
}

// readXML reads the SOAP XML of the request (the body, or the MTOM root
// part), diverting inline content. For MTOM it also returns the reader of
// the remaining parts.
func (s *Server) readXML(r *http.Request, x *exchange, sp *spooler) ([]byte, *mtomReader, error) {
	ct := r.Header.Get("Content-Type")
	mt, params := parseMediaType(ct)
	switch mt {
	case "text/xml", "application/xml", "":
		if err := checkCharset(params["charset"]); err != nil {
			return nil, nil, err
		}
		data, err := divertStreams(r.Body, s.cfg.MaxXMLBytes, s.cfg.MaxDepth, sp)
		return data, nil, err
	case "application/soap+xml":
		return nil, nil, errSOAP12
	case "multipart/related":
		x.mtom = true
		if isSOAP12Type(params["type"]) || isSOAP12Type(params["start-info"]) {
			return nil, nil, errSOAP12
		}
		// Room for the MIME header WCF puts at the top of the body; the
		// parts are read in larger pieces, past this buffer.
		br := bufio.NewReaderSize(r.Body, 2*maxBodyHeaderBytes)
		params, err := mtomParams(br, params)
		if err != nil {
			return nil, nil, err
		}
		if isSOAP12Type(params["type"]) || isSOAP12Type(params["start-info"]) {
			return nil, nil, errSOAP12
		}
		m, root, hdr, err := openMTOM(br, params, sp)
		if err != nil {
			return nil, nil, err
		}
		rmt, rparams := parseMediaType(hdr.Get("Content-Type"))
		if rmt == "application/soap+xml" || isSOAP12Type(rparams["type"]) {
			return nil, nil, errSOAP12
		}
		if err := checkCharset(rparams["charset"]); err != nil {
			return nil, nil, err
		}
		data, err := divertStreams(root, s.cfg.MaxXMLBytes, s.cfg.MaxDepth, sp)
		if err != nil {
			return nil, nil, err
		}
		return data, m, nil
	}
	return nil, nil, badRequest("unsupported Content-Type %q: send text/xml or multipart/related (MTOM/XOP)", ct)
}

var errSOAP12 = &requestError{code: codeVersionMismatch, typ: cmis.ErrInvalidArgument,
	msg: "SOAP 1.2 is not supported: send a SOAP 1.1 envelope (text/xml or MTOM)"}

func isSOAP12Type(v string) bool {
	mt, _ := parseMediaType(v)
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
// its part.
func attachStreams(req any, sp *spooler, m *mtomReader) error {
	var pending []*streamRef
	for _, st := range findStreams(req) {
		if st.Href == "" {
			continue // decoded inline (empty content)
		}
		if path, ok := sp.lookup(st.Href); ok {
			rd, err := sp.openRead(path)
			if err != nil {
				return err
			}
			st.Reader = rd
			continue
		}
		if m == nil {
			return badRequest("xop:Include names cid:%s, but the request is not an MTOM package", st.Href)
		}
		pending = append(pending, &streamRef{href: st.Href, set: func(r io.Reader) { st.Reader = r }})
	}
	if len(pending) == 0 {
		return nil
	}
	hrefs := make([]string, len(pending))
	for i, p := range pending {
		hrefs[i] = p.href
	}
	readers, err := m.resolve(hrefs)
	if err != nil {
		return err
	}
	for i, p := range pending {
		p.set(readers[i])
	}
	return nil
}

type streamRef struct {
	href string
	set  func(io.Reader)
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
	e := newEncoder(w, x.mtom, false)
	defer e.release()
	e.writeBody(resp, op.Name+"Response")
	err := e.xw.Err()
	if err == nil {
		x.outcome = "ok"
		err = e.finish()
	}
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
