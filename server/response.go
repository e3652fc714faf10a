package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// Response writing. A response is answered in the encoding of the request:
// MTOM in, MTOM out (root part first, one attachment per content stream);
// text in, text out (content inline as base64, streamed).

const (
	// envelopeOpen declares the prefixes faults use; a response's body
	// element declares the ones it uses itself (generated.BodyNamespaces).
	envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?>` +
		`<soap:Envelope xmlns:soap="` + soap11NS + `" xmlns:xsi="` + xsiNS +
		`" xmlns:cmis="` + cmis.CoreNS + `" xmlns:cmism="` + cmis.MessagingNS + `"><soap:Body>`
	responseOpen  = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Body>`
	envelopeClose = `</soap:Body></soap:Envelope>`
	rootCID       = "root.message@cmisd"
	textXMLType   = "text/xml; charset=utf-8"
)

// randomHex is prefix and n random bytes (n at most 16) in hex, in one
// allocation.
func randomHex(prefix string, n int) string {
	var b [16]byte
	var h [32]byte
	rand.Read(b[:n])
	hex.Encode(h[:], b[:n])
	return prefix + string(h[:2*n])
}

// mimeVersion is the MIME-Version header's value, shared by every answer.
var mimeVersion = []string{"1.0"}

// outStream is a content stream of a response.
type outStream struct {
	id string // Content-ID (and href) of the attachment
	r  io.Reader
}

func closeStreams(streams []outStream) {
	for _, s := range streams {
		if c, ok := s.r.(io.Closer); ok {
			c.Close()
		}
	}
}

// bodyWriter is a generated SOAP body element.
type bodyWriter interface{ WriteBody(w *xsd.Writer) }

// spillSize is how much of a response is kept to send it with a
// Content-Length; past it the response streams out (chunked) as it is
// written, so a large listing never sits in memory whole.
const spillSize = 64 << 10

var writerPool = sync.Pool{New: func() any { return xsd.NewWriter(make([]byte, 0, spillSize+spillSize/4)) }}

// encoder writes one response envelope: through a pooled xsd.Writer into
// the connection, MTOM or text as the request was.
type encoder struct {
	w        http.ResponseWriter
	xw       *xsd.Writer
	mtom     bool
	boundary string
	streams  []outStream // MTOM attachments, in the order of their xop:Include
	inlined  []io.Reader // streams written inline, closed with the encoder
	tag      string      // makes Content-IDs unique per response
	started  bool        // the status line and part of the body are out
	// contentOut counts the bytes of content streams sent.
	contentOut int64
}

func newEncoder(w http.ResponseWriter, mtom, v10 bool) *encoder {
	e := &encoder{w: w, mtom: mtom, xw: writerPool.Get().(*xsd.Writer)}
	e.xw.Reset()
	e.xw.V10 = v10
	e.xw.SetOutput(spillSize, e.spill)
	if mtom {
		e.xw.Stream = e.attach
	} else {
		e.xw.Stream = e.inline
	}
	return e
}

func (e *encoder) release() {
	closeStreams(e.streams)
	for _, r := range e.inlined {
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
	}
	e.xw.Stream = nil
	if cap(e.xw.Bytes()) <= 4*spillSize {
		writerPool.Put(e.xw)
	}
}

// attach writes an xop:Include for a stream and queues it as an MTOM
// attachment.
func (e *encoder) attach(w *xsd.Writer, s *xsd.Stream) {
	if s.Reader == nil {
		w.Fail(errors.New("server: a response stream without content"))
		return
	}
	if e.tag == "" {
		e.tag = randomHex("", 8)
	}
	id := "content-" + strconv.Itoa(len(e.streams)+1) + "-" + e.tag + "@cmisd"
	e.streams = append(e.streams, outStream{id: id, r: s.Reader})
	w.Raw(`<xop:Include xmlns:xop="` + xsd.XOPNS + `" href="cid:`)
	w.Raw(id)
	w.Raw(`"/>`)
}

