package conformance

// A cmisd process for the black-box tests: started on a free loopback
// port, killed, its logs kept for a failure.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/storetest"
)

type cmisdProc struct {
	cmd    *exec.Cmd
	base   string
	logs   *procLog
	exited chan struct{}
	once   sync.Once
}

// startCmisd runs bin serve on a free loopback port over data and waits
// until it serves (after the start-up sweep).
func startCmisd(t *testing.T, bin, data, password string) *cmisdProc {
	t.Helper()
	return startServeArgs(t, bin, append(storetest.StoreArgs(t, data), "--admin-password", password, "--content-sweep-grace", "0s")...)
}

// startServeArgs runs bin serve on a free loopback port with more flags
// and waits until it serves.
func startServeArgs(t *testing.T, bin string, args ...string) *cmisdProc {
	t.Helper()
	logs := &procLog{addr: make(chan string, 1)}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &cmisdProc{cmd: cmd, logs: logs, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.kill)
	select {
	case a := <-logs.addr:
		p.base = "http://" + a
		return p
	case <-p.exited:
		t.Fatalf("cmisd exited before serving:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("cmisd did not start within 30s:\n%s", logs.String())
	}
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *cmisdProc) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
		}
	})
}

func (p *cmisdProc) dumpLogs(t *testing.T) {
	s := p.logs.String()
	if len(s) > 20000 {
		s = "…" + s[len(s)-20000:]
	}
	t.Logf("server log (last run):\n%s", s)
}

// procLog collects a child's output and reports the address of its
// "serving" line.
type procLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	addr    chan string
	found   bool
}

func (l *procLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		l.partial = l.partial[i+1:]
		var m map[string]any
		if !l.found && json.Unmarshal(line, &m) == nil && m["msg"] == "serving" {
			l.found = true
			l.addr <- fmt.Sprint(m["addr"])
		}
	}
	return len(p), nil
}

func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.buf.String())
}
