package xsd

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexical parts of the Reader: names, character data, CDATA sections
// and attribute values, with entity references resolved and line ends
// normalised as encoding/xml does. Text without '&' or '\r' is returned
// as a slice of the input; the rest is decoded into r.buf.

var cdataEnd = []byte("]]>")

// charData reads text up to the next '<' or the end of the input.
func (r *Reader) charData() ([]byte, error) {
	r.buf = r.buf[:0]
	start := r.pos
	end := bytes.IndexByte(r.data[start:], '<')
	if end < 0 {
		end = len(r.data)
	} else {
		end += start
	}
	seg := r.data[start:end]
	if bytes.IndexByte(seg, '&') < 0 && bytes.IndexByte(seg, '\r') < 0 {
		if bytes.Contains(seg, cdataEnd) {
			return nil, r.syntax("unescaped ]]> not in CDATA section")
		}
		r.pos = end
		r.textInBuf = false
		return seg, checkChars(seg)
	}
	if err := r.decode(-1); err != nil {
		return nil, err
	}
	r.textInBuf = true
	return r.buf, checkChars(r.buf)
}

// cdata reads a CDATA section after its "<![CDATA[".
func (r *Reader) cdata() ([]byte, error) {
	r.buf = r.buf[:0]
	end := bytes.Index(r.data[r.pos:], cdataEnd)
	if end < 0 {
		return nil, r.syntax("unexpected EOF in CDATA section")
	}
	seg := r.data[r.pos : r.pos+end]
	r.pos += end + len(cdataEnd)
	if bytes.IndexByte(seg, '\r') < 0 {
		r.textInBuf = false
		return seg, checkChars(seg)
	}
	r.buf = appendNewlines(r.buf, seg)
	r.textInBuf = true
	return r.buf, checkChars(r.buf)
}

// appendNewlines appends p with "\r\n" and lone '\r' turned into '\n'.
func appendNewlines(b, p []byte) []byte {
	for i, c := range p {
		switch {
		case c == '\r':
			b = append(b, '\n')
		case c == '\n' && i > 0 && p[i-1] == '\r':
		default:
			b = append(b, c)
		}
	}
	return b
}

// attrValue reads an attribute value after its opening quote q and
// returns where its decoded form is: data[start:end], or buf[start:end].
func (r *Reader) attrValue(q byte) (start, end int, inBuf bool, err error) {
	n := bytes.IndexByte(r.data[r.pos:], q)
	if n >= 0 {
		seg := r.data[r.pos : r.pos+n]
		if bytes.IndexAny(seg, "&\r<") < 0 {
			start, end = r.pos, r.pos+n
			r.pos = end + 1
			return start, end, false, checkChars(seg)
		}
	}
	start = len(r.buf)
	if err := r.decode(int(q)); err != nil {
		return 0, 0, false, err
	}
	return start, len(r.buf), true, checkChars(r.buf[start:])
}

// entities are the five predefined entities: no others exist without a
// DTD.
var entities = map[string]rune{"lt": '<', "gt": '>', "amp": '&', "apos": '\'', "quot": '"'}

// decode appends text to r.buf byte by byte as encoding/xml reads it:
// up to '<' (quote < 0) or the closing quote, resolving references and
// normalising line ends. At the end of the input it stops without error:
// the caller's next read reports it.
func (r *Reader) decode(quote int) error {
	var b0, b1 byte
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		r.pos++
		if quote < 0 && b0 == ']' && b1 == ']' && c == '>' {
			return r.syntax("unescaped ]]> not in CDATA section")
		}
		if c == '<' {
			if quote >= 0 {
				return r.syntax("unescaped < inside quoted string")
			}
			r.pos--
			return nil
		}
		if quote >= 0 && c == byte(quote) {
			return nil
		}
		if c == '&' {
			if err := r.reference(); err != nil {
				return err
			}
			b0, b1 = 0, 0
			continue
		}
		switch {
		case c == '\r':
			r.buf = append(r.buf, '\n')
		case b1 == '\r' && c == '\n':
		default:
			r.buf = append(r.buf, c)
		}
		b0, b1 = b1, c
	}
	return nil
}

