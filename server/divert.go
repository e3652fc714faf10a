package server

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cmisd/cmisd/cmis"
)

// The diverter is a streaming pass over the raw bytes of the SOAP XML (a
// text/xml body or the root part of an MTOM package). It copies the XML to
// a bounded buffer, except for the base64 text of <cmism:stream> elements:
// that is decoded on the fly into a spool file and replaced by
// <xop:Include href="cid:spool-N@cmisd.invalid"/>, so that inline and MTOM
// content reach the handler the same way and encoding/xml never holds
// content in memory (it returns a text node whole).
//
// It is a small XML lexer: it knows comments, CDATA sections, processing
// instructions, quoted attribute values and namespace declarations (the
// stream element is recognised by namespace, not by prefix). It rejects
// DOCTYPE/ENTITY declarations and limits the element depth; what it does
// not check (well-formedness) encoding/xml checks afterwards.

const (
	xopNS             = "http://www.w3.org/2004/08/xop/include"
	divertBufSize     = 64 << 10
	b64ChunkSize      = 48 << 10 // base64 characters decoded at a time (multiple of 4)
	maxCharRefLen     = 12
	defaultMaxDepth   = 64
	defaultMaxXMLSize = 10 << 20
)

var (
	errDoctype = badRequest("DOCTYPE and ENTITY declarations are not allowed")
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
)

type diverter struct {
	r        *bufio.Reader
	out      bytes.Buffer
	max      int64
	maxDepth int
	spool    *spooler
	depth    int
	ns       nsStack
	tag      []byte
	attrs    []nsBinding
}

// divertStreams reads all of src and returns the XML with inline stream
// content diverted to spool files registered with sp. max bounds the
// returned XML (stream text does not count).
func divertStreams(src io.Reader, max int64, maxDepth int, sp *spooler) ([]byte, error) {
	d := &diverter{r: bufio.NewReaderSize(src, divertBufSize), max: max, maxDepth: maxDepth, spool: sp}
	if err := d.run(); err != nil {
		return nil, err
	}
	return d.out.Bytes(), nil
}

func (d *diverter) run() error {
	if p, err := d.r.Peek(3); err == nil && bytes.Equal(p, utf8BOM) {
		d.r.Discard(3)
	}
	for {
		if err := d.copyText(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := d.markup(); err != nil {
			return err
		}
	}
}

func (d *diverter) tooLarge() error {
	return badRequest("the SOAP message is larger than the limit of %d bytes (content streams excluded)", d.max)
}

func (d *diverter) write(p []byte) error {
	if int64(d.out.Len())+int64(len(p)) > d.max {
		return d.tooLarge()
	}
	d.out.Write(p)
	return nil
}

// readErr turns a read error into what the client is told. io.EOF means
// the XML ended in the middle of markup.
func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &requestError{typ: cmis.ErrInvalidArgument, msg: "the request body ended in the middle of the SOAP message", err: err}
	}
	var re *requestError
	if errors.As(err, &re) {
		return err
	}
	return &requestError{typ: cmis.ErrInvalidArgument, msg: "cannot read the request body: " + err.Error(), err: err}
}

// fill makes sure at least one byte is buffered and returns the buffer.
func (d *diverter) fill() ([]byte, error) {
	if d.r.Buffered() == 0 {
		if _, err := d.r.Peek(1); err != nil {
			return nil, err
		}
	}
	b, _ := d.r.Peek(d.r.Buffered())
	return b, nil
}

// copyText copies character data up to the next '<'. It returns io.EOF at
// the end of input.
func (d *diverter) copyText() error {
	for {
		buf, err := d.fill()
		if err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return readErr(err)
		}
		i := bytes.IndexByte(buf, '<')
		if i < 0 {
			if err := d.write(buf); err != nil {
				return err
			}
			d.r.Discard(len(buf))
			continue
		}
		if err := d.write(buf[:i]); err != nil {
			return err
		}
		d.r.Discard(i)
		return nil
	}
}

