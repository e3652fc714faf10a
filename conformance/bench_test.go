package conformance

// Performance benchmarks of a live cmisd: the targets.
//
//	go test -tags 'netgo osusergo sqlite_omit_load_extension sqlite_fts5' \
//	    -run '^$' -bench . -benchtime 1x -timeout 30m ./conformance
//
// BenchmarkMTOM1GiB     (a) 1 GiB createDocument as an MTOM attachment and
//                           getContentStream answered as MTOM, against dd
//                           (bs=1M conv=fsync) into the data dir and against
//                           http.ServeFile of the stored file over loopback;
//                           the server's peak RSS growth.
// BenchmarkInline100MiB (b) 100 MiB createDocument as inline base64 in a
//                           text/xml body; the server's peak RSS growth (and
//                           the same for a text/xml getContentStream).
// BenchmarkLoad         (c) getObject and getChildren (100 children,
//                           filter *) at 8 keep-alive clients with a
//                           WS-Security UsernameToken, and with HTTP Basic
//                           for comparison, driven by internal/loadgen (the
//                           load generator of cmd/cmisd-load and make bench).
//
// Benchmarks never run in a plain `go test`. They start the server as a
// child process (CMISD_BIN, else built with go build and the Makefile's
// tags) on 127.0.0.1:0 with a fresh --data dir under the temp dir. Memory
// is read from /proc/PID/status: VmHWM after resetting it through
// /proc/PID/clear_refs once warmed up, minus VmRSS at that moment. In (a)
// each comparison is made of rounds measured back to back (dd then
// upload; ServeFile then download). The targets compare the best round
// of each side: on a shared VM, noise only ever adds time, and here the
// page cache sometimes needs 2.5 s of CPU per GiB to find memory, a
// state that takes dd and the upload alike at random; medians are logged
// too.
//
// Knobs: CMISD_BENCH_ROUNDS (5), CMISD_BENCH_MTOM_MIB (1024),
// CMISD_BENCH_INLINE_MIB (100), CMISD_BENCH_LOAD_DURATION (10s),
// CMISD_BENCH_LOAD_CLIENTS (8). With CMISD_BENCH_STRICT=1 a missed target
// fails the benchmark; otherwise it is logged as MISSED.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cmisd/cmisd/internal/loadgen"
)

const (
	benchMiB = 1 << 20
	// The targets of the issue.
	benchMaxRSSGrowthMiB = 64
	benchMaxRatio        = 1.3
)

// ---------------------------------------------------------------------------
// Environment

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchEnvDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchTarget logs whether a target was met; with CMISD_BENCH_STRICT=1 a
// miss fails the benchmark.
func benchTarget(b *testing.B, ok bool, format string, args ...any) {
	b.Helper()
	msg := fmt.Sprintf(format, args...)
	switch {
	case ok:
		b.Logf("target met:    %s", msg)
	case os.Getenv("CMISD_BENCH_STRICT") == "1":
		b.Errorf("target MISSED: %s", msg)
	default:
		b.Logf("target MISSED: %s", msg)
	}
}

// benchFreeSpace fails early when dir's filesystem cannot take need bytes.
func benchFreeSpace(b *testing.B, dir string, need int64) {
	b.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		b.Fatalf("statfs %s: %v", dir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < need {
		b.Skipf("%s has %d MiB free, the benchmark needs %d MiB: set TMPDIR to a file system with more room", dir, free/benchMiB, need/benchMiB)
	}
}

// ---------------------------------------------------------------------------
// The server under test

// benchStartServer starts cmisd (cmisdBinary) on a free loopback port with
// a fresh data directory, its debug listener on and args, and stops it
// when the benchmark ends.
func benchStartServer(b *testing.B, args ...string) *loadgen.Server {
	b.Helper()
	srv, err := loadgen.StartServer(loadgen.ServerOptions{Bin: cmisdBinary(b), Data: b.TempDir(), Debug: true, Args: args})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		srv.Stop()
		if b.Failed() {
			b.Logf("server log (end):\n%s", srv.LogTail())
		}
	})
	return srv
}

// procStatusKiB reads a "Name:   N kB" line of /proc/PID/status.
func procStatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// rssProbe measures the peak RSS growth of a process over a phase.
type rssProbe struct {
	pid      int
	baseline int64 // KiB
	reset    bool  // VmHWM was reset at the start of the phase
}

// startRSS resets the process's VmHWM to its current RSS (writing 5 to
// /proc/PID/clear_refs) and remembers that RSS as the baseline. Where the
// reset is refused, the baseline is the VmHWM so far (growth is then only
// seen above the earlier peak).
func startRSS(b *testing.B, pid int) *rssProbe {
	b.Helper()
	p := &rssProbe{pid: pid}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err == nil {
		p.reset = true
	} else {
		b.Logf("cannot reset VmHWM of %d (%v): growth is measured against the earlier peak", pid, err)
	}
	field := "VmRSS"
	if !p.reset {
		field = "VmHWM"
	}
	v, err := procStatusKiB(pid, field)
	if err != nil {
		b.Fatal(err)
	}
	p.baseline = v
	return p
}