// inline writes a stream's content as base64 text, as it is read.
func (e *encoder) inline(w *xsd.Writer, s *xsd.Stream) {
	if s.Reader == nil {
		w.Fail(errors.New("server: a response stream without content"))
		return
	}
	e.inlined = append(e.inlined, s.Reader)
	src, size := s.Reader, int64(-1)
	if sz, ok := s.Reader.(sizer); ok {
		size = sz.Size()
		src = io.LimitReader(s.Reader, size)
	}
	n, err := appendBase64(w, src)
	e.contentOut += n
	if err == nil && n < size {
		// Its length is in the answer already: a short stream must not
		// look complete.
		err = fmt.Errorf("ended after %d of %d bytes", n, size)
	}
	if err != nil {
		w.Fail(fmt.Errorf("server: content stream: %w", err))
	}
}

// A stream written inline is read inlineRead bytes at a time (a file in
// a few large reads) and goes to the writer inlinePiece bytes at a time
// (which hands its buffer over at about its limit); both are whole groups
// of three bytes, so only a stream's last piece has base64 padding.
const (
	inlinePiece = 12 << 10
	inlineRead  = 16 * inlinePiece
)

var inlinePool = sync.Pool{New: func() any { b := make([]byte, inlineRead); return &b }}

// appendBase64 appends what r reads to w as base64 text.
func appendBase64(w *xsd.Writer, r io.Reader) (int64, error) {
	bp := inlinePool.Get().(*[]byte)
	defer inlinePool.Put(bp)
	var n int64
	for {
		m, err := io.ReadFull(r, *bp)
		n += int64(m)
		for p := (*bp)[:m]; len(p) > 0; {
			k := min(len(p), inlinePiece)
			w.Base64(p[:k])
			p = p[k:]
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return n, w.Err()
		case err != nil:
			return n, err
		case w.Err() != nil:
			return n, w.Err()
		}
	}
}

// spill starts the response when the writer's buffer overflows: status
// line and headers (no Content-Length), the MTOM root part's header, then
// the envelope as it is written.
func (e *encoder) spill(p []byte) error {
	if !e.started {
		e.started = true
		if e.mtom {
			e.boundary = randomHex("uuid:", 16)
			setMTOMHeaders(e.w.Header(), e.boundary)
			e.w.WriteHeader(http.StatusOK)
			if _, err := io.WriteString(e.w, rootPartHeader(e.boundary)); err != nil {
				return err
			}
		} else {
			e.w.Header().Set("Content-Type", textXMLType)
			e.w.WriteHeader(http.StatusOK)
		}
	}
	_, err := e.w.Write(p)
	return err
}

// writeBody encodes the envelope of resp, or an empty responseName
// element for a nil response.
func (e *encoder) writeBody(resp any, responseName string) {
	e.xw.Raw(responseOpen)
	switch r := resp.(type) {
	case nil:
		e.xw.Raw(`<cmism:` + responseName + generated.BodyNamespaces + `/>`)
	case bodyWriter:
		r.WriteBody(e.xw)
	default:
		e.xw.Fail(fmt.Errorf("server: %T is not a generated body element", resp))
	}
	e.xw.Raw(envelopeClose)
}

// finish sends what is left: the whole answer if nothing went out yet,
// else the rest of the envelope and the attachments.
func (e *encoder) finish() error {
	if !e.started {
		if e.mtom {
			return writeMTOM(e.w, http.StatusOK, e.xw.Bytes(), e.streams, &e.contentOut)
		}
		return writeText(e.w, http.StatusOK, e.xw.Bytes())
	}
	if err := e.xw.Flush(); err != nil {
		return err
	}
	if e.mtom {
		return writeAttachments(e.w, e.boundary, e.streams, &e.contentOut)
	}
	return nil
}

