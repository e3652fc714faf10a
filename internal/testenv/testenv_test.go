package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that notes what Require did instead of doing it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Name() string                      { return "TestSomething" }
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = format }
func (r *recorder) Skip(args ...any)                  { r.skip = args[0].(string) }
func (r *recorder) Logf(string, ...any)               {}

func TestRequire(t *testing.T) {
	need := Need{What: "a widget", Required: "CMISD_TEST_REQUIRE_WIDGET", How: "install widgets"}
	cases := []struct {
		name     string
		ok       bool
		required string // the variable's value
		want     string // "", "skip" or "fail"
	}{
		{"present", true, "1", ""},
		{"present, not required", true, "", ""},
		{"missing, not required", false, "", "skip"},
		{"missing, required", false, "1", "fail"},
		{"missing, variable not 1", false, "0", "skip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "not-run")
			t.Setenv("CMISD_NOT_RUN", log)
			t.Setenv(need.Required, c.required)
			r := &recorder{TB: t}
			Require(r, need, c.ok, "no widget here")
			got := ""
			switch {
			case r.fatal != "" && r.skip != "":
				t.Fatalf("failed and skipped")
			case r.fatal != "":
				got = "fail"
			case r.skip != "":
				got = "skip"
			}
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			line, _ := os.ReadFile(log)
			if c.want == "skip" {
				for _, s := range []string{"NOT RUN", "internal/testenv TestSomething", "a widget", "no widget here", "install widgets"} {
					if !strings.Contains(string(line), s) || !strings.Contains(r.skip, "install widgets") {
						t.Errorf("no %q in the note %q or the skip %q", s, line, r.skip)
					}
				}
			} else if len(line) > 0 {
				t.Errorf("noted %q", line)
			}
		})
	}
}

// Direct I/O is never required: its lack is noted, not failed.
func TestDirectIONeverRequired(t *testing.T) {
	if DirectIO.Required != "" {
		t.Fatalf("DirectIO is required by %s", DirectIO.Required)
	}
	r := &recorder{TB: t}
	t.Setenv("CMISD_NOT_RUN", "")
	Require(r, DirectIO, false, "O_DIRECT refused")
	if r.fatal != "" || r.skip == "" {
		t.Errorf("fatal %q, skip %q", r.fatal, r.skip)
	}
}
