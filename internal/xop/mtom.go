package xop

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/textproto"
	"net/url"
	"strings"
)

// MTOM/XOP request reading.
//
// The package is a stream of MIME parts. The root part (named by the start
// parameter, else the first) is handed to the diverter; attachments are
// consumed in order afterwards, and the one a <stream> references reaches
// the handler as a reader over the live part. Parts that arrive before
// they are needed (before the root, or between the root and the part
// wanted) are spooled to disk; parts nobody references are discarded.
//
// The last reader handed out (the root when no part follows it, else the
// live attachment) delivers its io.EOF only after the close delimiter and
// the epilogue have been read to the body's clean end; when no attachment
// is live, resolve reads the package to its end before it returns.

const (
	maxBodyHeaderLines = 64
	maxBodyHeaderBytes = 16 << 10
	maxEarlyParts      = 64 // parts spooled before the root part is found
)

type mtomReader struct {
	rd    *Reader
	mr    *mimeReader
	start string      // the start parameter
	seen  contentIDs  // Content-IDs of the parts read so far
	early []earlyPart // spooled parts, in arrival order
	done  error       // io.EOF after the close delimiter, or what ended the package
	live  *partReader // the attachment handed out, if any
	// failed is the first error a partReader returned to its consumer.
	failed error
}

type earlyPart struct {
	cid  string
	path string
}

// mtomParams completes the parameters of a multipart/related request.
// WCF on Mono sends an HTTP Content-Type without boundary and puts
// MIME-Version and the real Content-Type at the top of the body: that is
// a declaration and is honoured. A body that merely starts with what looks
// like a delimiter declares nothing; the boundary is never guessed.
func mtomParams(br *bufio.Reader, params map[string]string) (map[string]string, error) {
	if params["boundary"] != "" {
		return params, nil
	}
	const noBoundary = "multipart/related request without a boundary (neither in the HTTP Content-Type nor in a MIME header at the top of the body)"
	hdr, err := readBodyHeader(br, noBoundary)
	if err != nil {
		return nil, err
	}
	mt, inner := ParseMediaType(hdr.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") || inner["boundary"] == "" {
		return nil, errorf("%s", noBoundary)
	}
	out := make(map[string]string, len(params)+len(inner))
	for k, v := range params {
		out[k] = v
	}
	for k, v := range inner {
		out[k] = v
	}
	return out, nil
}

// readBodyHeader reads a bounded MIME header block from the top of the
// body (up to the empty line); blank lines before it are skipped.
func readBodyHeader(br *bufio.Reader, noBoundary string) (textproto.MIMEHeader, error) {
	hdr := textproto.MIMEHeader{}
	var last string
	total := 0
	for lines := 0; ; lines++ {
		if lines > maxBodyHeaderLines {
			return nil, errorf("too many MIME header lines at the top of the multipart body")
		}
		line, err := br.ReadSlice('\n')
		total += len(line)
		if err == bufio.ErrBufferFull || total > maxBodyHeaderBytes {
			return nil, errorf("the MIME header at the top of the multipart body is too long")
		}
		if err == io.EOF {
			return nil, errorf("%s", noBoundary)
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
			return nil, errorf("%s", noBoundary)
		}
	}
}

// openRoot reads up to the root part and returns the reader over its
// data (Content-Transfer-Encoding undone) and its header. Parts before it
// are spooled.
func (m *mtomReader) openRoot() (io.Reader, textproto.MIMEHeader, error) {
	for {
		part, err := m.next()
		if err != nil {
			if err == io.EOF {
				if m.start != "" && len(m.early) > 0 {
					return nil, nil, errorf("the MTOM package has no part with the Content-ID named by start (%s)", normCID(m.start))
				}
				return nil, nil, errorf("the MTOM package has no MIME part (is the boundary right?)")
			}
			return nil, nil, err
		}
		cid := part.Header.Get("Content-Id")
		if m.start == "" || cidMatch(m.start, cid) {
			r, err := decodeCTE(part)
			if err != nil {
				return nil, nil, err
			}
			return &partReader{m: m, r: r, end: m.rootEnd}, part.Header, nil
		}
		if len(m.early) >= maxEarlyParts {
			return nil, nil, errorf("the MTOM package has more than %d parts before its root part", maxEarlyParts)
		}
		if err := m.spoolPart(part); err != nil {
			return nil, nil, err
		}
	}
}

// rootEnd runs at the end of the root part: when it is the last part, the
// package is read to its end before the XML's io.EOF.
func (m *mtomReader) rootEnd() error {
	if m.mr.closeFollows() {
		return m.expectEnd()
	}
	return nil
}

// next advances to the next part, mapping framing errors to *Error. What
// ends the package (io.EOF or an error) is sticky.
func (m *mtomReader) next() (*mimePart, error) {
	if m.done != nil {
		return nil, m.done
	}
	part, err := m.mr.NextPart()
	if err == nil {
		err = m.checkCID(part.Header.Get("Content-Id"))
	}
	if err == nil {
		return part, nil
	}
	if err != io.EOF {
		err = framingErr(err)
	}
	m.done = err
	return nil, err
}

// checkCID refuses a second part with a Content-ID already seen: an href
// naming it would be ambiguous.
func (m *mtomReader) checkCID(cid string) error {
	id := normCID(cid)
	if id == "" {
		return nil
	}
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	if !m.seen.add(id) {
		return errorf("two MIME parts of the MTOM package have the Content-ID <%s>", normCID(cid))
	}
	return nil
}

