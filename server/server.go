// Package server is the HTTP side of cmisd: the CMIS 1.1 Web Services
// binding (SOAP 1.1, text/xml and MTOM/XOP) over the generated service
// ports. It keeps HTTP (routing, deadlines, limits), SOAP envelopes and
// WS-Security, faults, WSDL serving, response writing, request logs and
// recording; reading the body (MIME packages, XOP, inline base64) is
// internal/xop's.
//
// One request takes one straight path: route (gorilla/mux), read the body
// (text, or the MTOM root part) through internal/xop, which moves inline
// base64 content to spool files, parse the envelope (WS-Security header,
// mustUnderstand), authenticate, decode the Body's first element into the
// generated request type, attach the content streams, call the port, and
// encode the response in the encoding of the request. Every error becomes a
// SOAP 1.1 fault in exactly one place (fault.go).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"go.uber.org/zap"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/metrics"
	"github.com/cmisd/cmisd/internal/xop"
)

// Config configures a Server.
type Config struct {
	Ports *generated.Ports   // the service implementations (required)
	Auth  cmis.Authenticator // verifies user name and password (required)

	// Snapshot, if set, runs each request's authentication and operation
	// in one read snapshot of the store (cmis.Transactor.Read): the
	// credential, the caches' validity and a read operation's permission
	// checks all see one state.
	Snapshot func(ctx context.Context, fn func(ctx context.Context) error) error
	Logger   *zap.Logger // nil: no logging

	// WriteSnapshot, if set, is Snapshot for the operations that write
	// (writes): the store may hold their snapshots elsewhere
	// (storage.DB.ReadBeforeWrite).
	WriteSnapshot func(ctx context.Context, fn func(ctx context.Context) error) error

	// ExternalURL is the base URL clients reach the server at (scheme,
	// host, optional path prefix; no trailing slash needed). Empty: taken
	// from each request, honouring X-Forwarded-Proto and X-Forwarded-Host.
	ExternalURL string

	// MaxXMLBytes bounds the SOAP XML of a request (the text/xml body or
	// the MTOM root part), content streams excluded. Default 10 MiB.
	MaxXMLBytes int64

	// MaxDepth bounds the element nesting of a request. Default 64.
	MaxDepth int

	// SpoolDir holds inline base64 content and early MIME parts while a
	// request is decoded. Default os.TempDir().
	SpoolDir string

	// RecordDir, if set, receives every exchange as
	// NNNN-<operation>.request.http and NNNN-<operation>.response.http.
	RecordDir string

	// RepositoryName and Status are shown on the status page at /.
	RepositoryName string
	Status         Status

	// Now is the clock for WS-Security timestamps. Default time.Now.
	Now func() time.Time

	// ReadStallTimeout is how long reading a request's body may make no
	// progress before the connection is dropped; WriteStallTimeout the
	// same for writing the response. The deadlines move with progress, so
	// a slow transfer that keeps moving is never cut off. Defaults 30
	// seconds and 2 minutes.
	ReadStallTimeout  time.Duration
	WriteStallTimeout time.Duration

	// ReadHeaderTimeout bounds the reading of a request's headers
	// (HTTPServer). Default 10 seconds.
	ReadHeaderTimeout time.Duration

	// MaxUploads bounds the requests carrying content (an MTOM attachment
	// or inline base64) in progress at once; MaxUploadsPerUser the same
	// per authenticated user. Past them a request gets a runtime fault.
	// Zero is the default (64 and 8), below zero no limit.
	MaxUploads        int
	MaxUploadsPerUser int

	// RateLimit, if above zero, limits each client address to that many
	// requests a second, with bursts of RateBurst (default: twice the
	// rate, at least 10); past it a request is answered 429.
	RateLimit float64
	RateBurst int

	// Metrics records every request. Nil: a private set, recorded but not
	// served. ServeMetrics serves it at GET /metrics on this handler
	// (leave it off to serve it on another listener).
	Metrics      *metrics.Metrics
	ServeMetrics bool

	// Readiness are the checks of GET /readyz, besides "not shutting
	// down" (Drain).
	Readiness []Check
}

