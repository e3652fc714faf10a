package xop

import (
	"bytes"
	"errors"
	"io"
	"net/textproto"
	"strings"
)

// A streaming reader of MIME multipart bodies (RFC 2046), for MTOM.
//
// mime/multipart reads through a fixed 4 KiB buffer, so a part never
// yields more than 4 KiB per Read: a 1 GiB upload cost a quarter of a
// million reads, each scanned and copied once more. Here a large Read goes
// straight from the body into the caller's buffer and is scanned for the
// delimiter in place; only bytes from a delimiter on (or from what may be
// the start of one) are held back in the reader's own buffer.
//
// It accepts what mime/multipart accepts: a preamble, LF line endings when
// the first delimiter line ends in LF only, transport padding after a
// delimiter, and an empty part whose delimiter follows its header without
// a line break. Unlike mime/multipart it tells a package that ends after
// its close delimiter (io.EOF from NextPart) from one that stops short
// (errNoCloseDelimiter), and it answers io.EOF only once the epilogue (at
// most maxEpilogue bytes) has been read to the source's own io.EOF: a
// source that fails after the close delimiter (a body cut short of its
// Content-Length) fails the package.

const (
	mimeBufStart    = 2 * maxBodyHeaderBytes // enough for an envelope's package
	mimeBufSize     = 256 << 10              // grown to on the first large read; the largest direct read
	maxPreamble     = 64 << 10
	maxDelimiterPad = 1 << 10 // transport padding after a delimiter
	maxEpilogue     = 64 << 10
)

var (
	errNoCloseDelimiter = errors.New("the multipart body ends without its closing delimiter")
	errNoFirstDelimiter = errors.New("no multipart delimiter (is the boundary right?)")
	errLongEpilogue     = errors.New("the multipart body goes on for too long after its closing delimiter")
)

type mimeReader struct {
	src  io.Reader
	buf  []byte // bytes read but not consumed: buf[r:w]
	r, w int
	err  error // the source's error (io.EOF at its end), sticky

	nl    []byte // line ending: "\r\n", or "\n" for LF-only packages
	dash  []byte // "--" + boundary
	delim []byte // nl + dash: the end of a part's data

	part   *mimePart // the part handed out last
	parts  int
	closed bool  // the close delimiter was read
	end    error // once closed: io.EOF after a clean epilogue, or what broke it
}

// mimePart is one part of the package: its header, and its data up to the
// next delimiter.
type mimePart struct {
	Header textproto.MIMEHeader
	m      *mimeReader
	n      int64 // data bytes returned
	done   bool
	atDash bool // the part ended at a bare "--boundary" (an empty part)
}

// crlf is the line end a package starts with; its readers only reslice
// it (to a bare "\n" for packages that use one).
var crlf = []byte("\r\n")

func newMIMEReader(src io.Reader, boundary string) *mimeReader {
	delim := []byte("\r\n--" + boundary)
	return &mimeReader{
		src:   src,
		buf:   mimeBufs.Get().([]byte),
		nl:    crlf,
		dash:  delim[2:],
		delim: delim,
	}
}

// release gives the buffer back for the next request (the start size
// only: one grown for a large upload goes with the reader).
func (m *mimeReader) release() {
	if len(m.buf) == mimeBufStart {
		mimeBufs.Put(m.buf)
	}
	m.buf, m.src = nil, nil
}

// fill reads once more from the source into the buffer, moving held-back
// bytes to its front first. It reports false when nothing more can come
// (the source ended or failed, or the buffer is full).
func (m *mimeReader) fill() bool {
	if m.err != nil {
		return false
	}
	if m.r > 0 {
		m.w = copy(m.buf, m.buf[m.r:m.w])
		m.r = 0
	}
	if m.w == len(m.buf) {
		return false
	}
	n, err := m.src.Read(m.buf[m.w:])
	m.w += n
	if err != nil {
		m.err = err
	}
	return true
}

// need makes at least n bytes available unless the source ends first.
func (m *mimeReader) need(n int) []byte {
	for m.w-m.r < n && m.fill() {
	}
	return m.buf[m.r:m.w]
}

// line returns the next line, with its ending, of at most max bytes.
func (m *mimeReader) line(max int) ([]byte, error) {
	scanned := 0
	for {
		b := m.buf[m.r:m.w]
		if i := bytes.IndexByte(b[scanned:], '\n'); i >= 0 {
			end := scanned + i + 1
			if end > max {
				return nil, errLineTooLong
			}
			m.r += end
			return b[:end], nil
		}
		scanned = len(b)
		if scanned > max {
			return nil, errLineTooLong
		}
		if !m.fill() {
			if m.err == nil { // buffer full
				return nil, errLineTooLong
			}
			return nil, m.srcErr()
		}
	}
}

var errLineTooLong = errors.New("a line of the multipart body is too long")

// srcErr is the source's error once it cannot deliver what the package
// still owes: its end is then a truncation.
func (m *mimeReader) srcErr() error {
	if m.err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return m.err
}

