package server

import (
	"context"
	"crypto/tls"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

func congestion(t *testing.T, c *net.TCPConn) string {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var cc string
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		cc, gerr = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return cc
}

func setCongestion(c *net.TCPConn, cc string) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, cc)
	}); err != nil {
		return err
	}
	return serr
}

// A loopback connection paced by BBR gets an unpaced congestion control,
// whichever way it was accepted; one the system gave another keeps it.
func TestConnContextUnpacesLoopback(t *testing.T) {
	wrap := map[string]func(*net.TCPConn) net.Conn{
		"tcp":  func(c *net.TCPConn) net.Conn { return c },
		"held": func(c *net.TCPConn) net.Conn { return &heldConn{TCPConn: c} },
		"tls":  func(c *net.TCPConn) net.Conn { return tls.Server(c, &tls.Config{}) },
	}
	for name, w := range wrap {
		for _, tc := range []struct{ before, after string }{
			{"bbr", unpacedCongestion[0]},
			{"reno", "reno"},
			{"cubic", "cubic"},
		} {
			t.Run(name+"/"+tc.before, func(t *testing.T) {
				server, _ := tcpPair(t)
				want := tc.after
				if err := setCongestion(server, tc.before); err != nil {
					// A kernel without BBR cannot pace on its own: then
					// the connection must keep what it has.
					t.Logf("%s not available here (%v): checking it is left alone", tc.before, err)
					want = congestion(t, server)
				}
				connContext(context.Background(), w(server))
				if got := congestion(t, server); got != want {
					t.Errorf("congestion control %q, want %q", got, want)
				}
			})
		}
	}
}
