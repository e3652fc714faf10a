// Command cmisd-load puts SOAP load on cmisd (or any CMIS 1.1 Web
// Services endpoint) with internal/loadgen; it only wires flags to it.
//
// Against a running server, a fixed number of keep-alive clients send one
// operation and it prints requests per second, latency percentiles and
// error counts (and the server's CPU time per request with -pid):
//
//	cmisd-load -url http://127.0.0.1:8080 -user admin -password PASS \
//	    -setup 100 -op getChildren -clients 8 -duration 10s
//
// -setup N first creates the benchmark's data set over SOAP: a folder of
// N documents of 1 KiB (cmisbench-doc-000.txt …) and one of 1 MiB. Without
// it, -id names the object or folder getObject, getProperties and
// getChildren read (default: the root folder).
//
// With -serve BIN it starts BIN on a fresh temporary store with its debug
// listener, creates the data set and measures every operation of the
// benchmark in turn, printing a table with the server's CPU time and
// allocations per request and issue #10's targets (make bench). With
// -compare postgres://… as well, it measures getObject, getChildren and
// createDocument on one SQLite instance, one PostgreSQL instance and two
// PostgreSQL instances sharing a database, side by side in one table.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
)

type config struct {
	url, user, password, repo, op, id, filter, auth, serve, ops string
	compare, compareContent                                     string
	clients, setup, pid                                         int
	requests                                                    int64
	warmup, duration, timeout                                   time.Duration
	text, opencmis, jsonOut, keep, compareDurable, isolate      bool
}

