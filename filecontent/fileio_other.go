//go:build !linux

package filecontent

import "os"

// Writeback hints and direct I/O are Linux's; elsewhere uploads go through
// the page cache and the final fsync does it all.

func startWriteback(f *os.File, off, n int64) {}

func setDirectIO(f *os.File, on bool) bool { return !on }

func openRead(name string) (*os.File, error) { return os.Open(name) }