// reference resolves the reference after '&': a character reference or
// one of the five predefined entities.
func (r *Reader) reference() error {
	before := len(r.buf)
	r.buf = append(r.buf, '&')
	c, err := r.mustGet()
	if err != nil {
		return err
	}
	var text rune = -1
	if c == '#' {
		r.buf = append(r.buf, c)
		if c, err = r.mustGet(); err != nil {
			return err
		}
		base := 10
		if c == 'x' {
			base = 16
			r.buf = append(r.buf, c)
			if c, err = r.mustGet(); err != nil {
				return err
			}
		}
		start := len(r.buf)
		for '0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			r.buf = append(r.buf, c)
			if c, err = r.mustGet(); err != nil {
				return err
			}
		}
		if c != ';' {
			r.pos--
		} else {
			n, err := strconv.ParseUint(string(r.buf[start:]), base, 64)
			r.buf = append(r.buf, ';')
			if err == nil && n <= unicode.MaxRune {
				text = rune(n)
			}
		}
	} else {
		r.pos--
		name, _, err := r.nameBytes()
		if err != nil {
			return err
		}
		r.buf = append(r.buf, name...)
		if c, err = r.mustGet(); err != nil {
			return err
		}
		if c != ';' {
			r.pos--
		} else {
			r.buf = append(r.buf, ';')
			if e, ok := entities[string(name)]; ok {
				text = e
			}
		}
	}
	if text >= 0 {
		r.buf = utf8.AppendRune(r.buf[:before], text)
		return nil
	}
	ent := string(r.buf[before:])
	if ent[len(ent)-1] != ';' {
		ent += " (no semicolon)"
	}
	return r.syntax("invalid character entity " + ent)
}

// nameBytes reads the bytes of a name: ASCII name characters and any
// byte above 0x7F (checked by isName). ok is false, without error, when
// no name starts here.
func (r *Reader) nameBytes() (name []byte, ok bool, err error) {
	start := r.pos
	for {
		if r.pos >= len(r.data) {
			return nil, false, errEOF
		}
		c := r.data[r.pos]
		if c < utf8.RuneSelf && !isNameByte(c) {
			if r.pos == start {
				return nil, false, nil
			}
			return r.data[start:r.pos], true, nil
		}
		r.pos++
	}
}

// rawName reads an XML Name.
func (r *Reader) rawName() ([]byte, bool, error) {
	n, ok, err := r.nameBytes()
	if !ok || err != nil {
		return nil, false, err
	}
	if !isName(n) {
		return nil, false, r.syntax("invalid XML name: " + string(n))
	}
	return n, true, nil
}

// qname reads an element or attribute name and splits it at its colon; a
// name with two colons is not one (ok false, no error).
func (r *Reader) qname() (qname, bool, error) {
	n, ok, err := r.rawName()
	if !ok || err != nil {
		return qname{}, false, err
	}
	i := bytes.IndexByte(n, ':')
	switch {
	case i < 0:
		return qname{local: n}, true, nil
	case bytes.IndexByte(n[i+1:], ':') >= 0:
		return qname{}, false, nil
	case i == 0 || i == len(n)-1:
		return qname{local: n}, true, nil
	}
	return qname{prefix: n[:i], local: n[i+1:]}, true, nil
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// isName reports whether n is a Name as encoding/xml defines it (the
// letters of XML 1.0's first edition). Names of ASCII characters are
// checked here; the rare other ones by encoding/xml itself, so that both
// agree to the character.
func isName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	for _, c := range n {
		if c >= utf8.RuneSelf {
			return isNameXML(n)
		}
	}
	c := n[0]
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':'
}

// isNameXML asks encoding/xml whether n is a processing instruction
// target, which is exactly its notion of a Name.
func isNameXML(n []byte) bool {
	doc := make([]byte, 0, len(n)+4)
	doc = append(append(append(doc, "<?"...), n...), "?>"...)
	tok, err := xml.NewDecoder(bytes.NewReader(doc)).RawToken()
	pi, ok := tok.(xml.ProcInst)
	return err == nil && ok && pi.Target == string(n)
}