// NextPart skips what is left of the current part and returns the next
// one. It answers io.EOF after the close delimiter and the epilogue.
func (m *mimeReader) NextPart() (*mimePart, error) {
	if m.closed {
		return nil, m.epilogue()
	}
	if m.part == nil {
		if err := m.firstDelimiter(); err != nil {
			return nil, err
		}
	} else {
		p := m.part
		if !p.done {
			buf := drainBufs.Get().([]byte)
			_, err := io.CopyBuffer(io.Discard, onlyReader{p}, buf)
			drainBufs.Put(buf)
			if err != nil {
				return nil, err
			}
		}
		d := m.delim
		if p.atDash {
			d = m.dash
		}
		m.r += len(d)
		if err := m.afterDelimiter(); err != nil {
			return nil, err
		}
	}
	if m.closed {
		return nil, m.epilogue()
	}
	if len(m.need(1)) == 0 && m.err == io.EOF {
		return nil, errNoCloseDelimiter // it ends after a delimiter line
	}
	hdr, err := m.header()
	if err != nil {
		return nil, err
	}
	m.parts++
	m.part = &mimePart{Header: hdr, m: m}
	return m.part, nil
}

// epilogue reads what follows the close delimiter to the source's end,
// once: io.EOF when the source ends cleanly within maxEpilogue bytes.
func (m *mimeReader) epilogue() error {
	if m.end != nil {
		return m.end
	}
	n := 0
	for {
		n += m.w - m.r
		m.r, m.w = 0, 0
		if n > maxEpilogue {
			m.end = errLongEpilogue
			return m.end
		}
		if m.err != nil {
			m.end = m.err // io.EOF, or the source's failure as it is
			return m.end
		}
		m.fill()
	}
}

// closeFollows reports, once the current part has been read to its end,
// whether its delimiter is the close delimiter (or the source ended
// there, so that no part can follow).
func (m *mimeReader) closeFollows() bool {
	d := len(m.delim)
	if m.part != nil && m.part.atDash {
		d = len(m.dash)
	}
	b := m.need(d + 2)
	if len(b) >= d+2 {
		return b[d] == '-' && b[d+1] == '-'
	}
	return m.err != nil
}

// onlyReader hides WriterTo/ReaderFrom so io.CopyBuffer uses its buffer.
type onlyReader struct{ io.Reader }

// firstDelimiter skips the preamble up to and including the first
// delimiter line, and learns the package's line ending from it.
func (m *mimeReader) firstDelimiter() error {
	skipped := 0
	for {
		ln, err := m.line(maxPreamble)
		if err == io.ErrUnexpectedEOF {
			// The last line, unterminated: the close delimiter alone is an
			// empty package.
			rest := bytes.TrimRight(m.buf[m.r:m.w], " \t")
			if bytes.HasPrefix(rest, m.dash) && bytes.Equal(rest[len(m.dash):], []byte("--")) {
				m.closed = true
				return nil
			}
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF || err == errLineTooLong {
				return errNoFirstDelimiter
			}
			return err
		}
		if bytes.HasPrefix(ln, m.dash) {
			rest := bytes.TrimLeft(ln[len(m.dash):], " \t")
			switch {
			case bytes.Equal(rest, []byte("\r\n")):
				return nil
			case bytes.Equal(rest, []byte("\n")):
				m.nl = m.nl[1:]
				m.delim = m.delim[1:]
				return nil
			case bytes.HasPrefix(rest, []byte("--")):
				m.closed = true // a package without parts
				return nil
			}
		}
		if skipped += len(ln); skipped > maxPreamble {
			return errNoFirstDelimiter
		}
	}
}

// afterDelimiter reads what follows a delimiter: "--" (the close
// delimiter), or transport padding and a line ending.
func (m *mimeReader) afterDelimiter() error {
	b := m.need(2)
	if len(b) >= 2 && b[0] == '-' && b[1] == '-' {
		m.r += 2
		m.closed = true
		return nil
	}
	ln, err := m.line(maxDelimiterPad)
	if err == io.ErrUnexpectedEOF {
		return errNoCloseDelimiter
	}
	if err != nil {
		return err
	}
	if len(bytes.TrimLeft(ln, " \t\r\n")) != 0 {
		return errors.New("a multipart delimiter is followed by text")
	}
	return nil
}

