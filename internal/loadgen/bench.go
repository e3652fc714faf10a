package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Targets are issue #10's limits on the server's CPU time per request, in
// milliseconds, at 8 clients.
var Targets = map[string]float64{
	"getRepositoryInfo":     0.08,
	"getObject":             0.12,
	"getProperties":         0.12,
	"getObjectByPath":       0.12,
	"query":                 0.15,
	"getChildren":           1.5,
	"getContentStream-1KiB": 0.10,
	"getContentStream-1MiB": 0.25,
	"createFolder":          0.4,
}

// BenchOptions shape a benchmark of a fresh cmisd (make bench).
type BenchOptions struct {
	Bin      string        // the cmisd binary
	Clients  int           // default 8
	Warmup   time.Duration // default 1s
	Duration time.Duration // default 5s
	Ops      []string      // default OpNames
	Out      io.Writer     // the table
	// Isolate runs the server on the first half of the CPUs and the
	// load generator on the rest, as if the clients ran on another
	// machine: sharing CPUs, each takes the other's and moves it from
	// CPU to CPU, and the server's CPU time grows with the wake-ups
	// (by a third on a 2-CPU VM, where they are dear).
	Isolate bool
}

// Bench starts bin on a fresh temporary store with its debug listener,
// creates the data set over SOAP and measures each operation in turn,
// printing one table row per operation as it is done. A missed target is
// a result, not an error; a failed request is an error.
func Bench(ctx context.Context, o BenchOptions) error {
	setDefaults(&o.Clients, &o.Warmup, &o.Duration, &o.Ops, OpNames)
	data, err := TempData()
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	so := ServerOptions{Bin: o.Bin, Data: data, Debug: true}
	placement := "the server and the clients share the CPUs"
	if o.Isolate {
		server, clients, err := splitCPUs()
		if err != nil {
			return err
		}
		if err := runOn(clients); err != nil {
			return err
		}
		so.CPUs = server
		placement = fmt.Sprintf("the server on CPUs %v, the clients on CPUs %v (-isolate)", server, clients)
	}
	srv, err := StartServer(so)
	if err != nil {
		return err
	}
	defer srv.Stop()
	c := NewClient(Config{URL: srv.Base, User: "admin", Password: srv.Password, Clients: o.Clients})
	if err := c.Discover(ctx); err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, srv.LogTail())
	}
	setupStart := time.Now()
	d, err := Setup(ctx, c, Docs, true)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Fprintf(o.Out, "cmisd %s on a fresh store; data set: %d documents of 1 KiB and one of 1 MiB, made in %s\n",
		srv.Base, Docs, time.Since(setupStart).Round(time.Millisecond))
	fmt.Fprintf(o.Out, "%d keep-alive clients, one-part MTOM with a UsernameToken; warm-up %s, measured %s per operation; %d CPUs, %s; load average %s\n\n",
		o.Clients, o.Warmup, o.Duration, runtime.NumCPU(), placement, LoadAverage())
	WriteHeader(o.Out)
	var failed []string
	for _, name := range o.Ops {
		op, err := ForRun(ctx, c, d, name, TargetOf(d), Options{})
		if err != nil {
			return err
		}
		res, err := Run(ctx, c, op, RunOptions{Clients: o.Clients, Warmup: o.Warmup, Duration: o.Duration, Server: srv.Probe()})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		WriteRow(o.Out, res)
		if res.Errors > 0 {
			failed = append(failed, fmt.Sprintf("%s: %d errors, first: %s", name, res.Errors, res.FirstError))
		}
	}
	fmt.Fprintf(o.Out, "\nCPU and allocations are the server process's own over each measured interval "+
		"(/proc/%d/stat; the runtime's allocation counter through --debug-listen). Load average at the end %s.\n",
		srv.PID, LoadAverage())
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

// setDefaults fills in a benchmark's unset options: 8 clients, 1 s of
// warm-up, 5 s measured, the operations ops.
func setDefaults(clients *int, warmup, duration *time.Duration, ops *[]string, all []string) {
	if *clients == 0 {
		*clients = 8
	}
	if *warmup == 0 {
		*warmup = time.Second
	}
	if *duration == 0 {
		*duration = 5 * time.Second
	}
	if len(*ops) == 0 {
		*ops = all
	}
}

const rowFormat = "%-22s %9s %8s %8s %11s %11s %9s  %s\n"

// WriteHeader prints the column names of the table WriteRow fills.
func WriteHeader(w io.Writer) {
	fmt.Fprintf(w, rowFormat, "operation", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "allocs/req", "target", "")
}

// WriteRow prints one result with its target and whether it was met.
func WriteRow(w io.Writer, r *Result) {
	target, verdict := "", ""
	if t, ok := Targets[r.Op]; ok {
		target = fmt.Sprintf("≤ %.2f", t)
		switch {
		case r.ServerCPUMs < 0:
			verdict = "not measured"
		case r.ServerCPUMs <= t:
			verdict = "met"
		default:
			verdict = "missed"
		}
	}
	if r.Errors > 0 {
		verdict += fmt.Sprintf(" (%d ERRORS)", r.Errors)
	}
	fmt.Fprintf(w, rowFormat, r.Op, fmt.Sprintf("%.0f", r.RPS), fmt.Sprintf("%.2f", r.P50Ms), fmt.Sprintf("%.2f", r.P99Ms),
		measured(r.ServerCPUMs, "%.3f"), measured(r.ServerAllocs, "%.0f"), target, verdict)
}

func measured(v float64, format string) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func LoadAverage() string {
	la, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(la))
	return strings.Join(f[:min(3, len(f))], " ")
}
