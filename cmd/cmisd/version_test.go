package main

import (
	"regexp"
	"testing"
)

func TestVersion(t *testing.T) {
	out, code := run(t, nil, "", "version")
	if code != 0 || !regexp.MustCompile(`^cmisd \S+\n$`).MatchString(out) {
		t.Fatalf("cmisd version: exit %d %q", code, out)
	}
	if out, code := run(t, nil, "", "version", "extra"); code != 1 || !regexp.MustCompile(`no arguments`).MatchString(out) {
		t.Fatalf("cmisd version extra: exit %d %q", code, out)
	}
}
