package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the directory of go.mod, seen from this package.
const moduleRoot = "../.."

// gowsdlOutput runs gowsdl as make generate does and returns the path of its
// output. go test puts its own go command first on PATH, so a missing one
// is a broken setup, not a reason to skip.
func gowsdlOutput(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("no go command on PATH to run gowsdl (go tool gowsdl): run the test with go test")
	}
	dir := t.TempDir()
	cmd := exec.Command(goCmd, "tool", "gowsdl", "-d", dir, "-p", "generated", "-o", "cmis.go", "wsdl/CMISWS-Service.wsdl")
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go tool gowsdl: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "generated", "cmis.go")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("gowsdl wrote no output: %v", err)
	}
	return path
}

// TestGeneratedIsUpToDate regenerates the package and fails if the result
// differs from the committed generated/ (run make generate), or if
// generated/ holds Go files that genfix does not write.
func TestGeneratedIsUpToDate(t *testing.T) {
	in := gowsdlOutput(t)
	files, err := generate(in, filepath.Join(moduleRoot, "wsdl", "CMISWS-Service.wsdl"), wsdl10)
	if err != nil {
		t.Fatal(err)
	}
	genDir := filepath.Join(moduleRoot, "generated")
	for _, name := range outputFiles {
		committed, err := os.ReadFile(filepath.Join(genDir, name))
		if err != nil {
			t.Errorf("generated/%s: %v (run make generate)", name, err)
			continue
		}
		if !bytes.Equal(committed, files[name]) {
			t.Errorf("generated/%s is not what make generate writes (run make generate):\n%s", name, firstDiff(committed, files[name]))
		}
	}
	entries, err := os.ReadDir(genDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && files[name] == nil {
			t.Errorf("generated/%s is not written by genfix: remove it", name)
		}
	}

	// Deterministic: a second run gives the same bytes.
	again, err := generate(in, filepath.Join(moduleRoot, "wsdl", "CMISWS-Service.wsdl"), wsdl10)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range outputFiles {
		if !bytes.Equal(again[name], files[name]) {
			t.Errorf("%s differs between two runs:\n%s", name, firstDiff(files[name], again[name]))
		}
	}
}

// TestRunWritesFiles runs the command's entry point into a temporary
// directory.
func TestRunWritesFiles(t *testing.T) {
	in := gowsdlOutput(t)
	out := t.TempDir()
	if err := run(in, filepath.Join(moduleRoot, "wsdl", "CMISWS-Service.wsdl"), wsdl10, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range outputFiles {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("// Code generated ")) || !bytes.Contains(b, []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the generated-code marker", name)
		}
		if bytes.Contains(b, []byte("hooklift")) || bytes.Contains(b, []byte(`json:"`)) {
			t.Errorf("%s still refers to gowsdl/soap or has json tags", name)
		}
	}
}

// TestGowsdlDriftIsAnError: genfix checks gowsdl's output against the
// schema instead of trusting it, so a field that gowsdl did not write (or a
// type it wrote differently) stops the generation.
func TestGowsdlDriftIsAnError(t *testing.T) {
	in := gowsdlOutput(t)
	src, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	wsdl := filepath.Join(moduleRoot, "wsdl", "CMISWS-Service.wsdl")
	for _, tt := range []struct{ name, old, new, want string }{
		{"missing field", "\tVersionable bool `xml:\"versionable,omitempty\" json:\"versionable,omitempty\"`\n", "", "no gowsdl field for element versionable"},
		{"extra field", "\tMimeType string `xml:\"mimeType,omitempty\" json:\"mimeType,omitempty\"`\n", "\tMimeType string `xml:\"mimeType,omitempty\"`\n\tSize int32 `xml:\"size\"`\n", "no counterpart in the schema"},
		{"other type", "\tKind string `xml:\"kind,omitempty\" json:\"kind,omitempty\"`\n", "\tKind int32 `xml:\"kind,omitempty\"`\n", "gowsdl field Kind has type int32"},
		{"missing method", "\tGetACLContext(ctx context.Context, request *GetACL) (*GetACLResponse, error)\n", "", "has no method GetACLContext"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(src, []byte(tt.old)) {
				t.Fatalf("gowsdl output does not contain %q", tt.old)
			}
			p := filepath.Join(t.TempDir(), "cmis.go")
			if err := os.WriteFile(p, bytes.Replace(src, []byte(tt.old), []byte(tt.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := generate(p, wsdl, wsdl10)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("generate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// wsdl10 is the CMIS 1.0 WSDL the writers' 1.0 mode is derived from.
var wsdl10 = filepath.Join(moduleRoot, "wsdl", "1.0", "CMISWS-Service.wsdl")

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  committed: %q\n  generated: %q", i+1, x, y)
		}
	}
	return "(same lines, different bytes)"
}
