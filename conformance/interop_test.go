package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/testenv"
)

// The interop tests drive a live bin/cmisd with real SOAP stacks, each
// generating its client from the server's own ?wsdl URL. CMISD_BIN names
// the binary (make test passes it; otherwise it is built here). A missing
// client stack skips its test, unless CMISD_REQUIRE_CLIENTS=1 (make test,
// CI), where it fails.

// liveServer starts cmisd on a free loopback port with a fresh data
// directory and returns its base URL and admin password.
func liveServer(t *testing.T) (base, password string) {
	t.Helper()
	bin := cmisdBinary(t)
	password = "interop-secret"
	data := t.TempDir()
	// A second, ordinary user for the scenarios' ACL steps (see
	// secondUser); created the way an administrator would.
	if out, err := exec.Command(bin, "user", "add", secondUser, "--password", secondPassword, "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("cmisd user add: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// --max-count 5: the scenarios' step 17c pages through seven
	// children, so that the clients see numItems left out.
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data", data, "--admin-password", password, "--log-level", "info",
		"--max-count", "5"}
	// CMISD_RECORD=DIR records each test's exchanges into DIR/<test> as
	// conformance cases (see conformance/cases/*-session).
	if dir := os.Getenv("CMISD_RECORD"); dir != "" {
		args = append(args, "--record", filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			logs.Write(append(line, '\n'))
			var m map[string]any
			if json.Unmarshal(line, &m) == nil && m["msg"] == "serving" {
				addr <- fmt.Sprint(m["addr"])
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	select {
	case a := <-addr:
		return "http://" + a, password
	case <-time.After(30 * time.Second):
		t.Fatalf("cmisd did not start:\n%s", logs.String())
	}
	return "", ""
}

// The second user every live server has, handed to the scenario clients
// as CMIS_USER2 / CMIS_PASS2.
const (
	secondUser     = "scenario-reader"
	secondPassword = "reader-secret"
)

func requireTool(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		_, err := exec.LookPath(tool)
		testenv.Require(t, testenv.Clients, err == nil, tool+" is not installed")
	}
}

// runClient runs one scenario and fails the test with its output if any
// step failed. Scenarios print PASS/FAIL lines and "N passed, M failed".
func runClient(t *testing.T, timeout time.Duration, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "CMIS_USER2="+secondUser, "CMIS_PASS2="+secondPassword)
	out, err := cmd.CombinedOutput()
	summary := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, " passed, ") {
			summary = l
		}
	}
	t.Logf("%s: %s", t.Name(), summary)
	if err != nil || summary == "" {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func clientDir(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "clients", name)
}

func TestInteropZeep(t *testing.T) {
	requireTool(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import zeep").Run(); err != nil {
		requireTool(t, "python3-zeep-module-missing")
	}
	base, pw := liveServer(t)
	runClient(t, 5*time.Minute, "/usr/bin/python3", filepath.Join(clientDir("zeep"), "scenario.py"), base, "admin", pw)
}

func TestInteropJAXWS(t *testing.T) {
	requireTool(t, "wsimport", "javac", "java")
	base, pw := liveServer(t)
	runClient(t, 10*time.Minute, filepath.Join(clientDir("jaxws"), "run.sh"), base, "admin", pw)
}

// TestInteropJAXWS10 runs a client generated from the CMIS 1.0 WSDL of
// /services10 across the nine 1.0 services.
func TestInteropJAXWS10(t *testing.T) {
	requireTool(t, "wsimport", "javac", "java")
	base, pw := liveServer(t)
	runClient(t, 10*time.Minute, filepath.Join(clientDir("jaxws"), "run.sh"), base, "admin", pw, "1.0")
}

func TestInteropWCF(t *testing.T) {
	testInteropWCF(t, "1.1")
}

// TestInteropWCF10 runs a proxy generated from the CMIS 1.0 WSDL of
// /services10: XmlSerializer refuses any enumeration value 1.0 lacks.
func TestInteropWCF10(t *testing.T) {
	testInteropWCF(t, "1.0")
}

func testInteropWCF(t *testing.T, version string) {
	requireTool(t, "mono", "mcs", "svcutil")
	// A server per run, so that each run's change log (and recording) is
	// its own.
	for _, enc := range []string{"mtom", "text"} {
		t.Run(enc, func(t *testing.T) {
			base, pw := liveServer(t)
			runClient(t, 10*time.Minute, filepath.Join(clientDir("wcf"), "run.sh"), base, "admin", pw, enc, "wsse", version)
		})
	}
}

func TestInteropNodeSoap(t *testing.T) {
	requireTool(t, "node", "npm")
	for _, mode := range []string{"mtom", "inline"} {
		t.Run(mode, func(t *testing.T) {
			base, pw := liveServer(t)
			runClient(t, 10*time.Minute, filepath.Join(clientDir("node"), "run.sh"), base, "admin", pw, mode)
		})
	}
}

func TestInteropLibcmis(t *testing.T) {
	requireTool(t, "g++", "pkg-config")
	if err := exec.Command("pkg-config", "--exists", "libcmis-0.5").Run(); err != nil {
		requireTool(t, "libcmis-0.5-pkg-config-missing")
	}
	base, pw := liveServer(t)
	runClient(t, 10*time.Minute, filepath.Join(clientDir("libcmis"), "run.sh"), base, "admin", pw)
}
