// Package durable makes what was written survive a crash: a file's data,
// or a directory's entries (a new or renamed name), on disk.
package durable

import "os"

// Sync fsyncs the file or directory at path.
func Sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