// faultEnvelope is the envelope of a fault.
func faultEnvelope(f fault) []byte {
	var b bytes.Buffer
	b.WriteString(envelopeOpen)
	appendFaultBody(&b, f)
	b.WriteString(envelopeClose)
	return b.Bytes()
}

// writeText writes a whole text/xml answer with its length.
func writeText(w http.ResponseWriter, status int, env []byte) error {
	h := w.Header()
	h.Set("Content-Type", textXMLType)
	h.Set("Content-Length", strconv.Itoa(len(env)))
	holdAnswer(w)
	w.WriteHeader(status)
	_, err := w.Write(env)
	return err
}

func setMTOMHeaders(h http.Header, boundary string) {
	h.Set("Content-Type", `multipart/related; type="application/xop+xml"; boundary="`+boundary+
		`"; start="<`+rootCID+`>"; start-info="text/xml"`)
	h["Mime-Version"] = mimeVersion // canonical already: Set would copy the key
}

// The MIME headers of the parts, appended where the answer is put
// together (no string of their own for an answer written whole).
const (
	rootPartFields = "\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n" +
		"Content-Transfer-Encoding: binary\r\nContent-ID: <" + rootCID + ">\r\n\r\n"
	attachmentFields = "\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: binary\r\nContent-ID: <"
)

func appendRootPartHeader(b []byte, boundary string) []byte {
	b = append(append(b, "--"...), boundary...)
	return append(b, rootPartFields...)
}

func appendAttachmentHeader(b []byte, boundary, id string) []byte {
	b = append(append(append(b, "--"...), boundary...), attachmentFields...)
	return append(append(b, id...), ">\r\n\r\n"...)
}

func attachmentHeaderLen(boundary, id string) int {
	return len("--") + len(boundary) + len(attachmentFields) + len(id) + len(">\r\n\r\n")
}

func rootPartHeader(boundary string) string { return string(appendRootPartHeader(nil, boundary)) }

func attachmentHeader(boundary, id string) string {
	return string(appendAttachmentHeader(nil, boundary, id))
}

// smallPart is the largest attachment copied into the answer's buffer:
// one write of the whole answer costs less than a flush, a sendfile of a
// few KiB and another flush. Larger ones go out with sendfile.
const smallPart = 64 << 10

// answerPool holds the buffers whole MTOM answers are put together in.
var answerPool = sync.Pool{New: func() any { return new([]byte) }}

// writeMTOM writes a whole multipart/related (XOP) answer: the envelope
// as root part, then one binary part per stream, copied from its reader.
// The parts up to the first stream larger than smallPart (or of unknown
// size) go out in one write; such a stream and those after it are copied
// as they come. When every stream knows its size the answer has a
// Content-Length: it spares chunked encoding, and net/http sends files
// with sendfile. The bytes of the streams add up in *sent.
func writeMTOM(w http.ResponseWriter, status int, env []byte, streams []outStream, sent *int64) error {
	boundary := randomHex("uuid:", 16)
	bp := answerPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 2*smallPart {
			answerPool.Put(bp)
		}
	}()
	b := appendRootPartHeader((*bp)[:0], boundary)
	b = append(b, env...)
	b = append(b, "\r\n"...)
	b, rest, err := appendSmallParts(b, boundary, streams, sent)
	*bp = b
	if err != nil {
		return err // nothing is out yet: the client gets a fault
	}
	closing := len("--") + len(boundary) + len("--\r\n")
	length, sized := int64(len(b)+closing), true
	for _, s := range rest {
		sz, ok := s.r.(sizer)
		if !ok {
			sized = false
			break
		}
		length += int64(attachmentHeaderLen(boundary, s.id)) + sz.Size() + int64(len("\r\n"))
	}
	if len(rest) == 0 {
		b = append(append(append(b, "--"...), boundary...), "--\r\n"...)
		*bp = b
		holdAnswer(w)
	}
	setMTOMHeaders(w.Header(), boundary)
	if sized {
		w.Header().Set("Content-Length", strconv.FormatInt(length, 10))
	}
	w.WriteHeader(status)
	if _, err := w.Write(b); err != nil || len(rest) == 0 {
		return err
	}
	return writeParts(w, boundary, rest, sent)
}

