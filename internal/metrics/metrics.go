// Package metrics is cmisd's instrumentation in the Prometheus text
// format (github.com/prometheus/client_golang): requests by service,
// operation and outcome, latency per operation, requests in flight,
// content bytes in and out, the database pools, the credential cache,
// content sweeps, and the Go runtime and process collectors. It is the one
// place that defines and records them; the server, the store and the
// authenticator only report numbers to it.
//
// Every label value comes from a fixed set: operations are the names of
// generated.Operations (anything else is "unknown"), services the nine
// service names, outcomes the CMIS fault types, "ok" or an HTTP status
// class. Object ids, user names and paths are never labels. The series of
// an operation are looked up once and kept, so recording a request
// allocates nothing.
package metrics

import (
	"database/sql"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

const namespace = "cmisd"

// Operations that are not SOAP operations, as the server names them.
const (
	OpWSDL    = "wsdl"    // the WSDL and its schemas
	OpPage    = "page"    // the status page at /
	OpUnknown = "unknown" // anything else
)

// Metrics holds the collectors of one process (or of one test).
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	contentIn    prometheus.Counter
	contentOut   prometheus.Counter
	sweeps       prometheus.Counter
	sweepRemoved *prometheus.CounterVec
	sweepErrors  prometheus.Counter

	soap  map[string]*Series            // by SOAP operation
	other map[string]map[string]*Series // by pseudo-operation, then service ("" for none)
}

// New makes the collectors and registers them, with the Go runtime and
// process collectors and cmisd_build_info{version}, in a registry of
// their own. services are the service names a request may carry.
func New(version string, services []string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "requests_total",
		Help: "Requests answered, by service, operation and outcome (ok, the CMIS fault type, or the HTTP status class of an error outside SOAP).",
	}, []string{"service", "operation", "outcome"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "request_duration_seconds",
		Help:    "Time from the request's headers to the end of its answer, by service and operation.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"service", "operation"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "requests_in_flight",
		Help: "Requests being served (uploads included)."})
	content := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "content_bytes_total",
		Help: "Bytes of content streams received (in) and sent (out)."}, []string{"direction"})
	m.contentIn, m.contentOut = content.WithLabelValues("in"), content.WithLabelValues("out")
	m.sweeps = prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "content_sweeps_total",
		Help: "Sweeps for files left by interrupted uploads."})
	m.sweepRemoved = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "content_sweep_removed_total",
		Help: "Files the sweeps removed: content no row references (content), request spool files (spool)."}, []string{"kind"})
	m.sweepErrors = prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "content_sweep_errors_total",
		Help: "Sweeps that failed."})
	build := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "build_info",
		Help: "1, labelled with the version of cmisd.", ConstLabels: prometheus.Labels{"version": version}})
	build.Set(1)
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, content, m.sweeps, m.sweepRemoved, m.sweepErrors, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.sweepRemoved.WithLabelValues("content")
	m.sweepRemoved.WithLabelValues("spool")

	m.soap = make(map[string]*Series, len(generated.Operations))
	for name, op := range generated.Operations {
		m.soap[name] = m.newSeries(op.Service, name)
	}
	m.other = map[string]map[string]*Series{}
	for _, op := range []string{OpWSDL, OpPage, OpUnknown} {
		bySvc := map[string]*Series{"": m.newSeries("", op)}
		for _, svc := range services {
			bySvc[svc] = m.newSeries(svc, op)
		}
		m.other[op] = bySvc
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is where the collectors are registered (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request returns the series of a request. A SOAP operation counts under
// its own service, whatever the URL; any other operation name counts as
// "unknown", and a service not given to New as none.
func (m *Metrics) Request(service, operation string) *Series {
	if s, ok := m.soap[operation]; ok {
		return s
	}
	bySvc, ok := m.other[operation]
	if !ok {
		bySvc = m.other[OpUnknown]
	}
	if s, ok := bySvc[service]; ok {
		return s
	}
	return bySvc[""]
}

// Begin counts a request in flight; End counts it out.
func (m *Metrics) Begin() { m.inFlight.Inc() }
func (m *Metrics) End()   { m.inFlight.Dec() }

// Content counts bytes of content streams received and sent.
func (m *Metrics) Content(in, out int64) {
	if in > 0 {
		m.contentIn.Add(float64(in))
	}
	if out > 0 {
		m.contentOut.Add(float64(out))
	}
}

// Sweep counts one sweep: the files it removed of each kind
// ("content", "spool"), and whether it failed.
func (m *Metrics) Sweep(content, spool int, failed bool) {
	m.sweeps.Inc()
	m.sweepRemoved.WithLabelValues("content").Add(float64(content))
	m.sweepRemoved.WithLabelValues("spool").Add(float64(spool))
	if failed {
		m.sweepErrors.Inc()
	}
}

// WatchPools publishes the database connection pools that stats reports
// (by pool name), read at each scrape.
func (m *Metrics) WatchPools(stats func() map[string]sql.DBStats) {
	m.reg.MustRegister(poolCollector(stats))
}

// WatchCredentialCache publishes the hits and misses of the verified
// credential cache, read at each scrape.
func (m *Metrics) WatchCredentialCache(stats func() (hits, misses uint64)) {
	m.watchPair(
		prometheus.CounterOpts{Namespace: namespace, Name: "credential_cache_hits_total",
			Help: "Logins answered from the cache of verified credentials (no bcrypt)."},
		prometheus.CounterOpts{Namespace: namespace, Name: "credential_cache_misses_total",
			Help: "Logins of a known user that the cache could not answer (bcrypt ran)."},
		func() (float64, float64) { h, mi := stats(); return float64(h), float64(mi) })
}

// WatchCommits publishes the writes and the commits of a store whose
// queued writes share commits (SQLite), read at each scrape: writes per
// commit is how well they share.
func (m *Metrics) WatchCommits(stats func() (writes, commits int64)) {
	m.watchPair(
		prometheus.CounterOpts{Namespace: namespace, Name: "db_writes_total",
			Help: "Write transactions the operations ran (each in a savepoint of a shared commit)."},
		prometheus.CounterOpts{Namespace: namespace, Name: "db_commits_total",
			Help: "Commits (each durable on disk before its writes are answered) that the writes shared."},
		func() (float64, float64) { w, c := stats(); return float64(w), float64(c) })
}

// watchPair publishes two counters that one call of stats reads.
func (m *Metrics) watchPair(a, b prometheus.CounterOpts, stats func() (float64, float64)) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(a, func() float64 { v, _ := stats(); return v }),
		prometheus.NewCounterFunc(b, func() float64 { _, v := stats(); return v }),
	)
}

