package xop

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/cmisd/cmisd/internal/xsd"
)

// The diverter is a streaming pass over the raw bytes of the SOAP XML (a
// text/xml body or the root part of an MTOM package). It copies the XML to
// a bounded buffer, except for the base64 text of stream elements:
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
	divertBufSize = 64 << 10
	b64ChunkSize  = 48 << 10 // base64 characters decoded at a time (multiple of 4)
	maxCharRefLen = 12
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

type diverter struct {
	r         *bufio.Reader
	out       []byte
	max       int64
	maxDepth  int
	stream    xml.Name // the element whose text is content
	spool     *spooler
	onContent func() error // called as a stream's content begins
	depth     int
	ns        Scope
	tag       []byte
	attrs     []Binding
	names     xsd.Names // namespace names and prefixes, kept for reuse
}

// Diverters are reused with their buffers, the XML one included: a
// request that is an envelope alone then allocates nothing to read it.
// One whose XML grew past maxPooledXML is left to the collector.
var diverters = sync.Pool{New: func() any { return new(diverter) }}

const maxPooledXML = 256 << 10

// divertStreams reads all of src and returns the XML with the content of
// stream elements diverted to spool files registered with sp. max bounds
// the returned XML (stream text does not count). The XML is d's: valid
// until d is released.
func divertStreams(d *diverter, src io.Reader, max int64, maxDepth int, stream xml.Name, sp *spooler, onContent func() error) ([]byte, error) {
	*d = diverter{r: getReader(&divertReaders, src), out: d.out[:0], max: max, maxDepth: maxDepth,
		stream: stream, spool: sp, onContent: onContent,
		ns: Scope{b: d.ns.b[:0], frames: d.ns.frames[:0]}, tag: d.tag[:0], attrs: d.attrs[:0], names: d.names}
	defer func() {
		putReader(&divertReaders, d.r)
		d.r = nil
	}()
	if err := d.run(); err != nil {
		return nil, err
	}
	return d.out, nil
}

// release gives d back for another request; the XML it returned goes
// with it.
func (d *diverter) release() {
	d.spool, d.onContent = nil, nil
	if cap(d.out) > maxPooledXML {
		return
	}
	diverters.Put(d)
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
	return errorf("the SOAP message is larger than the limit of %d bytes (content streams excluded)", d.max)
}

func (d *diverter) write(p []byte) error {
	if int64(len(d.out))+int64(len(p)) > d.max {
		return d.tooLarge()
	}
	d.out = append(d.out, p...)
	return nil
}

// readErr turns a read error into what the client is told. io.EOF means
// the XML ended in the middle of markup.
func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &Error{Msg: "the request body ended in the middle of the SOAP message", Err: err}
	}
	var xe *Error
	if errors.As(err, &xe) {
		return err
	}
	return &Error{Msg: "cannot read the request body: " + err.Error(), Err: err}
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
		return ErrDoctype
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
		// Scan what is buffered rather than read a byte at a time.
		buf, err := d.fill()
		if err != nil {
			return nil, readErr(err)
		}
		n, end := scanTag(buf, &quote)
		d.tag = append(d.tag, buf[:n]...)
		d.r.Discard(n)
		if int64(len(d.tag))+int64(len(d.out)) > d.max {
			return nil, d.tooLarge()
		}
		if end {
			return d.tag, nil
		}
	}
}

// scanTag returns how much of b belongs to the tag being read, and whether
// that includes its closing '>'; *quote is the quote character of an
// attribute value left open, or 0.
func scanTag(b []byte, quote *byte) (int, bool) {
	q := *quote
	for i, c := range b {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			*quote = 0
			return i + 1, true
		}
	}
	*quote = q
	return len(b), false
}

func (d *diverter) endElement() {
	if d.depth > 0 {
		d.depth--
	}
	d.ns.Pop()
}