// Defaults.
const (
	DefaultMaxXMLBytes       = 10 << 20
	DefaultMaxDepth          = 64
	DefaultReadStallTimeout  = 30 * time.Second
	DefaultWriteStallTimeout = 2 * time.Minute
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultMaxUploads        = 64
	// OpenCMIS's asynchronous session uploads with 10 threads at once.
	DefaultMaxUploadsPerUser  = 16
	defaultRateBurstPerSecond = 2
	minRateBurst              = 10
)

// SweepSpool removes request spool files older than grace from dir: those
// of requests a crash cut off (see xop.SweepSpool).
func SweepSpool(dir string, grace time.Duration, now time.Time) (int, error) {
	return xop.SweepSpool(dir, grace, now)
}

// ServiceNames are the nine CMIS services, each published at
// /services/<name> (CMIS 1.1) and /services10/<name> (CMIS 1.0).
var ServiceNames = []string{
	"RepositoryService", "NavigationService", "ObjectService",
	"MultiFilingService", "DiscoveryService", "VersioningService",
	"RelationshipService", "PolicyService", "ACLService",
}

// Server is the CMIS Web Services endpoint; it is an http.Handler.
type Server struct {
	cfg     Config
	log     *zap.Logger
	reqLog  *zap.Logger // the request lines: no caller, it is always logExchange
	router  *mux.Router
	soapOps map[string]*generated.Operation
	rec     *recorder
	uploads *uploads
	rate    *rateLimiter // nil: no rate limit
	metrics *metrics.Metrics
	ops     *http.ServeMux // /healthz, /readyz, /metrics

	stats    statsCache   // the status page's counts
	inFlight atomic.Int64 // requests being served, ops endpoints aside
	draining atomic.Bool  // Drain was called: /readyz answers 503
}

// New checks cfg, fills in defaults and builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Ports == nil {
		return nil, errors.New("server: Config.Ports is required")
	}
	if cfg.Auth == nil {
		return nil, errors.New("server: Config.Auth is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.MaxXMLBytes <= 0 {
		cfg.MaxXMLBytes = DefaultMaxXMLBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	if err := os.MkdirAll(cfg.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: spool directory: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	setDefault(&cfg.ReadStallTimeout, DefaultReadStallTimeout)
	setDefault(&cfg.WriteStallTimeout, DefaultWriteStallTimeout)
	setDefault(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	if cfg.MaxUploads == 0 {
		cfg.MaxUploads = DefaultMaxUploads
	}
	if cfg.MaxUploadsPerUser == 0 {
		cfg.MaxUploadsPerUser = DefaultMaxUploadsPerUser
	}
	if cfg.RateLimit > 0 && cfg.RateBurst <= 0 {
		cfg.RateBurst = max(minRateBurst, int(math.Ceil(defaultRateBurstPerSecond*cfg.RateLimit)))
	}
	if cfg.RepositoryName == "" {
		cfg.RepositoryName = "cmisd"
	}
	cfg.ExternalURL = strings.TrimRight(cfg.ExternalURL, "/")
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New("", ServiceNames)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, reqLog: cfg.Logger.WithOptions(zap.WithCaller(false)), soapOps: generated.Operations, metrics: cfg.Metrics,
		uploads: newUploads(cfg.MaxUploads, cfg.MaxUploadsPerUser)}
	if cfg.RateLimit > 0 {
		s.rate = newRateLimiter(cfg.RateLimit, cfg.RateBurst, time.Now)
	}
	if cfg.RecordDir != "" {
		rec, err := newRecorder(cfg.RecordDir)
		if err != nil {
			return nil, err
		}
		s.rec = rec
	}
	s.router = s.routes()
	s.ops = s.opsRoutes()
	return s, nil
}

func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	services := "{service:" + strings.Join(ServiceNames, "|") + "}"
	for _, f := range faces {
		f.route(r, s, services)
	}
	// The paths that name no version are CMIS 1.1's: the page, /?wsdl
	// (libcmis adds ?wsdl to whatever URL it was given) and the schemas
	// it names.
	r.HandleFunc("/{file:CMIS-[A-Za-z]+\\.xsd}", func(w http.ResponseWriter, r *http.Request) {
		s.handleSchemaFile(w, r, face11)
	}).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.handleIndex(w, r, face11) }).
		Methods(http.MethodGet, http.MethodHead)
	return r
}