// contentIDs is a set of Content-IDs: a few in a slice (a request has
// one or two parts; a map cost every request a table), many in a map.
type contentIDs struct {
	few  []string
	many map[string]bool
}

const fewContentIDs = 8

// add adds id and reports whether it was new.
func (c *contentIDs) add(id string) bool {
	if c.many != nil {
		if c.many[id] {
			return false
		}
		c.many[id] = true
		return true
	}
	for _, s := range c.few {
		if s == id {
			return false
		}
	}
	if len(c.few) < fewContentIDs {
		c.few = append(c.few, id)
		return true
	}
	c.many = make(map[string]bool, 2*fewContentIDs)
	for _, s := range c.few {
		c.many[s] = true
	}
	c.many[id] = true
	return true
}

// framingErr is the client's error for a broken package.
func framingErr(err error) error {
	var xe *Error
	if errors.As(err, &xe) {
		return err // the body's own limits and deadlines
	}
	msg := "broken MTOM framing: " + err.Error()
	switch err {
	case errNoFirstDelimiter:
		msg = "the MTOM package has no MIME part (is the boundary right?)"
	case io.ErrUnexpectedEOF:
		msg = "broken MTOM framing: the multipart body is truncated or its boundary is wrong"
	}
	return &Error{Msg: msg, Err: err}
}

func (m *mtomReader) spoolPart(part *mimePart) error {
	if err := m.rd.contentStarts(); err != nil {
		return err
	}
	r, err := decodeCTE(part)
	if err != nil {
		return err
	}
	// Read errors come back as client errors from partReader; anything
	// else is the spool file's (an internal error).
	path, _, err := m.rd.spool.spoolFrom(&partReader{m: m, r: r})
	if err != nil {
		return err
	}
	m.early = append(m.early, earlyPart{cid: part.Header.Get("Content-Id"), path: path})
	return nil
}

// resolve finds the parts the hrefs (in document order) name and returns a
// reader for each. The last one that is not already spooled is the live
// part; parts in between are spooled if referenced and discarded if not.
// Without a live part, the package is read to its end before it returns.
func (m *mtomReader) resolve(hrefs []string) ([]io.Reader, error) {
	out := make([]io.Reader, len(hrefs))
	for i, h := range hrefs {
		r, err := m.find(h, hrefs[i+1:])
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	if m.live == nil {
		if err := m.expectEnd(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// find returns the reader of the part href names; later are the hrefs
// still to come.
func (m *mtomReader) find(h string, later []string) (io.Reader, error) {
	if r, ok, err := m.fromEarly(h); err != nil || ok {
		return r, err
	}
	for {
		part, err := m.next()
		if err == io.EOF {
			return nil, errorf("xop:Include names cid:%s, but the MTOM package has no such part", h)
		}
		if err != nil {
			return nil, err
		}
		cid := part.Header.Get("Content-Id")
		if cidMatch(h, cid) && !referencedLater(later, cid) {
			if err := m.rd.contentStarts(); err != nil {
				return nil, err
			}
			r, err := decodeCTE(part)
			if err != nil {
				return nil, err
			}
			// The content ends only where the body does: a body cut
			// after the part, before its closing delimiter or its
			// Content-Length, must fail the upload rather than commit it.
			m.live = &partReader{m: m, r: r, end: m.expectEnd}
			return m.live, nil
		}
		if cidMatch(h, cid) || referencedLater(later, cid) {
			if err := m.spoolPart(part); err != nil {
				return nil, err
			}
			if r, ok, err := m.fromEarly(h); err != nil || ok {
				return r, err
			}
			continue
		}
		if _, err := io.Copy(io.Discard, &partReader{m: m, r: part}); err != nil {
			return nil, err
		}
	}
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
			r, err := m.rd.spool.openRead(spooled{path: e.path})
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
		return nil, errorf("unsupported Content-Transfer-Encoding %q in the MTOM package", cte)
	}
}

// expectEnd reads past the current part to the package's closing
// delimiter and the body's clean end, discarding parts nobody references;
// a package that stops short is a framing error.
func (m *mtomReader) expectEnd() error {
	for {
		part, err := m.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, &partReader{m: m, r: part}); err != nil {
			return err
		}
	}
}

// partReader reads a MIME part and turns framing errors into *Error. With
// end set, its io.EOF waits until end has checked what follows the part.
// Its error is sticky (see sticky).
type partReader struct {
	m     *mtomReader
	r     io.Reader
	end   func() error
	ended bool
	err   error
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		return n, p.fail(partErr(err))
	}
	if err == io.EOF && p.end != nil && !p.ended {
		p.ended = true
		if e := p.end(); e != nil {
			return n, p.fail(e)
		}
	}
	return n, err
}

func (p *partReader) fail(err error) error {
	p.err = err
	if p.m.failed == nil {
		p.m.failed = err
	}
	return err
}

// partErr is the client-visible error for a failure reading a MIME part.
func partErr(err error) error {
	var xe *Error
	if errors.As(err, &xe) {
		return err
	}
	return &Error{Msg: "broken MTOM framing: a MIME part is truncated or its closing boundary is missing", Err: err}
}
