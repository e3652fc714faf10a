package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/testenv"
)

// Cluster is a PostgreSQL server of one test's own, for tests that stop
// and start it under running cmisd instances (the shared server of
// CMISD_TEST_POSTGRES must stay up for the others). It listens on a free
// loopback port and trusts local connections; it is gone when the test
// ends.
type Cluster struct {
	bin, dir string
	port     int
	runAs    []string // the command prefix that runs as an unprivileged user, when root
}

// NewCluster initialises and starts a cluster in a temporary directory.
// PostgreSQL refuses to run as root, so under root it runs as the user
// postgres (which Debian's package creates).
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin := binDir()
	testenv.Require(tb, testenv.Postgres, bin != "", "no initdb in PATH nor under /usr/lib/postgresql")
	c := &Cluster{bin: bin}
	dir, err := os.MkdirTemp("", "cmisd-pgcluster-")
	if err != nil {
		tb.Fatal(err)
	}
	c.dir = dir
	tb.Cleanup(func() {
		c.pgCtl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("running as root needs the user postgres to run a cluster as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
		c.runAs = []string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}
	}
	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", c.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"); err != nil {
		tb.Fatalf("initdb: %v\n%s", err, out)
	}
	c.port = freePort(tb)
	c.Start(tb)
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// URL is the cluster's postgres database, as the superuser.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the server and waits until it takes connections.
func (c *Cluster) Start(tb testing.TB) {
	tb.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=200", c.port, c.dir)
	if out, err := c.pgCtl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		tb.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop stops the server at once, as a crash or a lost network would:
// connections are cut without a goodbye.
func (c *Cluster) Stop(tb testing.TB) {
	tb.Helper()
	if out, err := c.pgCtl("stop", "-w", "-m", "immediate"); err != nil {
		tb.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (c *Cluster) pgCtl(args ...string) (string, error) {
	return c.run(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.data()}, args...)...)
}

func (c *Cluster) run(name string, args ...string) (string, error) {
	argv := append(append(append([]string{}, c.runAs...), name), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// binDir is the directory of initdb and pg_ctl: from PATH, else the
// newest under Debian's /usr/lib/postgresql.
func binDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(r)
		}
		return filepath.Dir(p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		return ""
	}
	return filepath.Dir(dirs[len(dirs)-1])
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