// markup handles what starts at the '<' under the cursor.
func (d *diverter) markup() error {
	p, _ := d.r.Peek(9)
	switch {
	case bytes.HasPrefix(p, []byte("<!--")):
		return d.passThrough(4, "-->")
	case bytes.HasPrefix(p, []byte("<![CDATA[")):
		return d.passThrough(9, "]]>")
	case bytes.HasPrefix(p, []byte("<!")):
		return errDoctype
	case bytes.HasPrefix(p, []byte("<?")):
		return d.passThrough(2, "?>")
	case bytes.HasPrefix(p, []byte("</")):
		tag, err := d.readTag()
		if err != nil {
			return err
		}
		d.endElement()
		return d.write(tag)
	}
	return d.startTag()
}

// passThrough copies an opener of n bytes and everything up to and
// including term.
func (d *diverter) passThrough(n int, term string) error {
	p, _ := d.r.Peek(n)
	if err := d.write(p); err != nil {
		return err
	}
	d.r.Discard(n)
	return d.until(term, func(b []byte, _ bool) error { return d.write(b) })
}

// skip discards an opener of n bytes and everything up to term.
func (d *diverter) skip(n int, term string) error {
	d.r.Discard(n)
	return d.until(term, func([]byte, bool) error { return nil })
}

// until reads up to and including term, handing the bytes to emit in
// chunks; the last call has final set and ends with term.
func (d *diverter) until(term string, emit func(b []byte, final bool) error) error {
	n := len(term)
	var hold []byte // bytes withheld because they may start term
	for {
		chunk, err := d.r.ReadSlice(term[n-1])
		if err != nil && err != bufio.ErrBufferFull {
			return readErr(err)
		}
		data := chunk
		if len(hold) > 0 {
			data = append(hold, chunk...)
		}
		if err == nil && bytes.HasSuffix(data, []byte(term)) {
			return emit(data, true)
		}
		k := len(data) - (n - 1)
		if k < 0 {
			k = 0
		}
		if e := emit(data[:k], false); e != nil {
			return e
		}
		hold = append([]byte(nil), data[k:]...)
	}
}

// readTag reads a start or end tag from '<' to the closing '>', honouring
// quoted attribute values.
func (d *diverter) readTag() ([]byte, error) {
	d.tag = d.tag[:0]
	var quote byte
	for {
		b, err := d.r.ReadByte()
		if err != nil {
			return nil, readErr(err)
		}
		d.tag = append(d.tag, b)
		if int64(len(d.tag))+int64(d.out.Len()) > d.max {
			return nil, d.tooLarge()
		}
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '>':
			return d.tag, nil
		}
	}
}

func (d *diverter) endElement() {
	if d.depth > 0 {
		d.depth--
	}
	d.ns.pop()
}

func (d *diverter) startTag() error {
	tag, err := d.readTag()
	if err != nil {
		return err
	}
	name, bindings := parseStartTag(tag, d.attrs[:0])
	d.attrs = bindings
	selfClosing := len(tag) >= 2 && tag[len(tag)-2] == '/'
	if d.depth+1 > d.maxDepth {
		return badRequest("the SOAP message nests elements deeper than %d levels", d.maxDepth)
	}
	prefix, local := splitQName(name)
	isStream := local == "stream" && d.ns.resolve(prefix, bindings) == cmis.MessagingNS
	if !selfClosing {
		d.depth++
		d.ns.push(bindings)
	}
	if err := d.write(tag); err != nil {
		return err
	}
	if isStream && !selfClosing {
		return d.streamContent()
	}
	return nil
}