// growthMiB is the peak RSS since startRSS minus the baseline.
func (p *rssProbe) growthMiB(b *testing.B) float64 {
	b.Helper()
	hwm, err := procStatusKiB(p.pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	// Memory the GC returned since the baseline can make this negative.
	return max(0, float64(hwm-p.baseline)/1024)
}

func (p *rssProbe) baselineMiB() float64 { return float64(p.baseline) / 1024 }

func logMachine(b *testing.B) func() {
	b.Helper()
	before := loadgen.LoadAverage()
	return func() {
		b.Logf("load average %s at the start, %s at the end (%d CPUs)", before, loadgen.LoadAverage(), runtime.NumCPU())
	}
}

func selfHWMMiB() float64 {
	v, _ := procStatusKiB(os.Getpid(), "VmHWM")
	return float64(v) / 1024
}

// bcryptCost is how long one bcrypt comparison at the default cost (the
// one cmisd stores) takes on this machine.
func bcryptCost(b *testing.B) time.Duration {
	b.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-secret"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		_ = bcrypt.CompareHashAndPassword(hash, []byte("bench-secret"))
		best = min(best, time.Since(start))
	}
	return best
}

// ---------------------------------------------------------------------------
// (c) getObject and getChildren under load

// BenchmarkLoad measures getObject and getChildren with loadgen, the load
// generator cmd/cmisd-load and make bench run, in this process: its CPU
// time is the client's, read apart from the server's.
func BenchmarkLoad(b *testing.B) {
	defer logMachine(b)()
	duration := benchEnvDuration("CMISD_BENCH_LOAD_DURATION", 10*time.Second)
	clients := benchEnvInt("CMISD_BENCH_LOAD_CLIENTS", 8)
	srv := benchStartServer(b)
	ctx := context.Background()
	newClient := func(basic bool) *loadgen.Client {
		c := loadgen.NewClient(loadgen.Config{URL: srv.Base, User: "admin", Password: srv.Password, Basic: basic,
			Text: true, Clients: clients})
		if err := c.Discover(ctx); err != nil {
			b.Fatal(err)
		}
		return c
	}
	data, err := loadgen.Setup(ctx, newClient(false), loadgen.Docs, false)
	if err != nil {
		b.Fatalf("setup: %v", err)
	}
	bc := bcryptCost(b)
	b.Logf("bcrypt at the default cost takes %s here: a bcrypt per request would cap the server at about %.0f requests/s on %d CPUs",
		bc.Round(time.Microsecond), float64(runtime.NumCPU())/bc.Seconds(), runtime.NumCPU())

	for _, op := range []string{"getObject", "getChildren"} {
		for _, auth := range []string{"wsse", "basic"} {
			b.Run(op+"/"+auth, func(b *testing.B) {
				c := newClient(auth == "basic")
				// The requests OpenCMIS sends, as text/xml.
				o, err := loadgen.NewOp(op, c, loadgen.TargetOf(data), loadgen.Options{OpenCMIS: true})
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < b.N; i++ {
					res, err := loadgen.Run(ctx, c, o, loadgen.RunOptions{Clients: clients, Warmup: time.Second,
						Duration: duration, Server: srv.Probe()})
					if err != nil {
						b.Fatal(err)
					}
					reportLoad(b, op, auth, res, bc)
				}
			})
		}
	}
}

func reportLoad(b *testing.B, op, auth string, res *loadgen.Result, bcrypt time.Duration) {
	b.Helper()
	if res.Errors > 0 {
		b.Errorf("%d errors, first: %s", res.Errors, res.FirstError)
	}
	b.ReportMetric(res.RPS, "req/s")
	b.ReportMetric(res.P50Ms, "p50_ms")
	b.ReportMetric(res.P90Ms, "p90_ms")
	b.ReportMetric(res.P99Ms, "p99_ms")
	b.ReportMetric(float64(res.Errors), "errors")
	b.ReportMetric(res.ServerCPUMs, "server_cpu_ms/req")
	b.ReportMetric(res.ClientCPUMs, "client_cpu_ms/req")
	b.ReportMetric(res.ServerAllocs, "server_allocs/req")
	b.Logf("%s %s: %d clients, %.1fs, %d requests, %.0f req/s, p50 %.2fms p90 %.2fms p99 %.2fms max %.2fms, %d B/reply, server CPU %.3f ms/req, %.0f allocs/req",
		op, auth, res.Clients, res.Seconds, res.Requests, res.RPS, res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs,
		res.BytesPerReply, res.ServerCPUMs, res.ServerAllocs)
	if auth == "wsse" {
		// A bcrypt per request would cost at least its own CPU time per
		// request.
		ms := float64(bcrypt) / float64(time.Millisecond)
		benchTarget(b, res.ServerCPUMs < ms,
			"(c) %s with UsernameToken: server CPU %.3f ms/request, less than one bcrypt (%.1f ms): not one bcrypt per request",
			op, res.ServerCPUMs, ms)
	}
}

// make bench's run, briefly: against a fresh bin/cmisd every operation
// answers right under load, and each row carries the server's own CPU
// time and allocations per request and a verdict on its target.
func TestBenchCommand(t *testing.T) {
	var out bytes.Buffer
	err := loadgen.Bench(context.Background(), loadgen.BenchOptions{Bin: cmisdBinary(t), Clients: 2,
		Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond, Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = f
		}
	}
	for _, op := range loadgen.OpNames {
		// operation req/s p50 p99 CPU allocs ≤ target verdict
		f := rows[op]
		if len(f) != 9 {
			t.Errorf("%s: row %q\n%s", op, f, out.String())
			continue
		}
		num := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Errorf("%s: %q is not a number", op, s)
			}
			return v
		}
		if num(f[1]) <= 0 || num(f[2]) <= 0 || num(f[3]) < num(f[2]) || num(f[4]) < 0 || num(f[5]) < 10 ||
			num(f[7]) != loadgen.Targets[op] || (f[8] != "met" && f[8] != "missed") {
			t.Errorf("%s: row %q", op, f)
		}
	}
	t.Logf("\n%s", out.String())
}
