package server

// One write system call for a small answer. net/http writes a response
// through a 4 KiB connection buffer: a 6 KB getObject answer goes out in
// two writes (the buffer when it fills, the rest when the handler
// returns), each a trip through the TCP stack. A connection accepted
// through Listener can hold what net/http writes while an answer that is
// complete in memory goes out (hold), and send it in one write when
// net/http is done with the response: when the connection turns idle
// (http.Server.ConnState), or is closed.

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener returns l with its TCP connections able to hold an answer (the
// server's HTTPServer sends what they hold). Others pass unchanged. Not
// for a listener served with TLS, whose records the connection would
// only see encrypted.
func Listener(l net.Listener) net.Listener { return holdingListener{l} }

type holdingListener struct{ net.Listener }

func (l holdingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &heldConn{TCPConn: tc}, nil
	}
	return c, err
}

// maxHeld bounds what a connection holds: past it, it writes through.
const maxHeld = 256 << 10

var heldPool = sync.Pool{New: func() any { return new([]byte) }}

// heldConn is a TCP connection that can hold its writes. Only the
// goroutine serving the connection writes to it, but the server may
// close it from another (Shutdown, Close): mu guards what is held, and
// no write to the socket happens under it; sending is held by a write
// of what was held, which Close waits for (Shutdown closes a connection
// once it is idle, which is when the answer goes out), bounded by the
// write's deadline.
type heldConn struct {
	*net.TCPConn
	mu      sync.Mutex
	sending sync.Mutex
	holding bool
	buf     *[]byte
	stall   time.Duration // write deadline of the held write
}

// hold makes the connection keep its writes until release. stall bounds
// the one write that sends them.
func (c *heldConn) hold(stall time.Duration) {
	c.mu.Lock()
	c.holding, c.stall = true, stall
	c.mu.Unlock()
}

func (c *heldConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.holding {
		if c.buf == nil {
			c.buf = heldPool.Get().(*[]byte)
		}
		if len(*c.buf)+len(p) <= maxHeld {
			*c.buf = append(*c.buf, p...)
			c.mu.Unlock()
			return len(p), nil
		}
	}
	b, stall := c.takeLocked()
	c.mu.Unlock()
	if err := c.send(b, stall); err != nil {
		return 0, err
	}
	return c.TCPConn.Write(p)
}

// release sends what the connection holds, in one write, and stops
// holding.
func (c *heldConn) release() error {
	c.sending.Lock()
	defer c.sending.Unlock()
	c.mu.Lock()
	b, stall := c.takeLocked()
	c.mu.Unlock()
	return c.send(b, stall)
}

// takeLocked stops holding and returns what was held; the caller holds mu.
func (c *heldConn) takeLocked() (*[]byte, time.Duration) {
	b := c.buf
	c.holding, c.buf = false, nil
	return b, c.stall
}

// send writes b (nil: nothing) and recycles it. The write has a deadline
// of its own, cleared after it: net/http cleared its own when it finished
// the response, and writes some answers itself (400, 431) before a
// handler sets one. A failed write closes the connection: the client
// must not take a cut answer for a whole one.
func (c *heldConn) send(b *[]byte, stall time.Duration) error {
	if b == nil {
		return nil
	}
	defer func() {
		if cap(*b) <= maxHeld {
			*b = (*b)[:0]
			heldPool.Put(b)
		}
	}()
	if len(*b) == 0 {
		return nil
	}
	_ = c.TCPConn.SetWriteDeadline(time.Now().Add(stall))
	_, err := c.TCPConn.Write(*b)
	if err != nil {
		c.TCPConn.Close()
		return err
	}
	return c.TCPConn.SetWriteDeadline(time.Time{})
}

// ReadFrom sends what is held first: net/http hands a file to sendfile
// through here.
func (c *heldConn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.release(); err != nil {
		return 0, err
	}
	return c.TCPConn.ReadFrom(r)
}

// CloseWrite and Close send what is held first.
func (c *heldConn) CloseWrite() error {
	_ = c.release()
	return c.TCPConn.CloseWrite()
}

func (c *heldConn) Close() error {
	_ = c.release()
	return c.TCPConn.Close()
}

// heldConnKey carries a request's connection (HTTPServer's ConnContext).
type heldConnKey struct{}

func withHeldConn(ctx context.Context, c net.Conn) context.Context {
	if hc, ok := c.(*heldConn); ok {
		return context.WithValue(ctx, heldConnKey{}, hc)
	}
	return ctx
}

// releaseIdle sends what a connection held for the response it finished.
func releaseIdle(c net.Conn, state http.ConnState) {
	if hc, ok := c.(*heldConn); ok && state == http.StateIdle {
		_ = hc.release()
	}
}

// heldConnOf is the connection r came on, if it can hold an answer (one
// Listener accepted: plain HTTP/1, one request at a time).
func heldConnOf(r *http.Request) *heldConn {
	hc, _ := r.Context().Value(heldConnKey{}).(*heldConn)
	return hc
}

// holdAnswer makes the connection of w hold the answer about to be
// written whole, to send it in one write.
func holdAnswer(w http.ResponseWriter) {
	if rw, ok := w.(*respWriter); ok && rw.conn != nil {
		rw.conn.hold(rw.stall)
	}
}