// Series are the counters and the histogram of one service and
// operation. Each outcome's counter is made on its first use and kept.
type Series struct {
	m                  *Metrics
	service, operation string
	hist               atomic.Pointer[observerBox]
	counters           [numOutcomes]atomic.Pointer[counterBox]
}

type counterBox struct{ prometheus.Counter }
type observerBox struct{ prometheus.Observer }

func (m *Metrics) newSeries(service, operation string) *Series {
	return &Series{m: m, service: service, operation: operation}
}

// Observe records one request of the series: outcome is "ok", a CMIS
// fault type or a SOAP fault code, or "" to go by the HTTP status ("ok"
// below 400, else "4xx" or "5xx"), as the request log does.
func (s *Series) Observe(outcome string, status int, d time.Duration) {
	i := outcomeIndex(outcome, status)
	c := s.counters[i].Load()
	if c == nil {
		c = &counterBox{s.m.requests.WithLabelValues(s.service, s.operation, outcomes[i])}
		s.counters[i].Store(c) // a racing store holds the same counter
	}
	c.Inc()
	h := s.hist.Load()
	if h == nil {
		h = &observerBox{s.m.duration.WithLabelValues(s.service, s.operation)}
		s.hist.Store(h)
	}
	h.Observe(d.Seconds())
}

// outcomes are the values of the outcome label.
var outcomes = []string{
	"ok",
	string(cmis.ErrConstraint), string(cmis.ErrNameConstraintViolation), string(cmis.ErrContentAlreadyExists),
	string(cmis.ErrFilterNotValid), string(cmis.ErrInvalidArgument), string(cmis.ErrNotSupported),
	string(cmis.ErrObjectNotFound), string(cmis.ErrPermissionDenied), string(cmis.ErrRuntime),
	string(cmis.ErrStorage), string(cmis.ErrStreamNotSupported), string(cmis.ErrUpdateConflict),
	string(cmis.ErrVersioning),
	"VersionMismatch", "MustUnderstand", // SOAP faults without a CMIS type
	"aborted",     // the answer broke off
	"rateLimited", // refused by the rate limit
	"4xx", "5xx",  // HTTP errors outside SOAP (an unknown path, a wrong method)
	"other",
}

const numOutcomes = 21

var outcomeIndexes = func() map[string]int {
	if len(outcomes) != numOutcomes {
		panic("metrics: numOutcomes is not len(outcomes)")
	}
	m := make(map[string]int, len(outcomes))
	for i, o := range outcomes {
		m[o] = i
	}
	return m
}()

// outcomeIndex is the index in outcomes of an outcome, or for none of the
// HTTP status: "ok" below 400, else its class.
func outcomeIndex(outcome string, status int) int {
	if outcome == "" {
		switch {
		case status < 400:
			return 0
		case status < 500:
			return outcomeIndexes["4xx"]
		case status < 600:
			return outcomeIndexes["5xx"]
		}
		return numOutcomes - 1
	}
	if i, ok := outcomeIndexes[outcome]; ok {
		return i
	}
	return numOutcomes - 1
}
