//go:build !linux

package server

import "net"

// unpaceLoopback: only Linux paces TCP inside the kernel.
func unpaceLoopback(*net.TCPConn) {}
