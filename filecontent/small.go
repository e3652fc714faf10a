package filecontent

import (
	"bytes"
	"io"
	"os"
	"sync"
)

// Small content files are kept in memory once read whole. A content file
// never changes under its id (Put writes every stream under a new one),
// so the bytes read stay right for as long as any row names the id,
// whichever process removes the file; Remove drops them here. A read of a
// small stream then costs no open, read and close of its file: those were
// most of the system calls of a getContentStream of 1 KiB. Memory stays
// bounded: files up to smallMax, smallBudget bytes in all, the oldest
// dropped first.
const (
	smallMax    = 64 << 10
	smallBudget = 8 << 20
)

type smallFiles struct {
	mu    sync.Mutex
	bytes map[string][]byte
	order []string // ids in the order they came, some removed since
	size  int
}

func (c *smallFiles) get(id string) ([]byte, bool) {
	c.mu.Lock()
	b, ok := c.bytes[id]
	c.mu.Unlock()
	return b, ok
}

func (c *smallFiles) add(id string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes == nil {
		c.bytes = map[string][]byte{}
	}
	if _, ok := c.bytes[id]; ok {
		return
	}
	for c.size+len(b) > smallBudget && len(c.order) > 0 {
		c.dropLocked(c.order[0])
		c.order = c.order[1:]
	}
	if len(c.order) > 2*len(c.bytes)+64 {
		// Ids removed meanwhile pile up in order: keep those still here.
		kept := c.order[:0]
		for _, k := range c.order {
			if _, ok := c.bytes[k]; ok {
				kept = append(kept, k)
			}
		}
		c.order = kept
	}
	c.bytes[id] = b
	c.order = append(c.order, id)
	c.size += len(b)
}

func (c *smallFiles) remove(id string) {
	c.mu.Lock()
	c.dropLocked(id)
	c.mu.Unlock()
}

func (c *smallFiles) dropLocked(id string) {
	if b, ok := c.bytes[id]; ok {
		c.size -= len(b)
		delete(c.bytes, id)
	}
}

// readSmall reads f whole if it is no longer than end (offset+length of
// the read asked for, at most smallMax): its bytes and true, f closed.
// Otherwise f stays open for the caller.
func readSmall(f *os.File, end int64) ([]byte, bool, error) {
	b := make([]byte, end+1)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if int64(n) > end {
		return nil, false, nil
	}
	return b[:n:n], true, f.Close()
}

// memSection is a section of a small file read whole, as a section of
// the file would be: length bytes announced (Size), however many the
// file has (a file shorter than its row says is an error to the server).
func memSection(b []byte, offset, length int64) io.ReadCloser {
	if length < 0 {
		length = max(int64(len(b))-offset, 0)
	}
	return section{io.NewSectionReader(bytes.NewReader(b), offset, length), io.NopCloser(nil)}
}