// streamContent handles the content of a <stream> element: base64 text is
// diverted; an element (xop:Include) is left for the main loop.
func (d *diverter) streamContent() error {
	var ws []byte // white space before anything else
	var sink *b64Sink
	defer func() {
		if sink != nil {
			sink.abort()
		}
	}()
	text := func(seg []byte) error {
		if sink == nil {
			if isSpace(seg) {
				if int64(len(ws)+len(seg)+d.out.Len()) > d.max {
					return d.tooLarge()
				}
				ws = append(ws, seg...)
				return nil
			}
			s, err := newB64Sink(d.spool)
			if err != nil {
				return err
			}
			sink = s
		}
		return sink.write(seg)
	}
	for {
		buf, err := d.fill()
		if err != nil {
			return readErr(err)
		}
		i := bytes.IndexAny(buf, "<&")
		seg := buf
		if i >= 0 {
			seg = buf[:i]
		}
		if len(seg) > 0 {
			if err := text(seg); err != nil {
				return err
			}
			d.r.Discard(len(seg))
		}
		if i < 0 {
			continue
		}
		if buf[i] == '&' {
			r, err := d.readCharRef()
			if err != nil {
				return err
			}
			if r >= 0x80 {
				return badRequest("invalid character in the base64 content of <stream>")
			}
			if err := text([]byte{byte(r)}); err != nil {
				return err
			}
			continue
		}
		p, _ := d.r.Peek(9)
		switch {
		case len(p) < 2:
			return readErr(io.EOF)
		case bytes.HasPrefix(p, []byte("</")):
			if sink != nil {
				id, err := sink.finish()
				sink = nil
				if err != nil {
					return err
				}
				ph := `<xop:Include xmlns:xop="` + xopNS + `" href="cid:` + id + `"/>`
				if err := d.write([]byte(ph)); err != nil {
					return err
				}
			} else if err := d.write(ws); err != nil {
				return err
			}
			tag, err := d.readTag()
			if err != nil {
				return err
			}
			d.endElement()
			return d.write(tag)
		case bytes.HasPrefix(p, []byte("<!--")):
			if err := d.skip(4, "-->"); err != nil {
				return err
			}
		case bytes.HasPrefix(p, []byte("<![CDATA[")):
			d.r.Discard(9)
			err := d.until("]]>", func(b []byte, final bool) error {
				if final {
					b = b[:len(b)-3]
				}
				return text(b)
			})
			if err != nil {
				return err
			}
		case bytes.HasPrefix(p, []byte("<!")):
			return errDoctype
		case bytes.HasPrefix(p, []byte("<?")):
			if err := d.skip(2, "?>"); err != nil {
				return err
			}
		default:
			// An element: xop:Include. Leave it to the main loop.
			if sink != nil {
				return badRequest("<stream> holds both base64 text and an element")
			}
			return d.write(ws)
		}
	}
}

// readCharRef reads a character reference (&#n; or &#xh;) under the
// cursor. Entity references other than character references are not
// base64 and are refused.
func (d *diverter) readCharRef() (rune, error) {
	var ref []byte
	for len(ref) <= maxCharRefLen {
		b, err := d.r.ReadByte()
		if err != nil {
			return 0, readErr(err)
		}
		ref = append(ref, b)
		if b == ';' {
			break
		}
	}
	bad := badRequest("invalid reference %q in the base64 content of <stream>", string(ref))
	if len(ref) < 4 || ref[1] != '#' || ref[len(ref)-1] != ';' {
		return 0, bad
	}
	num := string(ref[2 : len(ref)-1])
	base := 10
	if num != "" && (num[0] == 'x') {
		num, base = num[1:], 16
	}
	v, err := strconv.ParseUint(num, base, 32)
	if err != nil {
		return 0, bad
	}
	return rune(v), nil
}

