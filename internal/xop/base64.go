package xop

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
)

// b64Sink decodes base64 text written to it in arbitrary pieces: into
// memory up to the spooler's bounds (memStream), then into a spool file.
type b64Sink struct {
	sp     *spooler
	mem    []byte   // decoded so far, while no file
	f      *os.File // nil until mem would pass its bound
	w      *bufio.Writer
	buf    []byte // pending base64 characters, white space removed
	dec    []byte
	padded bool
	done   bool
}

func newB64Sink(sp *spooler) *b64Sink {
	return &b64Sink{
		sp:  sp,
		buf: make([]byte, 0, b64ChunkSize),
		dec: make([]byte, base64.StdEncoding.DecodedLen(b64ChunkSize)),
	}
}

// out keeps decoded bytes: in memory while they fit, else in the file
// (created at the first write that does not fit, with what memory held).
func (s *b64Sink) out(p []byte) error {
	if s.f == nil {
		if len(s.mem)+len(p) <= memStream && s.sp.takeMemory(len(p)) {
			s.mem = append(s.mem, p...)
			return nil
		}
		f, err := s.sp.create()
		if err != nil {
			return err
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
		if _, err := s.w.Write(s.mem); err != nil {
			return err
		}
		s.sp.giveMemory(len(s.mem))
		s.mem = nil
	}
	_, err := s.w.Write(p)
	return err
}

var errBase64 = errorf("the content of <stream> is not valid base64")

func (s *b64Sink) write(p []byte) error {
	for len(p) > 0 {
		// The longest run without white space, up to the free room.
		n := 0
		for n < len(p) && n < cap(s.buf)-len(s.buf) && !isSpaceByte(p[n]) {
			n++
		}
		if n == 0 {
			p = p[1:] // white space
			continue
		}
		run := p[:n]
		p = p[n:]
		if s.padded && len(bytes.Trim(run, "=")) > 0 {
			return errBase64 // data after the padding
		}
		if i := bytes.IndexByte(run, '='); i >= 0 {
			s.padded = true
			for _, c := range run[i:] {
				if c != '=' {
					return errBase64
				}
			}
		}
		s.buf = append(s.buf, run...)
		if len(s.buf) == cap(s.buf) {
			if err := s.flush(len(s.buf)); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush decodes the first n pending characters (a multiple of 4).
func (s *b64Sink) flush(n int) error {
	m, err := base64.StdEncoding.Decode(s.dec, s.buf[:n])
	if err != nil {
		return errBase64
	}
	if err := s.out(s.dec[:m]); err != nil {
		return fmt.Errorf("spooling inline content: %w", err)
	}
	s.buf = append(s.buf[:0], s.buf[n:]...)
	return nil
}

// finish decodes the rest, closes the file and returns its placeholder id.
func (s *b64Sink) finish() (string, error) {
	n := len(s.buf) - len(s.buf)%4
	if err := s.flush(n); err != nil {
		s.abort()
		return "", err
	}
	if len(s.buf) > 0 {
		// Missing padding: tolerated.
		if s.padded {
			s.abort()
			return "", errBase64
		}
		m, err := base64.RawStdEncoding.Decode(s.dec, s.buf)
		if err != nil {
			s.abort()
			return "", errBase64
		}
		if err := s.out(s.dec[:m]); err != nil {
			s.abort()
			return "", fmt.Errorf("spooling inline content: %w", err)
		}
	}
	if s.f == nil {
		s.done = true
		return s.sp.register(spooled{data: s.mem}), nil
	}
	if err := s.w.Flush(); err != nil {
		s.abort()
		return "", fmt.Errorf("spooling inline content: %w", err)
	}
	s.done = true
	if err := s.f.Close(); err != nil {
		return "", fmt.Errorf("spooling inline content: %w", err)
	}
	return s.sp.register(spooled{path: s.f.Name()}), nil
}

// abort closes the file if finish did not (the spooler removes it).
func (s *b64Sink) abort() {
	if !s.done {
		s.done = true
		if s.f != nil {
			s.f.Close()
		}
	}
}
