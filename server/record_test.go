package server

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

func TestRecording(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "0007-getObject.request.http"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := newTestServer(t, func(c *Config) { c.RecordDir = dir })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()

	rec := loadRecorded(t, filepath.Join(recordedDir, "mono", "mono-006-createDocument.http"))
	// 1: a recorded MTOM request; 2: chunked (unknown length); 3: a WSDL GET;
	// 4: a fault whose body the server never reads to the end.
	req1, _ := http.NewRequest("POST", ts.URL+rec.uri, bytes.NewReader(rec.body))
	req1.Header = rec.header.Clone()
	req1.Header.Del("Content-Length")
	chunked := []byte(soapWrap(`<m:getRepositories/>`))
	req2, _ := http.NewRequest("POST", ts.URL+"/services/RepositoryService", io.MultiReader(bytes.NewReader(chunked)))
	req2.Header.Set("Content-Type", "text/xml")
	req2.SetBasicAuth("test", "test")
	req3, _ := http.NewRequest("GET", ts.URL+"/services/RepositoryService?wsdl", nil)
	unread := append([]byte(soapWrap(`<m:getRepositories/>`)), bytes.Repeat([]byte(" "), 100_000)...)
	req4, _ := http.NewRequest("POST", ts.URL+"/services/RepositoryService", bytes.NewReader(unread))
	req4.Header.Set("Content-Type", "application/json")

	var responses [][]byte
	for _, req := range []*http.Request{req1, req2, req3, req4} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		responses = append(responses, b)
	}

	var names []string
	eventually(func() bool {
		entries, _ := os.ReadDir(dir)
		names = names[:0]
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return len(names) >= 9
	})
	sort.Strings(names)
	want := []string{
		"0007-getObject.request.http",
		"0008-createDocument.request.http", "0008-createDocument.response.http",
		"0009-getRepositories.request.http", "0009-getRepositories.response.http",
		"0010-wsdl.request.http", "0010-wsdl.response.http",
		"0011-unknown.request.http", "0011-unknown.response.http",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("files:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	wantBodies := [][]byte{rec.body, chunked, nil, unread}
	for i, base := range []string{"0008-createDocument", "0009-getRepositories", "0010-wsdl", "0011-unknown"} {
		raw, err := os.ReadFile(filepath.Join(dir, base+".request.http"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("%s: body: %v", base, err)
		}
		if !bytes.Equal(body, wantBodies[i]) {
			t.Errorf("%s: recorded body %d bytes, sent %d", base, len(body), len(wantBodies[i]))
		}
		raw, err = os.ReadFile(filepath.Join(dir, base+".response.http"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), r)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		rbody, _ := io.ReadAll(resp.Body)
		if !bytes.Equal(rbody, responses[i]) {
			t.Errorf("%s: recorded response differs from the one sent (%d vs %d bytes)", base, len(rbody), len(responses[i]))
		}
	}
	// The MTOM request keeps its headers.
	raw, _ := os.ReadFile(filepath.Join(dir, "0008-createDocument.request.http"))
	if !bytes.HasPrefix(raw, []byte("POST /services/ObjectService HTTP/1.1\r\nHost: ")) || !bytes.Contains(raw, []byte("Soapaction: \"createDocument\"\r\n")) {
		t.Errorf("request head:\n%s", raw[:300])
	}
}

// Exactly one structured log line per request.
func TestOneLogLinePerRequest(t *testing.T) {
	env := newTestServer(t, nil)
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml",
		[]byte(soapWrap(`<m:getRepositoryInfo><m:repositoryId>A1</m:repositoryId></m:getRepositoryInfo>`)), basic("test", "test"))
	send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml",
		[]byte(soapWrap(`<m:getRepositoryInfo><m:repositoryId>B2</m:repositoryId></m:getRepositoryInfo>`)), basic("test", "test"))
	send(t, ts.URL, "POST", "/services/ObjectService", "text/xml", []byte(soapWrap(`<m:getRepositories/>`)), nil)
	get(t, http.DefaultClient, ts.URL+"/services/ObjectService?wsdl", nil)

	eventually(func() bool { return env.logs.FilterMessage("request").Len() >= 4 })
	lines := env.logs.FilterMessage("request").All()
	if len(lines) != 4 {
		t.Fatalf("%d request log lines, want 4", len(lines))
	}
	want := []map[string]any{
		{"service": "RepositoryService", "operation": "getRepositoryInfo", "user": "test", "repository": "A1", "status": int64(200), "outcome": "ok"},
		{"service": "RepositoryService", "operation": "getRepositoryInfo", "user": "test", "repository": "B2", "status": int64(500), "outcome": "objectNotFound"},
		{"service": "ObjectService", "operation": "getRepositories", "user": "", "status": int64(401), "outcome": "permissionDenied"},
		{"service": "ObjectService", "operation": "wsdl", "status": int64(200), "outcome": "ok"},
	}
	for i, l := range lines {
		if l.Level != zapcore.InfoLevel {
			t.Errorf("line %d level %v", i, l.Level)
		}
		m := l.ContextMap()
		for k, v := range want[i] {
			if m[k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, m[k], v)
			}
		}
		for _, k := range []string{"duration", "bytes_in", "bytes_out"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d: no %s", i, k)
			}
		}
		if i < 3 && (m["bytes_in"].(int64) == 0 || m["bytes_out"].(int64) == 0) {
			t.Errorf("line %d: bytes %v/%v", i, m["bytes_in"], m["bytes_out"])
		}
	}
}
