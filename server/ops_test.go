package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/metrics"
)

// scrape reads /metrics in the text format into series → value, a series
// being written as the format writes it: name{label="value",...}.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, body := get(t, http.DefaultClient, url+"/metrics", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetrics(t *testing.T) {
	env := newTestServer(t, func(c *Config) {
		c.Metrics = metrics.New("v-test", ServiceNames)
		c.ServeMetrics = true
	})
	env.srv.metrics.WatchCredentialCache(func() (uint64, uint64) { return 7, 3 })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	before := scrape(t, ts.URL)

	post := func(service, body string) {
		send(t, ts.URL, "POST", "/services/"+service, "text/xml", []byte(soapWrap(body)), basic("test", "test"))
	}
	post("RepositoryService", `<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`)
	post("RepositoryService", `<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`)
	post("RepositoryService", `<m:getRepositoryInfo><m:repositoryId>B2</m:repositoryId></m:getRepositoryInfo>`)
	// An operation counts under its own service, whatever the URL.
	post("ObjectService", `<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`)
	post("RepositoryService", `<m:frobnicate-object-4711/>`)
	get(t, http.DefaultClient, ts.URL+"/services/ObjectService?wsdl", nil)
	get(t, http.DefaultClient, ts.URL+"/no/such/path/4711", nil)
	// Content in (an MTOM attachment) and out (the same, downloaded).
	data := bytes.Repeat([]byte("metrics "), 1000)
	sr := send(t, ts.URL, "POST", "/services/ObjectService", `multipart/related; type="application/xop+xml"; boundary=m`,
		[]byte(mtomBody("m", [2]string{rootHeaders, createDocXML("cid:a@x")}, [2]string{"Content-ID: <a@x>", string(data)})), nil)
	if sr.status != 200 {
		t.Fatalf("createDocument: %d %s", sr.status, sr.root)
	}
	var id string
	for k := range env.obj.content {
		id = k
	}
	if resp, _ := get(t, http.DefaultClient, ts.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
	down := send(t, ts.URL, "POST", "/services/ObjectService", "text/xml",
		[]byte(soapWrap(`<m:getContentStream><m:repositoryId>A1</m:repositoryId><m:objectId>`+id+`</m:objectId></m:getContentStream>`)), basic("test", "test"))
	if down.status != 200 {
		t.Fatalf("getContentStream: %d %s", down.status, down.root)
	}
	// The server records an exchange after the client has its answer.
	var after map[string]float64
	const lastOne = `cmisd_requests_total{operation="getContentStream",outcome="ok",service="ObjectService"}`
	eventually(func() bool { after = scrape(t, ts.URL); return after[lastOne] == 1 })

	for series, want := range map[string]float64{
		`cmisd_requests_total{operation="getRepositoryInfo",outcome="ok",service="RepositoryService"}`:             3,
		`cmisd_requests_total{operation="getRepositoryInfo",outcome="objectNotFound",service="RepositoryService"}`: 1,
		`cmisd_requests_total{operation="unknown",outcome="invalidArgument",service="RepositoryService"}`:          1,
		`cmisd_requests_total{operation="wsdl",outcome="ok",service="ObjectService"}`:                              1,
		`cmisd_requests_total{operation="unknown",outcome="4xx",service=""}`:                                       1,
		`cmisd_requests_total{operation="createDocument",outcome="ok",service="ObjectService"}`:                    1,
		lastOne: 1,
		`cmisd_request_duration_seconds_count{operation="getRepositoryInfo",service="RepositoryService"}`: 4,
		`cmisd_content_bytes_total{direction="in"}`:                                                       float64(len(data)),
		`cmisd_content_bytes_total{direction="out"}`:                                                      float64(len(data)),
	} {
		if got := after[series] - before[series]; got != want {
			t.Errorf("%s: went up by %v, want %v", series, got, want)
		}
	}
	for series, want := range map[string]float64{
		`cmisd_requests_in_flight`:            0,
		`cmisd_credential_cache_hits_total`:   7,
		`cmisd_credential_cache_misses_total`: 3,
		`cmisd_build_info{version="v-test"}`:  1,
	} {
		if got, ok := after[series]; !ok || got != want {
			t.Errorf("%s: %v, want %v", series, got, want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "cmisd_content_sweeps_total"} {
		if _, ok := after[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	// No label carries what a client sent: not the unknown operation, the
	// path, the user or the object id; /healthz and /metrics are not counted.
	for series := range after {
		for _, leak := range []string{"frobnicate", "4711", `"test"`, id, "healthz", "metrics\""} {
			if strings.Contains(series, leak) {
				t.Errorf("series %s carries %q", series, leak)
			}
		}
	}
	if len(after) != len(scrape(t, ts.URL)) {
		t.Error("a scrape made new series")
	}
}

// Without ServeMetrics, /metrics is not on the handler (cmisd serves it on
// --metrics-listen then).
func TestMetricsNotServed(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	if resp, _ := get(t, http.DefaultClient, ts.URL+"/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics: %d, want 404", resp.StatusCode)
	}
}

func TestReadiness(t *testing.T) {
	var dbErr error
	env := newTestServer(t, func(c *Config) {
		c.Readiness = []Check{{Name: "database", Check: func(context.Context) error { return dbErr }}}
	})
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	ready := func() (int, string) {
		resp, body := get(t, http.DefaultClient, ts.URL+"/readyz", nil)
		return resp.StatusCode, string(body)
	}
	if code, body := ready(); code != 200 || body != "ready\n" {
		t.Fatalf("ready: %d %q", code, body)
	}
	dbErr = errors.New("disk I/O error at /secret/path/cmisd.db")
	if code, body := ready(); code != 503 || body != "not ready: database\n" {
		t.Fatalf("failing check: %d %q", code, body)
	}
	if env.logs.FilterMessage("not ready").Len() != 1 {
		t.Error("the failing check's error is not logged")
	}
	dbErr = nil

	// Drain: unready at once, and it returns when the last request ends.
	release := make(chan struct{})
	env.srv.inFlight.Add(1) // a request in flight
	go func() { <-release; env.srv.inFlight.Add(-1) }()
	drained := make(chan error, 1)
	go func() { drained <- env.srv.Drain(context.Background()) }()
	if !eventually(func() bool { code, _ := ready(); return code == 503 }) {
		t.Fatal("/readyz still ready while draining")
	}
	if code, body := ready(); body != "not ready: shutting down\n" {
		t.Fatalf("draining: %d %q", code, body)
	}
	// /healthz stays up, and requests are still served.
	if resp, _ := get(t, http.DefaultClient, ts.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("/healthz while draining: %d", resp.StatusCode)
	}
	if resp, _ := get(t, http.DefaultClient, ts.URL+"/services/ObjectService?wsdl", nil); resp.StatusCode != 200 {
		t.Fatalf("a request while draining: %d", resp.StatusCode)
	}
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-drained:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return after the last request")
	}
	// A deadline ends the wait.
	env.srv.inFlight.Add(1)
	defer env.srv.inFlight.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := env.srv.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain past its deadline: %v", err)
	}
}
