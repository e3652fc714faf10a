//go:build !unix

package filecontent

import "os"

// Without flock an upload has no lease: the sweep goes by age alone.

func hold(f *os.File) {}

func leased(path string) bool { return false }
