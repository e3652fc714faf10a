package server

// A client on the same machine (cmisd as a sidecar) gets its answers
// without pacing. With BBR as the system's congestion control and no fq
// queueing discipline (the loopback device has none), the kernel paces a
// connection itself: a timer and a softirq per burst of segments. On
// loopback there is no bottleneck for pacing to spare, and a 1 MiB
// getContentStream cost 0.53 ms of server CPU paced against 0.11
// unpaced, at a quarter of the rate and a tenth of the p99 (cmisd-load,
// server and clients on their own CPUs). Connections from other machines
// keep the system's choice.

import (
	"net"

	"golang.org/x/sys/unix"
)

// unpacedCongestion are the congestion controls tried, in order, for a
// loopback connection: neither paces without fq, and Linux lets any
// process choose reno.
var unpacedCongestion = []string{"cubic", "reno"}

// unpaceLoopback gives c a congestion control that does not pace when
// its peer is on this machine. It is best effort: the answer is the same
// either way.
func unpaceLoopback(c *net.TCPConn) {
	peer, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || !peer.IP.IsLoopback() {
		return
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		cur, err := unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
		if err != nil || cur != "bbr" {
			return // only BBR paces on its own
		}
		for _, cc := range unpacedCongestion {
			if unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, cc) == nil {
				return
			}
		}
	})
}