func main() {
	var c config
	flag.StringVar(&c.serve, "serve", "", "start this cmisd binary on a fresh temporary store and run the whole benchmark (make bench)")
	flag.BoolVar(&c.isolate, "isolate", false, "with -serve: run the server on the first half of the CPUs and the clients on the rest (Linux), as if they ran on another machine")
	flag.StringVar(&c.ops, "ops", "", "with -serve: the operations to measure (default: all; with -compare: "+strings.Join(loadgen.CompareOps, ",")+")")
	flag.StringVar(&c.compare, "compare", "", "with -serve: compare one SQLite instance, one PostgreSQL instance and two, with fresh databases on this PostgreSQL server (postgres://…)")
	flag.BoolVar(&c.compareDurable, "compare-durable", false, "with -compare: first turn the server's fsync and synchronous_commit on (ALTER SYSTEM): for a throwaway test cluster only")
	flag.StringVar(&c.compareContent, "compare-content", "", "with -compare: the PostgreSQL instances' --content (default: a directory they share; or postgres)")
	flag.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the server (the services are at URL/services/<Service>)")
	flag.StringVar(&c.user, "user", "admin", "user name")
	flag.StringVar(&c.password, "password", os.Getenv("CMISD_LOAD_PASSWORD"), "password (env CMISD_LOAD_PASSWORD)")
	flag.StringVar(&c.repo, "repository", "", "repository id (default: the first one getRepositories names)")
	flag.StringVar(&c.op, "op", "getObject", "operation: "+strings.Join(append(loadgen.OpNames, loadgen.ExtraOpNames...), ", "))
	flag.StringVar(&c.id, "id", "", "without -setup: the object (getObject, getProperties) or folder (getChildren); default the root folder")
	flag.StringVar(&c.filter, "filter", "*", "property filter sent with each request")
	flag.StringVar(&c.auth, "auth", "wsse", "credentials: wsse (UsernameToken, PasswordText) or basic (HTTP Basic)")
	flag.IntVar(&c.clients, "clients", 8, "concurrent keep-alive clients")
	flag.IntVar(&c.setup, "setup", 0, "first create the data set with this many documents of 1 KiB (and one of 1 MiB) and use it")
	flag.BoolVar(&c.keep, "keep", false, "keep the data set -setup made (default: deleted at the end)")
	flag.IntVar(&c.pid, "pid", 0, "the server's process id on this machine: report its CPU time per request")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "load sent first, not measured")
	flag.Int64Var(&c.requests, "requests", 0, "stop the measured part after this many requests (0: run for -duration)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "the measured interval (at most 10m)")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one request")
	flag.BoolVar(&c.text, "text", false, "send text/xml instead of a one-part MTOM package")
	flag.BoolVar(&c.opencmis, "opencmis", false, "getObject, getObjectByPath, getChildren with an OpenCMIS operation context (allowable actions, path segments)")
	flag.BoolVar(&c.jsonOut, "json", false, "print the result as one JSON object")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	var ops []string
	if c.ops != "" {
		ops = strings.Split(c.ops, ",")
	}
	switch {
	case c.serve != "" && c.compare != "":
		err = loadgen.Compare(ctx, loadgen.CompareOptions{Bin: c.serve, Postgres: c.compare, Content: c.compareContent, Durable: c.compareDurable,
			Clients: c.clients, Warmup: c.warmup, Duration: c.duration, Ops: ops, Out: os.Stdout})
	case c.serve != "":
		err = loadgen.Bench(ctx, loadgen.BenchOptions{Bin: c.serve, Clients: c.clients, Warmup: c.warmup,
			Duration: c.duration, Ops: ops, Out: os.Stdout, Isolate: c.isolate})
	default:
		err = run(ctx, c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmisd-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	switch {
	case c.auth != "wsse" && c.auth != "basic":
		return fmt.Errorf("-auth %q: use wsse or basic", c.auth)
	case c.password == "":
		return errors.New("-password is required")
	}
	cl := loadgen.NewClient(loadgen.Config{URL: c.url, User: c.user, Password: c.password, Basic: c.auth == "basic",
		Text: c.text, Clients: c.clients, Timeout: c.timeout})
	cl.Repo = c.repo
	if err := cl.Discover(ctx); err != nil {
		return err
	}
	target := loadgen.Target{Doc: c.id, Folder: c.id}
	if c.id == "" {
		target = loadgen.Target{Doc: cl.Root, Folder: cl.Root}
	}
	var data *loadgen.DataSet
	if c.setup > 0 {
		var err error
		if data, err = loadgen.Setup(ctx, cl, c.setup, true); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		if !c.keep {
			defer data.Delete(context.Background(), cl)
		}
		target = loadgen.TargetOf(data)
		if !c.jsonOut {
			fmt.Printf("setup: /%s/data (%s) with %d documents\n", data.TopName, data.Folder, c.setup)
		}
	}
	op, err := loadgen.ForRun(ctx, cl, data, c.op, target, loadgen.Options{OpenCMIS: c.opencmis, Filter: c.filter})
	if err != nil {
		return err
	}
	o := loadgen.RunOptions{Clients: c.clients, Warmup: c.warmup, Duration: c.duration, Requests: c.requests}
	if c.pid > 0 {
		o.Server = &loadgen.ServerProbe{PID: c.pid}
	}
	res, err := loadgen.Run(ctx, cl, op, o)
	if err != nil {
		return err
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	enc := "MTOM"
	if c.text {
		enc = "text/xml"
	}
	fmt.Printf("%s: %d clients, %s, %s, %.2fs, %d bytes per reply\n", res.Op, res.Clients, c.auth, enc, res.Seconds, res.BytesPerReply)
	fmt.Printf("  requests %d  errors %d (http %d, transport %d, bad body %d)\n",
		res.Requests, res.Errors, res.HTTPErrors, res.TransportErrors, res.BadBodies)
	fmt.Printf("  rps %.1f\n", res.RPS)
	fmt.Printf("  latency mean %.3fms  p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n",
		res.MeanMs, res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs)
	if res.ServerCPUMs >= 0 {
		fmt.Printf("  server CPU %.3f ms/request\n", res.ServerCPUMs)
	}
	if res.FirstError != "" {
		fmt.Printf("  first error: %s\n", res.FirstError)
	}
	if res.Requests == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}
