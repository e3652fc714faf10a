package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is the cmisd under test: CMISD_BIN (make test), or built here.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cmisd-test")
	if err != nil {
		panic(err)
	}
	binary = os.Getenv("CMISD_BIN")
	if binary == "" {
		binary = filepath.Join(dir, "cmisd")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs cmisd with stdin and returns its combined output and its exit
// code.
func run(t *testing.T, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

// served is a running cmisd serve.
type served struct {
	addr string
	cmd  *exec.Cmd
	// logged is its log so far; stop kills it (if it still runs) and waits
	// for it to end.
	logged func() string
	stop   func()
	// exited is closed when its log ends, that is when it has exited.
	exited <-chan struct{}
}

// startServe starts cmisd serve on a free port and returns the address it
// listens on and its log so far (which stops it).
func startServe(t *testing.T, env []string, args ...string) (addr string, logs func() string) {
	t.Helper()
	s := startServer(t, env, args...)
	return s.addr, func() string { s.stop(); return s.logged() }
}

// startServer starts cmisd serve on a free port, stopped when the test
// ends.
func startServer(t *testing.T, env []string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var buf bytes.Buffer
	done := make(chan struct{})
	addrc := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			buf.Write(append(sc.Bytes(), '\n'))
			mu.Unlock()
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "serving" {
				addrc <- fmt.Sprint(m["addr"])
			}
		}
	}()
	var once sync.Once
	s := &served{cmd: cmd, exited: done}
	s.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			cmd.Wait()
		})
	}
	t.Cleanup(s.stop)
	s.logged = func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
	select {
	case s.addr = <-addrc:
	case <-done:
		s.stop()
		t.Fatalf("cmisd serve stopped:\n%s", s.logged())
	case <-time.After(20 * time.Second):
		s.stop()
		t.Fatalf("cmisd did not start:\n%s", s.logged())
	}
	return s
}

// logLines are the JSON log lines with the message msg.
func logLines(logs, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

const getRepositories = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>
<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
<wsse:UsernameToken><wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password></wsse:UsernameToken>
</wsse:Security></soap:Header><soap:Body><getRepositories xmlns="http://docs.oasis-open.org/ns/cmis/messaging/200908/"/></soap:Body></soap:Envelope>`

// call sends getRepositories as user and returns the status and body.
func call(t *testing.T, client *http.Client, url, user, password string) (int, string) {
	t.Helper()
	resp, err := client.Post(url+"/services/RepositoryService", "text/xml; charset=utf-8",
		strings.NewReader(fmt.Sprintf(getRepositories, user, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDispatch(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "cmisd user add|passwd NAME"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"user"}, 1, "user: add, passwd, del or list"},
		{[]string{"user", "rename", "x"}, 1, `unknown verb "rename"`},
		{[]string{"group", "rename", "x"}, 1, `unknown verb "rename"`},
	} {
		if out, code := run(t, nil, "", tt.args...); code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("cmisd %v: exit %d %q, want exit %d with %q", tt.args, code, out, tt.code, tt.want)
		}
	}
}
