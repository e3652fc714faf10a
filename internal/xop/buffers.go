package xop

import (
	"bufio"
	"io"
	"sync"
)

// The read buffers are reused across requests: a request that is an
// envelope alone would otherwise allocate over 100 KiB of them, which was
// most of what a getObject allocated.
var (
	headerReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 2*maxBodyHeaderBytes) }}
	divertReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, divertBufSize) }}
	mimeBufs      = sync.Pool{New: func() any { return make([]byte, mimeBufStart) }}
	drainBufs     = sync.Pool{New: func() any { return make([]byte, 32<<10) }}
)

func getReader(p *sync.Pool, src io.Reader) *bufio.Reader {
	br := p.Get().(*bufio.Reader)
	br.Reset(src)
	return br
}

func putReader(p *sync.Pool, br *bufio.Reader) {
	br.Reset(nil)
	p.Put(br)
}
