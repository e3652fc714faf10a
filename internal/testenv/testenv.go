// Package testenv is how a test says it needs something from the build or
// the machine (full text, a real SOAP client, direct I/O). A need that is
// missing skips the test with a line saying what is missing and how to
// run it, and, when the need's variable is 1 (make test sets them), fails
// it instead: make test runs everything it requires or fails.
//
// Each line also goes to the file CMISD_NOT_RUN names (make test sets it
// and prints the file at the end), because go test shows nothing of a
// passing package but its "ok" line.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Need is something a test needs.
type Need struct {
	What     string // what is missing, as a noun
	Required string // the variable that, set to 1, makes the lack a failure; "" for never
	How      string // how to get it
}

var (
	// FullText: SQLite's FTS5, in a build with the sqlite_fts5 tag.
	FullText = Need{
		What:     "full text (a build with the sqlite_fts5 tag)",
		Required: "CMISD_REQUIRE_FULLTEXT",
		How:      "go test -tags 'netgo osusergo sqlite_omit_load_extension sqlite_fts5', as make test does",
	}
	// Clients: a real SOAP client stack (zeep, JAX-WS, Mono, node, libcmis).
	Clients = Need{
		What:     "a real SOAP client",
		Required: "CMISD_REQUIRE_CLIENTS",
		How:      "make deps installs every client stack",
	}
	// Postgres: a PostgreSQL database to test against (CMISD_TEST_PG).
	Postgres = Need{
		What:     "a PostgreSQL database (CMISD_TEST_PG)",
		Required: "CMISD_REQUIRE_POSTGRES",
		How:      "make test starts a throwaway cluster; by hand: go run ./internal/pgtest/run -- go test …",
	}
	// SQLiteBuild: SQLite compiled as the Makefile compiles it.
	SQLiteBuild = Need{
		What:     "SQLite built as the Makefile builds it (CGO_CFLAGS with -DSQLITE_ENABLE_QPSG -DSQLITE_STMTJRNL_SPILL=1048576)",
		Required: "CMISD_REQUIRE_SQLITE_BUILD",
		How:      "run the tests through make test, or export CGO_CFLAGS='-O2 -g -DSQLITE_ENABLE_QPSG -DSQLITE_STMTJRNL_SPILL=1048576'",
	}
	// DirectIO: O_DIRECT on the file system of the temporary directory.
	// Some file systems lack it; that is no failure.
	DirectIO = Need{
		What: "direct I/O (O_DIRECT) on the file system of the temporary directory",
		How:  "set TMPDIR to a directory on ext4, xfs or btrfs (or tmpfs on Linux 6.6 and later)",
	}
)

// The programs besides the clients that make test installs (the
// Makefile's TEST_DEBS) and requires (CMISD_REQUIRE_TOOLS=1), and those it
// uses where the machine can run them.
var (
	// Chromium: headless Chromium, to look at the status page.
	Chromium = Need{
		What:     "headless Chromium (Debian package chromium)",
		Required: "CMISD_REQUIRE_TOOLS",
		How:      "make deps installs it",
	}
	// Nginx: the reverse proxy of deploy/nginx.conf.
	Nginx = Need{
		What:     "nginx (Debian package nginx)",
		Required: "CMISD_REQUIRE_TOOLS",
		How:      "make deps installs it",
	}
	// SystemdAnalyze: systemd-analyze verify, which needs a machine (or
	// container) where systemd can load units.
	SystemdAnalyze = Need{
		What: "systemd-analyze verify (Debian package systemd) on a machine where it can load units",
		How:  "run make test where systemd runs (a VM or a host, not a plain container)",
	}
	// ContainerEngine: docker or podman that can build an image.
	ContainerEngine = Need{
		What: "a container engine that can build images (docker or podman)",
		How:  "run 'docker build -f deploy/Containerfile .' where a container engine runs",
	}
)

// Program returns the path of the first of names on PATH, or, when none
// is there, fails or skips t as Require does for n.
func Program(t testing.TB, n Need, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Require(t, n, false, fmt.Sprintf("none of %v is on PATH", names))
	return ""
}

// Require goes on when ok; otherwise it fails t if n is required, else
// skips it, saying what is missing (detail: what the test found) and how
// to run it.
func Require(t testing.TB, n Need, ok bool, detail string) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf("needs %s: %s; %s", n.What, detail, n.How)
	if n.Required != "" && os.Getenv(n.Required) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, n.Required)
		return
	}
	note(t, msg)
	t.Skip("NOT RUN: " + msg)
}

// note appends "NOT RUN <package dir> <test>: msg" to the CMISD_NOT_RUN file.
func note(t testing.TB, msg string) {
	path := os.Getenv("CMISD_NOT_RUN")
	if path == "" {
		return
	}
	pkg := packageDir()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Logf("cannot note the skip in %s: %v", path, err)
		return
	}
	defer f.Close()
	// One write per line: packages run in parallel and append to one file.
	fmt.Fprintf(f, "NOT RUN %s %s: %s\n", pkg, t.Name(), msg)
}

// packageDir is the test's package directory (go test runs a test in it)
// relative to the module root.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return rel
			}
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return filepath.Base(wd)
}
