package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/internal/pgtest"
)

// --db (and CMISD_DB) puts the store in PostgreSQL for every command that
// opens it: users and groups made by the commands are the server's, and
// no SQLite database appears in --data.
func TestStoreOnPostgres(t *testing.T) {
	db := pgtest.Schema(t)
	data := t.TempDir()
	if out, code := run(t, nil, "", "user", "add", "alice", "--password", "alice-password", "--data", data, "--db", db); code != 0 {
		t.Fatalf("user add: %s", out)
	}
	if out, code := run(t, []string{"CMISD_DB=" + db}, "", "group", "add", "staff", "--data", data); code != 0 {
		t.Fatalf("group add with CMISD_DB: %s", out)
	}
	if out, code := run(t, nil, "", "group", "members", "staff", "--add", "alice", "--data", data, "--db", db); code != 0 {
		t.Fatalf("group members: %s", out)
	}
	if out, code := run(t, nil, "", "user", "list", "--data", data, "--db", db); code != 0 || !strings.Contains(out, "alice\tstaff") {
		t.Fatalf("user list: %d %q", code, out)
	}
	addr, logs := startServe(t, []string{"CMISD_DB=" + db}, "--data", data, "--admin-password", "admin-password")
	if code, body := call(t, http.DefaultClient, "http://"+addr, "alice", "alice-password"); code != 200 {
		t.Fatalf("alice, added with --db, refused: %d %s", code, body)
	}
	if m := logLines(logs(), "serving"); len(m) != 1 || m[0]["db"] != "postgres" {
		t.Fatalf("the serving line says %v", m)
	}
	if strings.Contains(logs(), "alice-password") || strings.Contains(logs(), db) {
		t.Fatal("the log holds a password or the database URL")
	}
	if _, err := os.Stat(filepath.Join(data, "cmisd.db")); err == nil {
		t.Fatal("a SQLite database was made in --data beside --db")
	}
}

// A --db that is not a postgres:// URL stops the command, without
// repeating it (it may hold a password).
func TestBadDBRefused(t *testing.T) {
	out, code := run(t, nil, "", "user", "list", "--data", t.TempDir(), "--db", "mysql://root:secret@localhost/x")
	if code != 1 || !strings.Contains(out, "postgres:// URL") || strings.Contains(out, "secret") {
		t.Fatalf("exit %d %q", code, out)
	}
}
