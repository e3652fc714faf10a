//go:build unix

package filecontent

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// An upload's lease is an exclusive flock on its temporary file, held by
// the uploading process from creation until the file has its final name.
// The kernel drops it when the process dies, so a lease outlives neither
// the upload nor its process, whatever the clocks say. flock works across
// processes on one machine and, on Linux, across NFS clients (as a POSIX
// lock on the whole file).

// hold takes the lease of f, which this process has just created.
// Where the file system has no locks the sweep falls back to age alone.
func hold(f *os.File) {
	control(f, func(fd int) { _ = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) })
}

// leased reports whether some process holds the lease of the file at
// path: a shared lock taken without waiting is refused while it does.
func leased(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close() // drops the shared lock, if taken
	busy := false
	control(f, func(fd int) {
		busy = errors.Is(unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB), unix.EWOULDBLOCK)
	})
	return busy
}

// control runs fn on f's descriptor.
func control(f *os.File, fn func(fd int)) {
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { fn(int(fd)) })
	}
}
