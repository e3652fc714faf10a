// Package fill reads a stream into fixed-size buffers, the way the
// content stores cut uploads into chunks.
package fill

import "io"

// Read reads from r until b is full, r ends (io.EOF, the only clean end:
// an io.ErrUnexpectedEOF from r is r's error, a broken upload, unlike
// io.ReadFull's) or r fails, and returns the bytes read and the error.
func Read(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
