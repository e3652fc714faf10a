package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// tcpPair is a loopback TCP connection: the server's end and the client's.
func tcpPair(t *testing.T) (*net.TCPConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server.(*net.TCPConn), client
}

// arrived is what the client can read within d.
func arrived(t *testing.T, c net.Conn, want int, d time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, want)
	n, err := io.ReadFull(c, buf)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && err != io.EOF && err != io.ErrUnexpectedEOF {
		t.Fatal(err)
	}
	return string(buf[:n])
}

// A held connection sends nothing until it is released, then all it held,
// in order; past maxHeld it writes through, what it held first.
func TestHeldConnHoldsUntilRelease(t *testing.T) {
	big := strings.Repeat("x", maxHeld)
	tests := []struct {
		name   string
		writes []string
		end    func(c *heldConn) error
		early  string // what arrives before end
		after  string // and after it
	}{
		{"release", []string{"a", "bc", "d"}, (*heldConn).release, "", "abcd"},
		{"close", []string{"a", "bc"}, (*heldConn).Close, "", "abc"},
		{"close write", []string{"a", "bc"}, (*heldConn).CloseWrite, "", "abc"},
		{"past maxHeld", []string{"ab", big}, (*heldConn).release, "ab" + big, ""},
		{"sendfile's ReadFrom", []string{"ab"}, func(c *heldConn) error { _, err := c.ReadFrom(strings.NewReader("cd")); return err }, "", "abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := tcpPair(t)
			c := &heldConn{TCPConn: server}
			c.hold(time.Minute)
			wrote := make(chan error, 1)
			go func() { // past maxHeld a write may wait for the client to read
				for _, w := range tt.writes {
					if _, err := c.Write([]byte(w)); err != nil {
						wrote <- err
						return
					}
				}
				wrote <- nil
			}()
			if got := arrived(t, client, len(tt.early), 5*time.Second); got != tt.early {
				t.Fatalf("before the end %d bytes arrived, want %d", len(got), len(tt.early))
			}
			if got := arrived(t, client, 1, 100*time.Millisecond); got != "" {
				t.Fatalf("before the end %q arrived, beyond what was written through", got)
			}
			if err := <-wrote; err != nil {
				t.Fatal(err)
			}
			if err := tt.end(c); err != nil {
				t.Fatal(err)
			}
			if got := arrived(t, client, len(tt.after), 5*time.Second); got != tt.after {
				t.Fatalf("after the end %q arrived, want %q", got, tt.after)
			}
			if tt.name == "release" { // no longer holding: a write goes out at once
				c.Write([]byte("z"))
				if got := arrived(t, client, 1, 5*time.Second); got != "z" {
					t.Fatalf("after release a write did not go out: %q", got)
				}
			}
		})
	}
}

// Through Listener and HTTPServer, complete answers are held until net/http
// finishes them and arrive whole on a kept-alive connection, and on one
// the answer closes.
func TestHeldAnswersArriveWhole(t *testing.T) {
	env := newTestServer(t, nil)
	hs := env.srv.HTTPServer("127.0.0.1:0")
	var mu sync.Mutex
	var held []int // bytes held at each end of a response
	release := hs.ConnState
	hs.ConnState = func(c net.Conn, st http.ConnState) {
		if hc, ok := c.(*heldConn); ok && st == http.StateIdle {
			hc.mu.Lock()
			n := 0
			if hc.buf != nil {
				n = len(*hc.buf)
			}
			hc.mu.Unlock()
			mu.Lock()
			held = append(held, n)
			mu.Unlock()
		}
		release(c, st)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(Listener(ln))
	defer hs.Close()
	url := "http://" + ln.Addr().String()

	for i, size := range []int{3000, 30000} {
		data := bytes.Repeat([]byte{byte('a' + i)}, size)
		sr := send(t, url, "POST", "/services/ObjectService", `multipart/related; type="application/xop+xml"; boundary=m`,
			[]byte(mtomBody("m", [2]string{rootHeaders, createDocXML("cid:a@x")}, [2]string{"Content-ID: <a@x>", string(data)})), nil)
		if sr.status != 200 {
			t.Fatalf("createDocument: %d %s", sr.status, sr.root)
		}
		sum := sha256.Sum256(data) // the fake's object id
		id := hex.EncodeToString(sum[:8])
		for _, close := range []bool{false, true} {
			down := send(t, url, "POST", "/services/ObjectService", "text/xml",
				[]byte(soapWrap(`<m:getContentStream><m:repositoryId>A1</m:repositoryId><m:objectId>`+id+`</m:objectId></m:getContentStream>`)),
				func(r *http.Request) { r.SetBasicAuth("test", "test"); r.Close = close })
			if down.status != 200 || !bytes.Contains(down.root, []byte(base64.StdEncoding.EncodeToString(data))) {
				t.Fatalf("getContentStream of %d bytes (close %v): %d, %d bytes", size, close, down.status, len(down.root))
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// Kept alive: createDocument and getContentStream, for each size.
	if len(held) != 4 {
		t.Fatalf("%d responses ended on a kept-alive connection, want 4", len(held))
	}
	for i, n := range held {
		if n == 0 {
			t.Errorf("response %d: %d bytes held when net/http finished it", i, n)
		}
	}
}

// The held write's deadline does not outlive it: net/http writes some
// answers itself (400, 431) on an idle connection, before a handler would
// set a deadline, and they must not fail because the last answer went
// out more than a stall timeout ago.
func TestHeldWriteLeavesNoDeadline(t *testing.T) {
	server, client := tcpPair(t)
	c := &heldConn{TCPConn: server}
	c.hold(50 * time.Millisecond)
	if _, err := c.Write([]byte("answer")); err != nil {
		t.Fatal(err)
	}
	if err := c.release(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := c.Write([]byte(" later")); err != nil {
		t.Fatalf("a write after the held one's deadline: %v", err)
	}
	if got := arrived(t, client, len("answer later"), time.Second); got != "answer later" {
		t.Fatalf("client got %q", got)
	}
}