// appendSmallParts appends the attachment parts of streams to b for as
// long as each is of known size up to smallPart, and returns the streams
// left to copy. A stream shorter than its size is an error.
func appendSmallParts(b []byte, boundary string, streams []outStream, sent *int64) ([]byte, []outStream, error) {
	for i, s := range streams {
		sz, ok := s.r.(sizer)
		if !ok || sz.Size() > smallPart {
			return b, streams[i:], nil
		}
		size := int(sz.Size())
		b = appendAttachmentHeader(b, boundary, s.id)
		b = slices.Grow(b, size+len("\r\n"))
		n, err := io.ReadFull(s.r, b[len(b):len(b)+size])
		*sent += int64(n)
		if err != nil {
			return b, nil, fmt.Errorf("server: content stream ended after %d of %d bytes: %w", n, size, err)
		}
		b = append(b[:len(b)+size], "\r\n"...)
	}
	return b, nil, nil
}

// writeAttachments ends the root part and writes the attachment parts and
// the close delimiter.
func writeAttachments(w io.Writer, boundary string, streams []outStream, sent *int64) error {
	if _, err := io.WriteString(w, "\r\n"); err != nil {
		return err
	}
	return writeParts(w, boundary, streams, sent)
}

// writeParts writes the attachment parts and the close delimiter. A stream
// that knows its size must deliver exactly that many bytes (its length may
// be in Content-Length; a short one must not look complete).
func writeParts(w io.Writer, boundary string, streams []outStream, sent *int64) error {
	for _, s := range streams {
		if _, err := io.WriteString(w, attachmentHeader(boundary, s.id)); err != nil {
			return err
		}
		var n int64
		var err error
		if sz, ok := s.r.(sizer); ok {
			n, err = copyStream(w, s.r, sz.Size())
		} else {
			n, err = io.Copy(w, s.r)
		}
		*sent += n
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, "\r\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "--"+boundary+"--\r\n")
	return err
}

// sizer is a stream that knows its length, as *io.SectionReader does.
type sizer interface{ Size() int64 }

// copyStream copies exactly size bytes of r, a stream whose length went
// out in Content-Length. Fewer is an error: the caller then breaks the
// connection rather than let a short body look complete. A section of an
// *os.File goes out as an *io.LimitedReader of the file, the shape
// net/http's ReadFrom sends with sendfile.
func copyStream(w io.Writer, r io.Reader, size int64) (int64, error) {
	src := io.LimitReader(r, size)
	if f, off, ok := fileSection(r); ok {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return 0, fmt.Errorf("server: content stream: %w", err)
		}
		src = &io.LimitedReader{R: f, N: size}
	}
	n, err := io.Copy(w, src)
	if err != nil {
		return n, fmt.Errorf("server: content stream, after %d of %d bytes: %w", n, size, err)
	}
	if n < size {
		return n, fmt.Errorf("server: content stream ended after %d of %d bytes", n, size)
	}
	return n, nil
}

// fileSection returns the file and offset under r when r is an unread
// section of an *os.File (an *io.SectionReader, or a type embedding one).
func fileSection(r io.Reader) (*os.File, int64, bool) {
	o, ok := r.(interface {
		Outer() (io.ReaderAt, int64, int64)
	})
	if !ok {
		return nil, 0, false
	}
	// Outer does not tell how much of the section was read already.
	if s, ok := r.(io.Seeker); !ok {
		return nil, 0, false
	} else if pos, err := s.Seek(0, io.SeekCurrent); err != nil || pos != 0 {
		return nil, 0, false
	}
	ra, off, _ := o.Outer()
	f, ok := ra.(*os.File)
	return f, off, ok
}
