package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// --debug-listen serves pprof and the allocation counter on its own
// listener, and nothing of it on the SOAP one.
func TestDebugListener(t *testing.T) {
	srv, err := loadgen.StartServer(loadgen.ServerOptions{Bin: binary, Data: t.TempDir(), Debug: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if status, body := get(t, srv.Debug+"/debug/pprof/"); status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/: %d\n%s", status, loadgen.Truncate(body, 300))
	}
	if status, body := get(t, srv.Debug+"/debug/pprof/heap?debug=1"); status != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("/debug/pprof/heap: %d\n%s", status, loadgen.Truncate(body, 300))
	}
	// The command line holds the admin password: not served.
	if status, body := get(t, srv.Debug+"/debug/pprof/cmdline"); status == http.StatusOK || strings.Contains(body, srv.Password) {
		t.Errorf("/debug/pprof/cmdline: %d\n%s", status, body)
	}
	ctx := context.Background()
	before, err := loadgen.ReadAllocs(ctx, srv.Debug)
	if err != nil {
		t.Fatal(err)
	}
	c := loadgen.NewClient(loadgen.Config{URL: srv.Base, User: "admin", Password: srv.Password})
	const calls = 50 // getRepositories once, then getRepositoryInfo
	for range calls {
		if err := c.Discover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, err := loadgen.ReadAllocs(ctx, srv.Debug)
	if err != nil {
		t.Fatal(err)
	}
	// SOAP calls allocate, and the count is the server's own. The bound
	// is loose on purpose: the hot path's allocations keep falling (about
	// 120 per getRepositoryInfo now), and the runtime's counter lags by
	// what its per-thread caches hold.
	if after-before < calls*10 {
		t.Errorf("allocations went from %d to %d over %d requests", before, after, calls+1)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/allocs"} {
		if status, body := get(t, srv.Base+path); status == http.StatusOK || strings.Contains(body, "objects") {
			t.Errorf("the SOAP listener answers %s: %d\n%s", path, status, loadgen.Truncate(body, 300))
		}
	}
}

func TestDebugListenerOffByDefault(t *testing.T) {
	_, logs := startServe(t, nil, "--data", t.TempDir(), "--admin-password", "debug-off-secret")
	if l := logs(); strings.Contains(l, "debug serving") {
		t.Errorf("a debug listener without --debug-listen:\n%s", l)
	}
}

func TestDebugListenerLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0", "127.0.0.1"} {
		t.Run(addr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, binary, "serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(),
				"--admin-password", "debug-addr-secret", "--debug-listen", addr).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "--debug-listen") {
				t.Errorf("started with --debug-listen %s (%v):\n%s", addr, err, out)
			}
		})
	}
}
