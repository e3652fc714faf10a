package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
	"github.com/cmisd/cmisd/internal/storetest"
)

const adminPassword = "admin-password"

// adminClient is a SOAP client of srv as admin, with the repository found.
func adminClient(t *testing.T, addr string) *loadgen.Client {
	t.Helper()
	c := loadgen.NewClient(loadgen.Config{URL: "http://" + addr, User: "admin", Password: adminPassword, Clients: 2})
	if err := c.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// metric is the value of a series in a /metrics answer, -1 if absent.
func metric(t *testing.T, url, series string) float64 {
	t.Helper()
	_, body := get(t, url+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// On SIGTERM, /readyz turns unready while an upload in flight is still
// coming in; the upload completes and is stored, and cmisd exits 0.
func TestDrainOnSIGTERM(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword, "--shutdown-timeout", "30s")
	base := "http://" + srv.addr
	c := adminClient(t, srv.addr)

	content := make([]byte, 4<<20)
	rand.Read(content)
	const cid = "drained@test"
	env := c.Envelope(c.CreateDocumentXML(c.Root, "drained.bin", "application/octet-stream", int64(len(content)), loadgen.Include(cid)))
	body, ct := loadgen.MTOM(env, loadgen.Part{ContentID: cid, Data: content})
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(conn, "POST /services/ObjectService HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", srv.addr, ct, len(body))
	half := len(body) / 2
	if _, err := conn.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	const inFlight = "cmisd_requests_in_flight"
	if !waitFor(func() bool { return metric(t, base, inFlight) == 1 }) {
		t.Fatalf("the upload is not in flight: %s = %v", inFlight, metric(t, base, inFlight))
	}

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusServiceUnavailable }) {
		t.Fatal("/readyz did not turn unready after SIGTERM")
	}
	if code, body := get(t, base+"/readyz"); body != "not ready: shutting down\n" {
		t.Fatalf("/readyz while draining: %d %q", code, body)
	}

	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || loadgen.FirstElement(answer, "objectId") == "" {
		t.Fatalf("the upload in flight: %d %s", resp.StatusCode, loadgen.FaultString(answer))
	}

	select {
	case <-srv.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("cmisd still runs after the drain:\n%s", srv.logged())
	}
	if err := srv.cmd.Wait(); err != nil || srv.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("exit: %v\n%s", err, srv.logged())
	}
	logs := srv.logged()
	if d := logLines(logs, "shutting down: draining"); len(d) != 1 || d[0]["in_flight"] != 1.0 {
		t.Errorf("drain logged as %v\n%s", d, logs)
	}
	if len(logLines(logs, "stopped")) != 1 || strings.Contains(logs, "cutting off") {
		t.Errorf("not a clean stop:\n%s", logs)
	}

	db := storetest.OpenIn(t, data)
	o, err := db.ObjectByPath(context.Background(), c.Repo, "/drained.bin")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if o.Content == nil || o.Content.SHA256 != hex.EncodeToString(sum[:]) || o.Content.Length != int64(len(content)) {
		t.Fatalf("stored content %+v, want %d bytes of SHA-256 %x", o.Content, len(content), sum)
	}
	r, err := db.OpenContent(context.Background(), c.Repo, o.ID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := io.ReadAll(r)
	if !bytes.Equal(got, content) {
		t.Fatal("the stored bytes differ from the upload")
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

// With --metrics-listen, /metrics is there and not on the main listener;
// /healthz and /readyz are on the main one.
func TestMetricsListen(t *testing.T) {
	srv := startServer(t, nil, "--data", t.TempDir(), "--admin-password", adminPassword, "--metrics-listen", "127.0.0.1:0")
	var maddr string
	for _, m := range logLines(srv.logged(), "metrics serving") {
		maddr = fmt.Sprint(m["addr"])
	}
	if maddr == "" {
		t.Fatalf("no metrics listener logged:\n%s", srv.logged())
	}
	base := "http://" + srv.addr
	adminClient(t, srv.addr)
	if code, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the main listener: %d", code)
	}
	ok := `cmisd_requests_total{operation="getRepositoryInfo",outcome="ok",service="RepositoryService"}`
	if !waitFor(func() bool { return metric(t, "http://"+maddr, ok) == 1 }) {
		t.Errorf("%s: %v, want 1", ok, metric(t, "http://"+maddr, ok))
	}
	for _, series := range []string{`cmisd_db_open_connections{pool="read"}`, `cmisd_db_max_open_connections{pool="write"}`,
		"cmisd_credential_cache_misses_total", "cmisd_content_sweeps_total", "process_resident_memory_bytes"} {
		if v := metric(t, "http://"+maddr, series); v < 0 {
			t.Errorf("no %s", series)
		}
	}
	if v := metric(t, "http://"+maddr, "cmisd_db_max_open_connections{pool=\"write\"}"); v != 1 {
		t.Errorf("write pool: max open %v, want 1", v)
	}
	// The start wrote (the repository, the administrator): SQLite's
	// writes and the commits they shared.
	if w, c := metric(t, "http://"+maddr, "cmisd_db_writes_total"), metric(t, "http://"+maddr, "cmisd_db_commits_total"); w < 1 || c < 1 || c > w {
		t.Errorf("cmisd_db_writes_total %v, cmisd_db_commits_total %v: want 1 ≤ commits ≤ writes", w, c)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+p); code != http.StatusOK {
			t.Errorf("%s: %d %q", p, code, body)
		}
	}
}
