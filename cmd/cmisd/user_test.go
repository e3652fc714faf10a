package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// step is one cmisd command of a scripted session and what it should do.
type step struct {
	stdin string
	args  []string
	fail  bool
	want  string // in the output
}

func runSteps(t *testing.T, data string, steps []step) {
	t.Helper()
	for _, s := range steps {
		out, code := run(t, nil, s.stdin, append(s.args, "--data", data)...)
		if (code != 0) != s.fail || !strings.Contains(out, s.want) {
			t.Fatalf("cmisd %v: exit %d %q, want fail=%v containing %q", s.args, code, out, s.fail, s.want)
		}
	}
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	runSteps(t, data, []step{
		{"", []string{"user", "add", "alice", "--password", "alice-password-1"}, false, ""},
		{"", []string{"user", "add", "alice", "--password", "alice-password-1"}, true, "exists"},
		{"bob-password-2\n", []string{"user", "add", "bob", "--password-stdin"}, false, ""},
		{"", []string{"user", "list"}, false, "alice\t\nbob\t\n"},
		{"", []string{"user", "passwd", "alice", "--password", "alice-password-3"}, false, ""},
		{"", []string{"user", "passwd", "nobody", "--password", "nobody-password"}, true, "no user"},
		{"", []string{"user", "del", "bob"}, false, ""},
		{"", []string{"user", "del", "bob"}, true, "no user"},
		{"", []string{"user", "del", "admin"}, true, "cannot be deleted"},
		{"", []string{"user", "add", "carol", "--password", ""}, true, "fewer than 12"},
		{"", []string{"user", "add", "carol", "--password", "", "--allow-weak"}, true, "empty password"},
		{"", []string{"user", "add", "carol"}, true, "no password"},
		{"", []string{"user", "add", "carol", "--password", "x", "--password-stdin"}, true, "one or the other"},
		{"", []string{"user", "add", "--password", "carol-password"}, true, "a name is required"},
		{"", []string{"user", "add", "carol", "extra", "--password", "carol-password"}, true, `unexpected "extra"`},
	})
	// The stored password is what the server checks.
	addr, _ := startServe(t, nil, "--data", data, "--admin-password", "admin-password")
	if code, body := call(t, http.DefaultClient, "http://"+addr, "alice", "alice-password-3"); code != 200 {
		t.Fatalf("alice's new password refused: %d %s", code, body)
	}
	if code, body := call(t, http.DefaultClient, "http://"+addr, "alice", "alice-password-1"); code != 500 || !strings.Contains(body, "permissionDenied") {
		t.Fatalf("alice's old password: %d %s", code, body)
	}
	if db, _ := os.ReadFile(filepath.Join(data, "cmisd.db")); bytes.Contains(db, []byte("alice-password")) {
		t.Fatal("a password is stored in plain text")
	}
}

// Short passwords are refused unless asked for; --allow-weak sets one.
func TestUserWeakPasswords(t *testing.T) {
	data := t.TempDir()
	runSteps(t, data, []step{
		{"", []string{"user", "add", "dave", "--password", "elevenchars"}, true, "11 characters, fewer than 12 (--allow-weak takes it anyway)"},
		{"short\n", []string{"user", "add", "dave", "--password-stdin"}, true, "fewer than 12"},
		{"short\n", []string{"user", "add", "dave", "--password-stdin", "--allow-weak"}, false, ""},
		{"", []string{"user", "passwd", "dave", "--password", "pw"}, true, "fewer than 12"},
		{"", []string{"user", "passwd", "dave", "--password", "pw", "--allow-weak"}, false, ""},
	})
	addr, _ := startServe(t, nil, "--data", data, "--admin-password", "admin-password")
	if code, body := call(t, http.DefaultClient, "http://"+addr, "dave", "pw"); code != 200 {
		t.Fatalf("the weak password set with --allow-weak: %d %s", code, body)
	}
}
