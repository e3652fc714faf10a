package xop

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// spooler owns the temporary files of one request: inline base64 content
// diverted out of the XML, and MIME parts that arrived before they were
// needed. Everything is removed by cleanup when the request ends.
//
// Inline content of up to memStream bytes stays in memory instead (most
// documents are small, and creating and removing a file costs more than
// the request's SQL), as long as the request's streams together hold no
// more than memRequest: a request of many small streams spills to files
// like a large one.
type spooler struct {
	dir string

	mu      sync.Mutex
	seq     int
	paths   []string
	open    []*os.File
	byID    map[string]spooled // placeholder id -> where the bytes are
	memUsed int
}

// spooled is where a spooled stream is: a file, or memory.
type spooled struct {
	path string
	data []byte // when path is ""
}

const (
	memStream  = 64 << 10
	memRequest = 256 << 10
)

// takeMemory reserves n more bytes of the request's memory for a stream
// held in memory; false: spill to a file.
func (s *spooler) takeMemory(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.memUsed+n > memRequest {
		return false
	}
	s.memUsed += n
	return true
}

// giveMemory returns what a stream that spilled to a file had reserved.
func (s *spooler) giveMemory(n int) {
	s.mu.Lock()
	s.memUsed -= n
	s.mu.Unlock()
}

func newSpooler(dir string) *spooler {
	return &spooler{dir: dir} // byID made by the first register
}

// placeholderID is the Content-ID of the n-th diverted inline stream. The
// ".invalid" domain cannot be a real client's Content-ID by accident.
func placeholderID(n int) string { return fmt.Sprintf("spool-%d@cmisd.invalid", n) }

// create makes a new spool file for writing. The caller closes it.
func (s *spooler) create() (*os.File, error) {
	f, err := os.CreateTemp(s.dir, "cmisd-spool-*")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.paths = append(s.paths, f.Name())
	s.mu.Unlock()
	return f, nil
}

// register names a finished spooled stream for later lookup by id,
// returning a new placeholder id.
func (s *spooler) register(sp spooled) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := placeholderID(s.seq)
	if s.byID == nil {
		s.byID = map[string]spooled{}
	}
	s.byID[id] = sp
	return id
}

// lookup is where the stream of a placeholder id is.
func (s *spooler) lookup(id string) (spooled, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[id]
	return p, ok
}

// openRead opens a spooled stream for reading; a file is closed by
// cleanup.
func (s *spooler) openRead(sp spooled) (io.Reader, error) {
	if sp.path == "" {
		return &memoryStream{bytes.NewReader(sp.data)}, nil
	}
	f, err := os.Open(sp.path)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.open = append(s.open, f)
	s.mu.Unlock()
	return f, nil
}

// memoryStream is a stream spooled in memory.
type memoryStream struct{ *bytes.Reader }

// Spooled reports whether r, a stream Streams returned, was read ahead
// of its consumer (to a spool file or memory), rather than being read
// live from the request body.
func Spooled(r io.Reader) bool {
	switch r.(type) {
	case *os.File, *memoryStream:
		return true
	}
	return false
}

// spoolFrom copies r into a new spool file and returns its path.
func (s *spooler) spoolFrom(r io.Reader) (string, int64, error) {
	f, err := s.create()
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), n, err
}

// cleanup closes and removes every file of the request.
func (s *spooler) cleanup() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.open {
		f.Close()
	}
	for _, p := range s.paths {
		os.Remove(p)
	}
	s.open, s.paths = nil, nil
	s.byID = nil
	s.memUsed = 0
}

// SweepSpool removes spool files older than grace from dir: those of
// requests that were cut off by a crash (at start-up, none of this
// process's requests is running; younger files may be another's).
func SweepSpool(dir string, grace time.Duration, now time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "cmisd-spool-") {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < grace {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}
