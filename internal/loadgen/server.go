package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Server is a cmisd child process on a loopback port.
type Server struct {
	Base     string // http://127.0.0.1:port
	Debug    string // http://127.0.0.1:port of --debug-listen, "" without
	PID      int
	Data     string // its data directory
	Password string // of admin

	cmd    *exec.Cmd
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	tail   []byte // the end of its log
}

// ServerOptions say how to start cmisd.
type ServerOptions struct {
	Bin      string // the cmisd binary
	Data     string // data directory (fresh for a benchmark)
	Password string // admin password; "" generates one of 24 characters
	Debug    bool   // also --debug-listen 127.0.0.1:0
	Args     []string
	CPUs     []int // if any, the only CPUs it may run on
}

// StartServer starts cmisd serve on 127.0.0.1:0 and waits until it serves.
func StartServer(o ServerOptions) (*Server, error) {
	if o.Password == "" {
		b := make([]byte, 18)
		rand.Read(b)
		o.Password = base64.RawURLEncoding.EncodeToString(b)
	}
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data", o.Data, "--admin-password", o.Password, "--log-level", "info"}
	if o.Debug {
		args = append(args, "--debug-listen", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Data: o.Data, Password: o.Password, cancel: cancel, done: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, o.Bin, append(args, o.Args...)...)
	// Stop asks for a clean shutdown; SIGKILL only if that hangs.
	s.cmd.Cancel = func() error { return s.cmd.Process.Signal(syscall.SIGTERM) }
	s.cmd.WaitDelay = 15 * time.Second
	addrs := make(chan [2]string, 1)
	s.cmd.Stderr = &logWriter{s: s, addrs: addrs}
	start := s.cmd.Start
	if len(o.CPUs) > 0 {
		start = func() error { return startOn(s.cmd, o.CPUs) }
	}
	if err := start(); err != nil {
		cancel()
		return nil, err
	}
	s.PID = s.cmd.Process.Pid
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	select {
	case a := <-addrs:
		s.Base = "http://" + a[0]
		if a[1] != "" {
			s.Debug = "http://" + a[1]
		}
		if o.Debug && s.Debug == "" {
			s.Stop()
			return nil, errors.New("cmisd serves but logged no debug listener")
		}
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("cmisd exited before serving:\n%s", s.LogTail())
	case <-time.After(30 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("cmisd did not start within 30s:\n%s", s.LogTail())
	}
}

// logWriter keeps the end of the log and reports the addresses of the
// "serving" and "debug serving" lines (the latter comes first).
type logWriter struct {
	s       *Server
	addrs   chan<- [2]string
	partial []byte
	found   bool
	debug   string
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.s.mu.Lock()
	l.s.tail = append(l.s.tail, p...)
	if len(l.s.tail) > 64<<10 {
		l.s.tail = append(l.s.tail[:0], l.s.tail[len(l.s.tail)-32<<10:]...)
	}
	l.s.mu.Unlock()
	if l.found {
		return len(p), nil
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 || l.found {
			break
		}
		var m struct{ Msg, Addr string }
		if json.Unmarshal(l.partial[:i], &m) == nil {
			switch m.Msg {
			case "debug serving":
				l.debug = m.Addr
			case "serving":
				l.found = true
				l.addrs <- [2]string{m.Addr, l.debug}
			}
		}
		l.partial = l.partial[i+1:]
	}
	if l.found || len(l.partial) > 1<<20 {
		l.partial = nil
	}
	return len(p), nil
}

// LogTail is the end of the server's log.
func (s *Server) LogTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.tail)
}

// Probe measures this server.
func (s *Server) Probe() *ServerProbe { return &ServerProbe{PID: s.PID, Debug: s.Debug} }

// Stop ends the process and waits for it.
func (s *Server) Stop() {
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
	}
}

// TempData makes a fresh data directory; remove it after Stop.
func TempData() (string, error) { return os.MkdirTemp("", "cmisd-bench-") }
