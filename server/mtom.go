package server

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/textproto"
	"strings"

	"github.com/cmisd/cmisd/cmis"
)

// MTOM/XOP request reading.
//
// The package is a stream of MIME parts. The root part (named by the start
// parameter, else the first) is handed to the diverter; attachments are
// consumed in order afterwards, and the one a <stream> references reaches
// the handler as a reader over the live part. Parts that arrive before
// they are needed (before the root, or between the root and the part
// wanted) are spooled to disk; parts nobody references are discarded.

const (
	maxBodyHeaderLines = 64
	maxBodyHeaderBytes = 16 << 10
	maxEarlyParts      = 64 // parts spooled before the root part is found
)

type mtomReader struct {
	mr    *mimeReader
	spool *spooler
	early []earlyPart // spooled parts, in arrival order
	eof   bool
	live  *partReader // the part handed out last, if any
}

type earlyPart struct {
	cid  string
	path string
}

// mtomParams completes the parameters of a multipart/related request. WCF
// on Mono sends an HTTP Content-Type without boundary and puts MIME-Version
// and the real Content-Type at the top of the body; some stacks omit the
// boundary and the body simply starts with "--boundary".
func mtomParams(br *bufio.Reader, params map[string]string) (map[string]string, error) {
	if params["boundary"] != "" {
		return params, nil
	}
	// Blank lines before the first boundary or header are preamble.
	for {
		p, _ := br.Peek(2)
		switch {
		case bytes.HasPrefix(p, []byte("\r\n")):
			br.Discard(2)
			continue
		case bytes.HasPrefix(p, []byte("\n")):
			br.Discard(1)
			continue
		}
		break
	}
	first, err := br.Peek(2)
	if err != nil {
		if err == io.EOF {
			return nil, badRequest("multipart/related request without a boundary")
		}
		return nil, readErr(err)
	}
	if string(first) == "--" {
		line, err := br.Peek(1024) // short at the end of the body
		if err != nil && len(line) == 0 {
			return nil, readErr(err)
		}
		if i := bytes.IndexByte(line, '\n'); i > 2 {
			b := strings.TrimSpace(string(line[2:i]))
			if b != "" {
				out := copyParams(params)
				out["boundary"] = b
				return out, nil
			}
		}
		return nil, badRequest("multipart/related request without a boundary")
	}
	hdr, err := readBodyHeader(br)
	if err != nil {
		return nil, err
	}
	ct := hdr.Get("Content-Type")
	mt, inner := parseMediaType(ct)
	if !strings.HasPrefix(mt, "multipart/") || inner["boundary"] == "" {
		return nil, badRequest("multipart/related request without a boundary (neither in the HTTP Content-Type nor at the top of the body)")
	}
	out := copyParams(params)
	for k, v := range inner {
		out[k] = v
	}
	return out, nil
}

