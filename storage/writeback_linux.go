package storage

import (
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing a range of f to disk
// without waiting for it (sync_file_range with SYNC_FILE_RANGE_WRITE). It
// is a hint: the fsync that follows is what makes the data durable.
func startWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			_ = syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite)
		})
	}
}