// header reads a part's header block, bounded in lines and bytes. The
// block is copied into one string that the names and values are cut from,
// and the values of single fields share one slice: a part's header costs
// a few allocations however many fields it has.
func (m *mimeReader) header() (textproto.MIMEHeader, error) {
	var scratch [512]byte
	block := scratch[:0]
	total, fields := 0, 0
	named := false // the last field has a name, so a line may continue it
	for lines := 0; ; lines++ {
		if lines > maxBodyHeaderLines {
			return nil, errors.New("too many header lines in a MIME part")
		}
		ln, err := m.line(maxBodyHeaderBytes - total)
		if err == errLineTooLong {
			return nil, errors.New("the header of a MIME part is too long")
		}
		if err != nil {
			return nil, err
		}
		total += len(ln)
		t := bytes.TrimRight(ln, "\r\n")
		if len(t) == 0 {
			break
		}
		if (t[0] != ' ' && t[0] != '\t') || !named {
			colon := bytes.IndexByte(t, ':')
			if colon < 0 {
				return nil, errors.New("a MIME part header line has no colon")
			}
			named = len(bytes.TrimSpace(t[:colon])) > 0
			fields++
		}
		block = append(append(block, t...), '\n')
	}
	hdr := make(textproto.MIMEHeader, fields)
	vals := make([]string, 0, fields)
	var last string
	for rest := string(block); rest != ""; {
		var s string
		s, rest, _ = strings.Cut(rest, "\n")
		if (s[0] == ' ' || s[0] == '\t') && last != "" {
			addHeaderLine(hdr, &last, s)
			continue
		}
		k, v, _ := strings.Cut(s, ":")
		last = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if prev, ok := hdr[last]; ok {
			hdr[last] = append(prev, v)
			continue
		}
		vals = append(vals, v)
		hdr[last] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	return hdr, nil
}

// addHeaderLine adds one line of a MIME header block to hdr: a field, or
// the continuation of the field named last.
func addHeaderLine(hdr textproto.MIMEHeader, last *string, s string) bool {
	if (s[0] == ' ' || s[0] == '\t') && *last != "" {
		vals := hdr[*last]
		vals[len(vals)-1] = strings.TrimSpace(vals[len(vals)-1] + " " + strings.TrimSpace(s))
		return true
	}
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	*last = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
	hdr.Add(*last, strings.TrimSpace(v))
	return true
}

// Read reads the part's data. A package that ends inside the part is
// io.ErrUnexpectedEOF.
func (p *mimePart) Read(b []byte) (int, error) {
	m := p.m
	if p.done || m.part != p {
		return 0, io.EOF
	}
	if len(b) == 0 {
		return 0, nil
	}
	for {
		if m.r < m.w {
			safe, end := p.scan(m.buf[m.r:m.w], m.err != nil)
			if safe > 0 {
				n := copy(b, m.buf[m.r:m.r+safe])
				m.r += n
				p.n += int64(n)
				return n, nil
			}
			if end {
				p.done = true
				return 0, io.EOF
			}
			if m.err != nil {
				return 0, m.srcErr()
			}
			m.fill()
			continue
		}
		if m.err != nil {
			return 0, m.srcErr()
		}
		if len(b) < 32<<10 {
			m.fill()
			continue
		}
		// Nothing held back: read into b and scan it there. Whatever
		// follows a delimiter (or might begin one) is moved to buf, which
		// is why a direct read is no larger than buf. Most packages are an
		// envelope alone and never need the large buffer.
		if len(b) > len(m.buf) && len(m.buf) < mimeBufSize {
			m.buf = make([]byte, mimeBufSize)
			m.r, m.w = 0, 0
		}
		d := b[:min(len(b), len(m.buf))]
		n, err := m.src.Read(d)
		if err != nil {
			m.err = err
		}
		if n == 0 {
			continue
		}
		safe, _ := p.scan(d[:n], m.err != nil)
		if safe < n {
			m.r, m.w = 0, copy(m.buf, d[safe:n])
		}
		if safe > 0 {
			p.n += int64(safe)
			return safe, nil
		}
	}
}

// scan finds how much of b is the part's data for sure (safe), and
// whether the part ends right there (end). Bytes from safe on are a
// delimiter, or may begin one and need more input to tell; at the end of
// the input (eof) a partial delimiter is data.
func (p *mimePart) scan(b []byte, eof bool) (safe int, end bool) {
	m := p.m
	if p.n == 0 && !eof && len(b) < len(m.dash) && bytes.HasPrefix(m.dash, b) {
		return 0, false // may be the bare "--boundary" of an empty part
	}
	if p.n == 0 && bytes.HasPrefix(b, m.dash) {
		// An empty part whose header is followed directly by "--boundary".
		switch m.afterPrefix(b, len(m.dash), eof) {
		case 1:
			p.atDash = true
			return 0, true
		case 0:
			return 0, false
		}
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], m.delim)
		if j < 0 {
			break
		}
		j += i
		switch m.afterPrefix(b[j:], len(m.delim), eof) {
		case 1:
			return j, true
		case 0:
			return j, false
		}
		i = j + 1
	}
	if eof {
		return len(b), false
	}
	// Hold back a tail that is the start of a delimiter.
	for k := max(0, len(b)-len(m.delim)+1); k < len(b); k++ {
		if b[k] == m.delim[0] && bytes.HasPrefix(m.delim, b[k:]) {
			return k, false
		}
	}
	return len(b), false
}

// afterPrefix tells whether b, which starts with a delimiter of n bytes,
// is a real one (1), is not (-1), or cannot tell yet (0): a delimiter is
// followed by "--", white space or a line ending, or by the end of input.
func (m *mimeReader) afterPrefix(b []byte, n int, eof bool) int {
	if len(b) == n {
		if eof {
			return 1
		}
		return 0
	}
	switch c := b[n]; c {
	case ' ', '\t', '\r', '\n':
		return 1
	case '-':
		if len(b) == n+1 {
			if eof {
				return -1
			}
			return 0
		}
		if b[n+1] == '-' {
			return 1
		}
	}
	return -1
}
