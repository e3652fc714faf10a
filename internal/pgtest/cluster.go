// Package pgtest gives tests a PostgreSQL database: a throwaway cluster of
// its own (Start: initdb into a temporary directory as an unprivileged
// user, listening only on a Unix socket there, stopped and removed at the
// end), and per test a fresh schema in it (Schema), so that tests run side
// by side without seeing each other's rows.
//
// make test starts one cluster for the whole run with `go run
// ./internal/pgtest/run -- …`, which hands its URL to the tests as
// CMISD_TEST_PG. CMISD_TEST_ENGINE=postgres makes every test that opens a
// store through internal/storetest (or storage's own tests) open it on
// PostgreSQL; without it they use SQLite, and only the tests of
// PostgreSQL itself use the cluster.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	// URL names its database cmisd, over the Unix socket in Dir.
	URL string
	// Dir holds the data directory (data/), the socket and the log
	// (postgres.log); Stop removes it.
	Dir  string
	bin  string
	cred *syscall.Credential // the user the server runs as, when not this one
}

// Start makes a cluster in a new temporary directory under parent ("":
// the default) and starts it. Run as root, the server runs as the user
// "postgres" (which Debian's postgresql package creates), since
// PostgreSQL refuses to run as root.
func Start(ctx context.Context, parent string) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, "cmisd-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, the cluster needs the user postgres (apt-get install postgresql makes it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(c.Dir, "data")
	if out, err := c.run(ctx, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A test cluster: nothing durable, no TCP, room for many stores.
	conf := fmt.Sprintf(`
listen_addresses = ''
unix_socket_directories = '%s'
port = 5432
max_connections = 400
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
`, c.Dir)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	log := filepath.Join(c.Dir, "postgres.log")
	if out, err := c.run(ctx, "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start"); err != nil {
		logs, _ := os.ReadFile(log)
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, logs)
	}
	base := "postgres://postgres@/%s?host=" + c.Dir + "&sslmode=disable"
	if err := createDatabase(ctx, fmt.Sprintf(base, "postgres"), "cmisd"); err != nil {
		return err
	}
	c.URL = fmt.Sprintf(base, "cmisd")
	return nil
}

// createDatabase makes the database tests use. Where the server has ICU,
// its default collation is a linguistic one (en-US), not C: what cmisd
// needs in byte order it must ask for itself (COLLATE "C"), and the
// tests would show it if it did not.
func createDatabase(ctx context.Context, url, name string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to the new cluster: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`)
	if err != nil {
		_, err = conn.Exec(ctx, `CREATE DATABASE `+name)
	}
	return err
}

// Down stops the server at once, as a crash or a cut network would:
// connections end without a goodbye. Up starts it again on the same
// data. Tests of what a cmisd does without its database use them, on a
// cluster of their own.
func (c *Cluster) Down(ctx context.Context) error {
	if out, err := c.run(ctx, "pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// Up starts the server Down stopped.
func (c *Cluster) Up(ctx context.Context) error {
	data := filepath.Join(c.Dir, "data")
	if out, err := c.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(c.Dir, "postgres.log"), "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s", err, out)
	}
	return nil
}

// Stop stops the server and removes its directory.
func (c *Cluster) Stop() error {
	var err error
	data := filepath.Join(c.Dir, "data")
	if _, serr := os.Stat(filepath.Join(data, "postmaster.pid")); serr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, rerr := c.run(ctx, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); rerr != nil {
			err = fmt.Errorf("pg_ctl stop: %w\n%s", rerr, out)
		}
	}
	return errors.Join(err, os.RemoveAll(c.Dir))
}

// run runs one of the server's programs as the cluster's user.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(cmd.Env, "HOME="+c.Dir, "USER=postgres", "LOGNAME=postgres")
	}
	return cmd.CombinedOutput()
}

// binDir finds the server's programs: on PATH, else where Debian puts
// them (/usr/lib/postgresql/<version>/bin, the newest version).
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server programs (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin: apt-get install postgresql")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return v
}