// parseStartTag returns the element name of a start tag and the namespace
// declarations on it. Malformed attributes are skipped: encoding/xml
// rejects them later.
func parseStartTag(tag []byte, bindings []nsBinding) (string, []nsBinding) {
	i := 1
	for i < len(tag) && !isSpaceByte(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	name := string(tag[1:i])
	for i < len(tag) {
		for i < len(tag) && (isSpaceByte(tag[i]) || tag[i] == '/') {
			i++
		}
		if i >= len(tag) || tag[i] == '>' {
			break
		}
		start := i
		for i < len(tag) && tag[i] != '=' && !isSpaceByte(tag[i]) && tag[i] != '>' {
			i++
		}
		attr := string(tag[start:i])
		for i < len(tag) && isSpaceByte(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			continue
		}
		i++
		for i < len(tag) && isSpaceByte(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			continue
		}
		q := tag[i]
		i++
		vstart := i
		for i < len(tag) && tag[i] != q {
			i++
		}
		val := string(tag[vstart:min(i, len(tag))])
		i++
		switch {
		case attr == "xmlns":
			bindings = append(bindings, nsBinding{"", unescapeAttr(val)})
		case len(attr) > 6 && attr[:6] == "xmlns:":
			bindings = append(bindings, nsBinding{attr[6:], unescapeAttr(val)})
		}
	}
	return name, bindings
}

var attrUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

func unescapeAttr(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return attrUnescaper.Replace(s)
}

func splitQName(name string) (prefix, local string) {
	for i := 0; i < len(name); i++ {
		if name[i] == ':' {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func isSpace(p []byte) bool {
	for _, b := range p {
		if !isSpaceByte(b) {
			return false
		}
	}
	return true
}

type nsBinding struct{ prefix, uri string }

// nsStack is the namespace declarations in scope, one frame per open
// element.
type nsStack struct {
	b      []nsBinding
	frames []int
}

func (s *nsStack) push(bs []nsBinding) {
	s.frames = append(s.frames, len(s.b))
	s.b = append(s.b, bs...)
}

func (s *nsStack) pop() {
	if len(s.frames) == 0 {
		return
	}
	n := s.frames[len(s.frames)-1]
	s.b = s.b[:n]
	s.frames = s.frames[:len(s.frames)-1]
}

// resolve is the namespace of prefix, looking first at the declarations
// of the element itself.
func (s *nsStack) resolve(prefix string, own []nsBinding) string {
	for i := len(own) - 1; i >= 0; i-- {
		if own[i].prefix == prefix {
			return own[i].uri
		}
	}
	for i := len(s.b) - 1; i >= 0; i-- {
		if s.b[i].prefix == prefix {
			return s.b[i].uri
		}
	}
	return ""
}

// b64Sink decodes base64 text written to it in arbitrary pieces into a
// spool file.
type b64Sink struct {
	sp     *spooler
	f      *os.File
	w      *bufio.Writer
	buf    []byte // pending base64 characters, white space removed
	dec    []byte
	padded bool
	done   bool
}

func newB64Sink(sp *spooler) (*b64Sink, error) {
	f, err := sp.create()
	if err != nil {
		return nil, fmt.Errorf("spooling inline content: %w", err)
	}
	return &b64Sink{
		sp:  sp,
		f:   f,
		w:   bufio.NewWriterSize(f, 64<<10),
		buf: make([]byte, 0, b64ChunkSize),
		dec: make([]byte, base64.StdEncoding.DecodedLen(b64ChunkSize)),
	}, nil
}

var errBase64 = badRequest("the content of <stream> is not valid base64")

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
	if _, err := s.w.Write(s.dec[:m]); err != nil {
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
		if _, err := s.w.Write(s.dec[:m]); err != nil {
			s.abort()
			return "", fmt.Errorf("spooling inline content: %w", err)
		}
	}
	if err := s.w.Flush(); err != nil {
		s.abort()
		return "", fmt.Errorf("spooling inline content: %w", err)
	}
	s.done = true
	if err := s.f.Close(); err != nil {
		return "", fmt.Errorf("spooling inline content: %w", err)
	}
	return s.sp.register(s.f.Name()), nil
}

// abort closes the file if finish did not (the spooler removes it).
func (s *b64Sink) abort() {
	if !s.done {
		s.done = true
		s.f.Close()
	}
}