func (d *diverter) startTag() error {
	tag, err := d.readTag()
	if err != nil {
		return err
	}
	name, bindings := parseStartTag(tag, d.attrs[:0], &d.names)
	d.attrs = bindings
	selfClosing := len(tag) >= 2 && tag[len(tag)-2] == '/'
	if d.depth+1 > d.maxDepth {
		return errorf("the SOAP message nests elements deeper than %d levels", d.maxDepth)
	}
	prefix, local := splitQName(name)
	isStream := string(local) == d.stream.Local && d.ns.Resolve(string(prefix), bindings) == d.stream.Space
	if !selfClosing {
		d.depth++
		d.ns.Push(bindings)
	}
	if err := d.write(tag); err != nil {
		return err
	}
	if isStream && !selfClosing {
		return d.streamContent()
	}
	return nil
}

// streamText is the text of a <stream> element as it arrives: white space
// kept until something else shows up, then base64 diverted into a sink.
type streamText struct {
	d    *diverter
	ws   []byte // white space before anything else
	sink *b64Sink
}

func (st *streamText) write(seg []byte) error {
	d := st.d
	if st.sink == nil {
		if isSpace(seg) {
			if int64(len(st.ws)+len(seg)+len(d.out)) > d.max {
				return d.tooLarge()
			}
			st.ws = append(st.ws, seg...)
			return nil
		}
		if err := d.onContent(); err != nil {
			return err
		}
		st.sink = newB64Sink(d.spool)
	}
	return st.sink.write(seg)
}

// close ends the text at the element's end tag: diverted base64 becomes
// an xop:Include of its part; white space alone is written back.
func (st *streamText) close() error {
	if st.sink == nil {
		return st.d.write(st.ws)
	}
	id, err := st.sink.finish()
	st.sink = nil
	if err != nil {
		return err
	}
	return st.d.write([]byte(`<xop:Include xmlns:xop="` + xsd.XOPNS + `" href="cid:` + id + `"/>`))
}

// streamContent handles the content of a <stream> element: base64 text is
// diverted; an element (xop:Include) is left for the main loop.
func (d *diverter) streamContent() error {
	st := &streamText{d: d}
	defer func() {
		if st.sink != nil {
			st.sink.abort()
		}
	}()
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
			if err := st.write(seg); err != nil {
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
				return errorf("invalid character in the base64 content of <%s>", d.stream.Local)
			}
			if err := st.write([]byte{byte(r)}); err != nil {
				return err
			}
			continue
		}
		if done, err := d.streamMarkup(st); done || err != nil {
			return err
		}
	}
}

// streamMarkup handles the markup under the cursor inside a <stream>
// element; done is true once the element has ended or holds an element.
func (d *diverter) streamMarkup(st *streamText) (done bool, err error) {
	p, _ := d.r.Peek(9)
	switch {
	case len(p) < 2:
		return true, readErr(io.EOF)
	case bytes.HasPrefix(p, []byte("</")):
		if err := st.close(); err != nil {
			return true, err
		}
		tag, err := d.readTag()
		if err != nil {
			return true, err
		}
		d.endElement()
		return true, d.write(tag)
	case bytes.HasPrefix(p, []byte("<!--")):
		return false, d.skip(4, "-->")
	case bytes.HasPrefix(p, []byte("<![CDATA[")):
		d.r.Discard(9)
		return false, d.until("]]>", func(b []byte, final bool) error {
			if final {
				b = b[:len(b)-3]
			}
			return st.write(b)
		})
	case bytes.HasPrefix(p, []byte("<!")):
		return true, ErrDoctype
	case bytes.HasPrefix(p, []byte("<?")):
		return false, d.skip(2, "?>")
	default:
		// An element: xop:Include. Leave it to the main loop.
		if st.sink != nil {
			return true, errorf("<%s> holds both base64 text and an element", d.stream.Local)
		}
		return true, d.write(st.ws)
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
	bad := errorf("invalid reference %q in the base64 content of <%s>", string(ref), d.stream.Local)
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
