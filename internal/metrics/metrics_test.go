package metrics

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var services = []string{"RepositoryService", "ObjectService"}

// record is what the server does for each request.
func record(m *Metrics, service, op, outcome string, status int) {
	m.Begin()
	m.Request(service, op).Observe(outcome, status, 3*time.Millisecond)
	m.Content(0, 0)
	m.End()
}

func TestLabelsAreBounded(t *testing.T) {
	m := New("test", services)
	for _, tt := range []struct {
		service, op, outcome string
		status               int
		want                 string // service/operation/outcome counted
	}{
		{"RepositoryService", "getRepositories", "ok", 200, "RepositoryService/getRepositories/ok"},
		{"ObjectService", "getRepositories", "ok", 200, "RepositoryService/getRepositories/ok"},
		{"ObjectService", "getObject", "objectNotFound", 500, "ObjectService/getObject/objectNotFound"},
		{"ObjectService", "frobnicate", "invalidArgument", 500, "ObjectService/unknown/invalidArgument"},
		{"NoSuchService", "frobnicate", "invalidArgument", 500, "/unknown/invalidArgument"},
		{"ObjectService", "wsdl", "", 200, "ObjectService/wsdl/ok"},
		{"", "", "", 404, "/unknown/4xx"},
		{"", "page", "", 503, "/page/5xx"},
		{"", "", "no such outcome", 200, "/unknown/other"},
	} {
		record(m, tt.service, tt.op, tt.outcome, tt.status)
		l := strings.Split(tt.want, "/")
		if got := testutil.ToFloat64(m.requests.WithLabelValues(l[0], l[1], l[2])); got < 1 {
			t.Errorf("%s %s %s %d: not counted as %s", tt.service, tt.op, tt.outcome, tt.status, tt.want)
		}
	}
	if n := testutil.CollectAndCount(m.requests); n != 8 {
		t.Errorf("%d request series, want 8", n)
	}
	for _, bad := range []string{"frobnicate", "NoSuchService", "no such outcome"} {
		for _, lv := range [][]string{{bad, "unknown", "ok"}, {"", bad, "ok"}, {"", "unknown", bad}} {
			if m.requests.DeleteLabelValues(lv...) {
				t.Errorf("a series was made for %q", bad)
			}
		}
	}
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight %v after every request ended", got)
	}
}

// Recording a request allocates nothing once its series is in use.
func TestRecordingDoesNotAllocate(t *testing.T) {
	m := New("test", services)
	record(m, "ObjectService", "getObject", "ok", 200)
	if n := testing.AllocsPerRun(1000, func() { record(m, "ObjectService", "getObject", "ok", 200) }); n != 0 {
		t.Fatalf("%v allocations per request", n)
	}
}

func TestHandler(t *testing.T) {
	m := New("test", services)
	record(m, "RepositoryService", "getRepositories", "ok", 200)
	rec := &testWriter{h: http.Header{}}
	m.Handler().ServeHTTP(rec, &http.Request{Method: "GET", Header: http.Header{}})
	if !strings.Contains(rec.b.String(), `cmisd_requests_total{operation="getRepositories",outcome="ok",service="RepositoryService"} 1`) {
		t.Fatalf("scrape:\n%s", rec.b.String())
	}
}

type testWriter struct {
	h http.Header
	b strings.Builder
}

func (w *testWriter) Header() http.Header         { return w.h }
func (w *testWriter) WriteHeader(int)             {}
func (w *testWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// BenchmarkRecord is the instrumentation's cost per request.
//
//	go test ./internal/metrics -run '^$' -bench Record -benchmem
func BenchmarkRecord(b *testing.B) {
	m := New("test", services)
	b.ReportAllocs()
	for b.Loop() {
		record(m, "ObjectService", "getObject", "ok", 200)
	}
}