// setDefault sets *d to def unless it is positive.
func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// HTTPServer returns an http.Server for the handler. Headers must arrive
// within ReadHeaderTimeout; after that there is no overall limit on a
// request (a 1 GiB upload is fine), but every read of the body must make
// progress within ReadStallTimeout and every write of the response within
// WriteStallTimeout: the handler extends the connection's deadlines as
// data moves (http.ResponseController). Served with TLS (ServeTLS), it
// speaks TLS 1.2 and 1.3 only, with Go's default cipher suites and curves.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
		// Connections accepted through Listener send a small answer in
		// one write (held.go).
		ConnContext: withHeldConn,
		ConnState:   releaseIdle,
	}
}

// exchange is what the server knows of one request, for the log line and
// the recording.
type exchange struct {
	start      time.Time
	service    string
	operation  string
	user       string
	repository string
	outcome    string
	mtom       bool  // answer in MTOM
	v10        bool  // a CMIS 1.0 request (the /services10 face)
	contentIn  int64 // bytes of content streams read by the operation
	contentOut int64 // and sent in the answer
	rec        *recording
}

// exchangeFrom is the exchange ServeHTTP began for the request w answers.
// It travels with the writer rather than in the request's context: that
// would copy the request once more for every request.
func exchangeFrom(w http.ResponseWriter) *exchange {
	if rw, ok := w.(*respWriter); ok && rw.x != nil {
		return rw.x
	}
	return &exchange{}
}

// ServeHTTP wraps every request: deadlines, byte counting, recording,
// panic recovery and the one log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.isOps(r) {
		s.ops.ServeHTTP(w, r)
		return
	}
	s.inFlight.Add(1)
	s.metrics.Begin()
	// One allocation for what the request's wrappers hold.
	st := &struct {
		x    exchange
		rw   respWriter
		body bodyReader
		rc   http.ResponseController
	}{}
	x, rw, body, rc := &st.x, &st.rw, &st.body, &st.rc
	x.start = time.Now()
	*rc = *http.NewResponseController(w)
	// Deadlines left by an earlier request on this connection.
	_ = rc.SetWriteDeadline(time.Time{})
	*rw = respWriter{w: w, rc: rc, stall: s.cfg.WriteStallTimeout, x: x, conn: heldConnOf(r)}
	*body = bodyReader{r: r.Body, rc: rc, stall: s.cfg.ReadStallTimeout}
	if r.ContentLength != 0 {
		body.extend(true)
	}
	if s.rec != nil {
		x.rec = s.rec.start(r)
		body.tee = x.rec.requestBody()
		rw.rec = x.rec
	}
	r.Body = body

	defer func() {
		p := recover()
		abort := p == http.ErrAbortHandler
		if p != nil && !abort {
			s.log.Error("panic serving request", zap.Any("panic", p),
				zap.String("method", r.Method), zap.String("path", r.URL.Path),
				zap.ByteString("stack", debug.Stack()))
			if rw.wroteHeader {
				// Part of the answer is out: break the connection rather
				// than let it look complete.
				abort = true
				x.outcome = "aborted"
			} else {
				s.writeFault(rw, x, panicError{p})
			}
		}
		if x.rec != nil {
			if !rw.wroteHeader {
				x.rec.responseHead(http.StatusOK, rw.Header())
			}
			io.Copy(io.Discard, body) // complete the recorded request
			x.rec.finish(x.recordName(r), s.log)
		}
		s.finish(r, x, rw, body)
		if abort {
			panic(http.ErrAbortHandler)
		}
	}()
	if s.limitRate(rw, r, x) {
		return
	}
	if f, service := soapEndpoint(r); f != nil {
		// The SOAP requests, nearly all of the traffic, skip the router:
		// its match copies the request to carry the path's variables.
		s.handleService(rw, r, f, service)
		return
	}
	s.router.ServeHTTP(rw, r)
}

// soapEndpoint is the face and service a POST to <face>/<Service> is for,
// or nil.
func soapEndpoint(r *http.Request) (*face, string) {
	if r.Method != http.MethodPost {
		return nil, ""
	}
	for _, f := range faces {
		rest, ok := strings.CutPrefix(r.URL.Path, f.Path)
		if !ok {
			continue
		}
		if name, ok := strings.CutPrefix(rest, "/"); ok {
			if i := slices.Index(ServiceNames, name); i >= 0 {
				return f, ServiceNames[i]
			}
		}
	}
	return nil, ""
}

