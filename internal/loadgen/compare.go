package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CompareOps are the operations Compare measures by default.
var CompareOps = []string{"getObject", "getChildren", "createDocument"}

// CompareOptions shape a side-by-side run of the engines.
type CompareOptions struct {
	Bin string // the cmisd binary
	// Postgres is a PostgreSQL server (postgres://user@host:port/db of a
	// user that may create databases): each PostgreSQL setup gets a fresh
	// database there, dropped at the end.
	Postgres string
	// Content is the PostgreSQL setups' --content: "" for a directory the
	// instances share, or "postgres".
	Content string
	// Durable first turns the server's durability settings on (fsync,
	// synchronous_commit, full_page_writes, with ALTER SYSTEM): for a
	// throwaway test cluster, which runs without them, so that PostgreSQL
	// commits as durably as SQLite does. Never for a server of value.
	Durable  bool
	Clients  int           // default 8, spread over the instances
	Warmup   time.Duration // default 1s
	Duration time.Duration // default 5s
	Ops      []string      // default CompareOps
	Out      io.Writer
}

// compareSetup is one column of the comparison.
type compareSetup struct {
	name      string
	instances int
	postgres  bool
}

var compareSetups = []compareSetup{
	{"SQLite, 1 instance", 1, false},
	{"PostgreSQL, 1 instance", 1, true},
	{"PostgreSQL, 2 instances", 2, true},
}

// Compare measures the same operations on one SQLite instance, one
// PostgreSQL instance and two PostgreSQL instances sharing a database and
// content store, in one run, each on a fresh store with the benchmark's
// data set, and prints one table: requests per second, p50 latency and
// the cmisd processes' CPU time per request (PostgreSQL's own is not
// counted).
func Compare(ctx context.Context, o CompareOptions) error {
	setDefaults(&o.Clients, &o.Warmup, &o.Duration, &o.Ops, CompareOps)
	if o.Durable {
		if err := makeDurable(ctx, o.Postgres); err != nil {
			return err
		}
	}
	content := o.Content
	if content == "" {
		content = "a shared directory"
	}
	fmt.Fprintf(o.Out, "%d keep-alive clients spread over the instances, one-part MTOM with a UsernameToken; warm-up %s, measured %s; "+
		"PostgreSQL content in %s; %d CPUs, load average %s\n\n", o.Clients, o.Warmup, o.Duration, content, runtime.NumCPU(), LoadAverage())
	results := map[string][]*Result{}
	for _, s := range compareSetups {
		rs, err := compareOne(ctx, o, s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results[s.name] = rs
	}
	fmt.Fprintf(o.Out, "%-16s", "operation")
	for _, s := range compareSetups {
		fmt.Fprintf(o.Out, " | %-34s", s.name)
	}
	fmt.Fprintf(o.Out, "\n%-16s", "")
	for range compareSetups {
		fmt.Fprintf(o.Out, " | %9s %8s %15s", "req/s", "p50 ms", "CPU ms/req")
	}
	fmt.Fprintln(o.Out)
	var failed []string
	for i, op := range o.Ops {
		fmt.Fprintf(o.Out, "%-16s", op)
		for _, s := range compareSetups {
			r := results[s.name][i]
			fmt.Fprintf(o.Out, " | %9.0f %8.2f %15s", r.RPS, r.P50Ms, measured(r.ServerCPUMs, "%.3f"))
			if r.Errors > 0 {
				failed = append(failed, fmt.Sprintf("%s, %s: %d errors, first: %s", s.name, op, r.Errors, r.FirstError))
			}
		}
		fmt.Fprintln(o.Out)
	}
	fmt.Fprintf(o.Out, "\nLoad average at the end %s.\n", LoadAverage())
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

// compareOne starts a setup's instances on a fresh store, makes the data
// set through the first and measures each operation with the clients
// spread over all of them.
func compareOne(ctx context.Context, o CompareOptions, s compareSetup) ([]*Result, error) {
	root, err := TempData()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	var args []string
	if s.postgres {
		db, drop, err := freshDatabase(ctx, o.Postgres)
		if err != nil {
			return nil, err
		}
		defer drop()
		content := o.Content
		if content == "" {
			content = filepath.Join(root, "content")
		}
		args = []string{"--db", db, "--content", content}
	}
	var servers []*Server
	defer func() {
		for _, srv := range servers {
			srv.Stop()
		}
	}()
	var clients []*Client
	var probes []*ServerProbe
	password := ""
	for i := range s.instances {
		data := filepath.Join(root, fmt.Sprintf("instance-%d", i))
		if err := os.Mkdir(data, 0o700); err != nil {
			return nil, err
		}
		srv, err := StartServer(ServerOptions{Bin: o.Bin, Data: data, Password: password, Args: args})
		if err != nil {
			return nil, err
		}
		servers = append(servers, srv)
		password = srv.Password
		per := o.Clients / s.instances
		c := NewClient(Config{URL: srv.Base, User: "admin", Password: srv.Password, Clients: max(per, 1)})
		if err := c.Discover(ctx); err != nil {
			return nil, fmt.Errorf("%w\nserver log:\n%s", err, srv.LogTail())
		}
		clients = append(clients, c)
		probes = append(probes, srv.Probe())
	}
	d, err := Setup(ctx, clients[0], Docs, false)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	var out []*Result
	for _, name := range o.Ops {
		op, err := ForRun(ctx, clients[0], d, name, TargetOf(d), Options{})
		if err != nil {
			return nil, err
		}
		res, err := Run(ctx, clients[0], op, RunOptions{Clients: o.Clients, Warmup: o.Warmup, Duration: o.Duration,
			Server: probes[0], More: clients[1:], MoreServers: probes[1:]})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// freshDatabase creates an empty database on the server at server and
// returns its URL and what drops it.
func freshDatabase(ctx context.Context, server string) (string, func(), error) {
	if server == "" {
		return "", nil, errors.New("the PostgreSQL setups need a server (-compare postgres://…)")
	}
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	name := "cmisd_bench_" + randHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	drop := func() {
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	}
	u, err := url.Parse(server)
	if err != nil {
		drop()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// makeDurable turns a server's durability settings on and reloads its
// configuration.
func makeDurable(ctx context.Context, server string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(context.Background())
	for _, stmt := range []string{`ALTER SYSTEM SET fsync = on`, `ALTER SYSTEM SET synchronous_commit = on`,
		`ALTER SYSTEM SET full_page_writes = on`, `SELECT pg_reload_conf()`} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("postgres: %s: %w", stmt, err)
		}
	}
	return nil
}