func copyParams(p map[string]string) map[string]string {
	out := make(map[string]string, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

// readBodyHeader reads a bounded MIME header block from the top of the
// body (up to the empty line).
func readBodyHeader(br *bufio.Reader) (textproto.MIMEHeader, error) {
	hdr := textproto.MIMEHeader{}
	var last string
	total := 0
	for lines := 0; ; lines++ {
		if lines > maxBodyHeaderLines {
			return nil, badRequest("too many MIME header lines at the top of the multipart body")
		}
		line, err := br.ReadSlice('\n')
		total += len(line)
		if err == bufio.ErrBufferFull || total > maxBodyHeaderBytes {
			return nil, badRequest("the MIME header at the top of the multipart body is too long")
		}
		if err == io.EOF {
			return nil, badRequest("multipart/related request without a boundary")
		}
		if err != nil {
			return nil, readErr(err)
		}
		s := strings.TrimRight(string(line), "\r\n")
		if s == "" {
			if len(hdr) == 0 {
				continue // leading blank lines
			}
			return hdr, nil
		}
		if !addHeaderLine(hdr, &last, s) {
			return nil, badRequest("multipart/related request without a boundary")
		}
	}
}

// openMTOM starts reading an MTOM package and returns the reader over the
// root part's XML.
func openMTOM(br *bufio.Reader, params map[string]string, sp *spooler) (*mtomReader, io.Reader, textproto.MIMEHeader, error) {
	m := &mtomReader{mr: newMIMEReader(br, params["boundary"]), spool: sp}
	start := params["start"]
	for {
		part, err := m.next()
		if err != nil {
			if err == io.EOF {
				if start != "" && len(m.early) > 0 {
					return nil, nil, nil, badRequest("the MTOM package has no part with the Content-ID named by start (%s)", normCID(start))
				}
				return nil, nil, nil, badRequest("the MTOM package has no MIME part (is the boundary right?)")
			}
			return nil, nil, nil, err
		}
		cid := part.Header.Get("Content-Id")
		if start == "" || cidMatch(start, cid) {
			r, err := decodeCTE(part)
			if err != nil {
				return nil, nil, nil, err
			}
			m.live = &partReader{r: r}
			return m, m.live, part.Header, nil
		}
		if len(m.early) >= maxEarlyParts {
			return nil, nil, nil, badRequest("the MTOM package has more than %d parts before its root part", maxEarlyParts)
		}
		if err := m.spoolPart(part); err != nil {
			return nil, nil, nil, err
		}
	}
}

// next advances to the next part, mapping framing errors to faults.
func (m *mtomReader) next() (*mimePart, error) {
	if m.eof {
		return nil, io.EOF
	}
	part, err := m.mr.NextPart()
	if err == nil {
		return part, nil
	}
	m.eof = true
	if err == io.EOF {
		return nil, io.EOF
	}
	var re *requestError
	if errors.As(err, &re) {
		return nil, err // the body's own limits and deadlines
	}
	msg := "broken MTOM framing: " + err.Error()
	switch err {
	case errNoFirstDelimiter:
		msg = "the MTOM package has no MIME part (is the boundary right?)"
	case io.ErrUnexpectedEOF:
		msg = "broken MTOM framing: the multipart body is truncated or its boundary is wrong"
	}
	return nil, &requestError{typ: cmis.ErrInvalidArgument, msg: msg, err: err}
}

func (m *mtomReader) spoolPart(part *mimePart) error {
	r, err := decodeCTE(part)
	if err != nil {
		return err
	}
	// Read errors come back as client errors from partReader; anything
	// else is the spool file's (an internal error).
	path, _, err := m.spool.spoolFrom(&partReader{r: r})
	if err != nil {
		return err
	}
	m.early = append(m.early, earlyPart{cid: part.Header.Get("Content-Id"), path: path})
	return nil
}

// resolve finds the parts the hrefs (in document order) name and returns a
// reader for each. The last one that is not already spooled is the live
// part; parts in between are spooled if referenced and discarded if not.
func (m *mtomReader) resolve(hrefs []string) ([]io.Reader, error) {
	out := make([]io.Reader, len(hrefs))
	for i, h := range hrefs {
		if r, ok, err := m.fromEarly(h); err != nil {
			return nil, err
		} else if ok {
			out[i] = r
			continue
		}
		for {
			part, err := m.next()
			if err == io.EOF {
				return nil, badRequest("xop:Include names cid:%s, but the MTOM package has no such part", h)
			}
			if err != nil {
				return nil, err
			}
			cid := part.Header.Get("Content-Id")
			if cidMatch(h, cid) && !referencedLater(hrefs[i+1:], cid) {
				r, err := decodeCTE(part)
				if err != nil {
					return nil, err
				}
				// The content ends only where the package does: a body cut
				// after the part, before its closing delimiter, must fail
				// the upload rather than commit it.
				m.live = &partReader{r: r, end: m.expectEnd}
				out[i] = m.live
				break
			}
			if referencedLater(hrefs[i:], cid) {
				if err := m.spoolPart(part); err != nil {
					return nil, err
				}
				if r, ok, err := m.fromEarly(h); err != nil {
					return nil, err
				} else if ok {
					out[i] = r
					break
				}
				continue
			}
			if _, err := io.Copy(io.Discard, &partReader{r: part}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func referencedLater(hrefs []string, cid string) bool {
	for _, h := range hrefs {
		if cidMatch(h, cid) {
			return true
		}
	}
	return false
}

func (m *mtomReader) fromEarly(href string) (io.Reader, bool, error) {
	for _, e := range m.early {
		if cidMatch(href, e.cid) {
			r, err := m.spool.openRead(e.path)
			return r, err == nil, err
		}
	}
	return nil, false, nil
}

// decodeCTE undoes the part's Content-Transfer-Encoding.
func decodeCTE(part *mimePart) (io.Reader, error) {
	switch cte := strings.ToLower(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding"))); cte {
	case "", "binary", "8bit", "7bit":
		return part, nil
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, part), nil
	case "quoted-printable":
		return quotedprintable.NewReader(part), nil
	default:
		return nil, badRequest("unsupported Content-Transfer-Encoding %q in the MTOM package", cte)
	}
}

// expectEnd reads past the live part to the package's closing delimiter,
// discarding parts nobody references; a package that stops short is a
// framing error.
func (m *mtomReader) expectEnd() error {
	for {
		part, err := m.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, &partReader{r: part}); err != nil {
			return err
		}
	}
}

// partReader reads a live MIME part and turns framing errors into
// invalidArgument errors, which a handler passes on as they are. With end
// set, its io.EOF waits until end has checked what follows the part.
type partReader struct {
	r     io.Reader
	err   error
	end   func() error
	ended bool
}

func (p *partReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		p.err = err
		return n, partErr(err)
	}
	if err == io.EOF && p.end != nil && !p.ended {
		p.ended = true
		if e := p.end(); e != nil {
			p.err = e
			return n, partErr(e)
		}
		return n, io.EOF
	}
	return n, err
}

// partErr is the client-visible error for a failure reading a MIME part.
func partErr(err error) error {
	var ce *cmis.Error
	if errors.As(err, &ce) {
		return err
	}
	var re *requestError
	if errors.As(err, &re) {
		if re.typ == "" {
			return &cmis.Error{Type: cmis.ErrInvalidArgument, Message: re.msg, Err: re}
		}
		return &cmis.Error{Type: re.typ, Message: re.msg, Err: re}
	}
	// The client's package is broken. Services see an invalidArgument
	// error; the requestError inside makes the fault a Client one, like
	// every other framing error.
	const msg = "broken MTOM framing: a MIME part is truncated or its closing boundary is missing"
	return &cmis.Error{Type: cmis.ErrInvalidArgument, Message: msg,
		Err: &requestError{typ: cmis.ErrInvalidArgument, msg: msg, err: err}}
}
