package filecontent

import (
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing a range of f to disk
// without waiting for it (sync_file_range with SYNC_FILE_RANGE_WRITE). It
// is a hint: the fsync that follows is what makes the data durable.
func startWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2
	control(f, func(fd int) {
		_ = syscall.SyncFileRange(fd, off, n, syncFileRangeWrite)
	})
}

// setDirectIO turns O_DIRECT on or off for f and reports whether f is now
// in that mode. File systems without direct I/O refuse it (tmpfs did
// before Linux 6.6).
func setDirectIO(f *os.File, on bool) bool {
	ok := false
	control(f, func(fd int) {
		flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
		if e != 0 {
			return
		}
		if on {
			flags |= syscall.O_DIRECT
		} else {
			flags &^= syscall.O_DIRECT
		}
		_, _, e = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFL, flags)
		ok = e == 0
	})
	return ok
}

// openRead opens a content file for reading in two system calls: os.Open
// also registers the file with the network poller, which refuses regular
// files, and toggles its non-blocking mode on and off around that (six
// calls a getContentStream paid for nothing). os.NewFile leaves the file
// blocking and unregistered, which is what a regular file gets anyway.
func openRead(name string) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}