// checkChars refuses invalid UTF-8 and characters XML does not allow.
func checkChars(p []byte) error {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return &SyntaxError{Msg: fmt.Sprintf("illegal character code %U", rune(c))}
			}
			i++
			continue
		}
		ch, n := utf8.DecodeRune(p[i:])
		if ch == utf8.RuneError && n == 1 {
			return &SyntaxError{Msg: "invalid UTF-8"}
		}
		if !isXMLChar(ch) {
			return &SyntaxError{Msg: fmt.Sprintf("illegal character code %U", ch)}
		}
		i += n
	}
	return nil
}

// bang reads what follows "<!": a comment or a CDATA section.
func (r *Reader) bang() (Kind, error) {
	c, err := r.mustGet()
	if err != nil {
		return EOF, err
	}
	switch c {
	case '-':
		if c, err = r.mustGet(); err != nil {
			return EOF, err
		}
		if c != '-' {
			return EOF, r.syntax("invalid sequence <!- not part of <!--")
		}
		return Comment, r.comment()
	case '[':
		for i := 0; i < 6; i++ {
			if c, err = r.mustGet(); err != nil {
				return EOF, err
			}
			if c != "CDATA["[i] {
				return EOF, r.syntax("invalid <![ sequence")
			}
		}
		t, err := r.cdata()
		if err != nil {
			return EOF, err
		}
		r.text = t
		return CharData, nil
	}
	return EOF, ErrDoctype
}

func (r *Reader) comment() error {
	start := r.pos
	var b0, b1 byte
	for {
		c, err := r.mustGet()
		if err != nil {
			return err
		}
		if b0 == '-' && b1 == '-' {
			if c != '>' {
				return r.syntax(`invalid sequence "--" not allowed in comments`)
			}
			r.text = r.data[start : r.pos-3]
			return nil
		}
		b0, b1 = b1, c
	}
}

func (r *Reader) procInst() error {
	target, ok, err := r.rawName()
	if err != nil {
		return err
	}
	if !ok {
		return r.syntax("expected target name after <?")
	}
	r.space1()
	start := r.pos
	var b0 byte
	for {
		c, err := r.mustGet()
		if err != nil {
			return err
		}
		if b0 == '?' && c == '>' {
			break
		}
		b0 = c
	}
	r.target, r.text = target, r.data[start:r.pos-2]
	if string(target) != "xml" {
		return nil
	}
	if v := procInstParam("version=", r.text); len(v) > 0 && string(v) != "1.0" {
		return &ErrVersion{Version: string(v)}
	}
	enc := procInstParam("encoding=", r.text)
	if len(enc) == 0 {
		return nil
	}
	if utf8Label(enc) {
		return nil
	}
	return &ErrEncoding{Encoding: string(enc)}
}

// utf8Label reports whether an encoding label names UTF-8 or US-ASCII, as
// strings.ToLower(strings.TrimSpace(label)) sees it.
func utf8Label(label []byte) bool {
	label = bytes.TrimSpace(label)
	for _, c := range label {
		if c >= utf8.RuneSelf { // ToLower may map it to ASCII (U+212A is "k")
			label = []byte(strings.ToLower(string(label)))
			break
		}
	}
	for _, ok := range []string{"utf-8", "utf8", "us-ascii", "ascii"} {
		if bytes.EqualFold(label, []byte(ok)) {
			return true
		}
	}
	return false
}

// procInstParam finds param (`name=`) followed by a quoted value in the
// content of an XML declaration, the way encoding/xml finds it.
func procInstParam(param string, s []byte) []byte {
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := bytes.Index(sub, []byte(param))
		if k < 0 || len(param)+k >= len(sub) {
			return nil
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return nil
	}
	j := bytes.IndexByte(s[i:], sep)
	if j < 0 {
		return nil
	}
	return s[i : i+j]
}