func (x *exchange) recordName(r *http.Request) string {
	if x.operation != "" {
		return x.operation
	}
	if r.Method == http.MethodGet && hasQuery(r, "wsdl") {
		return "wsdl"
	}
	if r.Method == http.MethodPost {
		return "unknown"
	}
	return strings.ToLower(r.Method)
}

// finish logs the exchange and records it in the metrics.
func (s *Server) finish(r *http.Request, x *exchange, rw *respWriter, body *bodyReader) {
	status := rw.status
	if !rw.wroteHeader {
		status = http.StatusOK
	}
	elapsed := time.Since(x.start)
	s.metrics.Request(x.service, x.operation).Observe(x.outcome, status, elapsed)
	s.metrics.Content(x.contentIn, x.contentOut)
	s.metrics.End()
	s.inFlight.Add(-1)
	s.logExchange(r, x, status, elapsed, rw.n, body.n)
}

func (s *Server) logExchange(r *http.Request, x *exchange, status int, elapsed time.Duration, out, in int64) {
	outcome := x.outcome
	if outcome == "" {
		if status < 400 {
			outcome = "ok"
		} else {
			outcome = "http" + strconv.Itoa(status)
		}
	}
	s.reqLog.Info("request",
		zap.String("method", r.Method),
		zap.String("path", r.URL.Path),
		zap.String("service", x.service),
		zap.String("operation", x.operation),
		zap.String("user", x.user),
		zap.String("repository", x.repository),
		zap.Duration("duration", elapsed),
		zap.Int64("bytes_in", in),
		zap.Int64("bytes_out", out),
		zap.Int("status", status),
		zap.String("outcome", outcome),
	)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "404 page not found: the CMIS services are at /services/<ServiceName> (CMIS 1.1) and /services10/<ServiceName> (CMIS 1.0)", http.StatusNotFound)
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
}

// handleService serves <face>/<Service>: POST is SOAP, GET ?wsdl the
// WSDL; anything else is a fault.
func (s *Server) handleService(w http.ResponseWriter, r *http.Request, f *face, service string) {
	x := exchangeFrom(w)
	x.service = service
	x.v10 = f.v10()
	switch {
	case r.Method == http.MethodPost:
		s.handleSOAP(w, r, x)
		return
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		// A GET of the endpoint address itself answers with the WSDL too:
		// libcmis (LibreOffice) fetches the URL a user typed, takes it as
		// the WSDL if it is one, and otherwise gives up on the Web
		// Services binding when the answer is an error.
		s.serveWSDL(w, r, f)
		return
	}
	w.Header().Set("Allow", "POST, GET")
	msg := "method " + r.Method + " is not allowed: POST a SOAP request, or GET ?wsdl"
	s.writeFault(w, x, &requestError{typ: cmis.ErrNotSupported, msg: msg})
}

// writeFault answers err as a SOAP fault in the encoding of the request.
func (s *Server) writeFault(w http.ResponseWriter, x *exchange, err error) {
	f := faultFor(err)
	var stopped *cmis.TimeLimitError
	if errors.As(err, &stopped) {
		s.log.Warn("stopped at the time limit", zap.String("service", x.service), zap.String("operation", x.operation),
			zap.String("user", x.user), zap.String("what", stopped.Operation),
			zap.Duration("limit", stopped.Limit), zap.Duration("elapsed", stopped.Elapsed))
	}
	if f.internal {
		var pe panicError
		if !errors.As(err, &pe) {
			s.log.Error("internal error", zap.String("service", x.service),
				zap.String("operation", x.operation), zap.String("user", x.user), zap.Error(err))
		}
	}
	x.outcome = f.outcome()
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	}
	env := faultEnvelope(f)
	var werr error
	if x.mtom {
		werr = writeMTOM(w, f.status, env, nil, new(int64))
	} else {
		werr = writeText(w, f.status, env)
	}
	if werr != nil {
		s.log.Debug("writing fault", zap.Error(werr))
	}
}

// panicError is a recovered panic; it is sent as runtime "internal error"
// and was logged with its stack where it was recovered.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.v) }
