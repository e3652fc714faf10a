package server

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/cmisd/cmisd/cmis"
)

// Response writing. A response is answered in the encoding of the request:
// MTOM in, MTOM out (root part first, one attachment per content stream);
// text in, text out (content inline as base64, streamed).

const (
	envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?>` +
		`<soap:Envelope xmlns:soap="` + soap11NS + `" xmlns:xsi="` + xsiNS +
		`" xmlns:cmis="` + cmis.CoreNS + `" xmlns:cmism="` + cmis.MessagingNS + `"><soap:Body>`
	envelopeClose = `</soap:Body></soap:Envelope>`
	rootCID       = "root.message@cmisd"
	textXMLType   = "text/xml; charset=utf-8"
)

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// outStream is a content stream of a response.
type outStream struct {
	id string // Content-ID (and href) of the attachment
	r  io.Reader
}

// prepareStreams gives every stream of the response that has content a
// fresh, unique Content-ID; the text encoding finds its xop:Include by it.
func prepareStreams(resp any) []outStream {
	var out []outStream
	tag := randomHex(8)
	for i, s := range findStreams(resp) {
		if s.Reader == nil {
			continue
		}
		s.Href = fmt.Sprintf("content-%d-%s@cmisd", i+1, tag)
		out = append(out, outStream{id: s.Href, r: s.Reader})
	}
	return out
}

func closeStreams(streams []outStream) {
	for _, s := range streams {
		if c, ok := s.r.(io.Closer); ok {
			c.Close()
		}
	}
}

// marshalEnvelope encodes resp (a generated response element, or nil for
// an empty response named by emptyName) into a SOAP envelope.
func marshalEnvelope(resp any, emptyName string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(envelopeOpen)
	if resp == nil {
		b.WriteString(`<cmism:` + emptyName + `/>`)
	} else {
		start := b.Len()
		if err := xml.NewEncoder(&b).Encode(resp); err != nil {
			return nil, err
		}
		declarePrefixes(&b, start)
	}
	b.WriteString(envelopeClose)
	return b.Bytes(), nil
}

// bodyPrefixes are declared again on the response element: xsi:type
// values ("cmis:cmisTypeDocumentDefinitionType") name the cmis prefix, and
// stacks that copy the Body out of its Envelope (WCF message inspectors
// buffering a reply) lose declarations made on the Envelope.
const bodyPrefixes = ` xmlns:xsi="` + xsiNS + `" xmlns:cmis="` + cmis.CoreNS + `"`

// declarePrefixes inserts bodyPrefixes into the start tag encoding/xml
// wrote at b[start:], right after the element name.
func declarePrefixes(b *bytes.Buffer, start int) {
	out := b.Bytes()
	i := start + 1
	for i < len(out) && out[i] != ' ' && out[i] != '>' && out[i] != '/' {
		i++
	}
	tail := append([]byte(bodyPrefixes), out[i:]...)
	b.Truncate(i)
	b.Write(tail)
}

// faultEnvelope is the envelope of a fault.
func faultEnvelope(f fault) []byte {
	var b bytes.Buffer
	b.WriteString(envelopeOpen)
	appendFaultBody(&b, f)
	b.WriteString(envelopeClose)
	return b.Bytes()
}

// writeText writes a text/xml answer; streams replace their xop:Include
// placeholders by base64 text, encoded while it is copied.
func writeText(w http.ResponseWriter, status int, env []byte, streams []outStream) error {
	h := w.Header()
	h.Set("Content-Type", textXMLType)
	if len(streams) == 0 {
		h.Set("Content-Length", strconv.Itoa(len(env)))
		w.WriteHeader(status)
		_, err := w.Write(env)
		return err
	}
	type cut struct{ start, end int }
	cuts := make([]cut, len(streams))
	for i, s := range streams {
		st, end, ok := findInclude(env, s.id)
		if !ok || (i > 0 && st < cuts[i-1].end) {
			return fmt.Errorf("server: no xop:Include placeholder for %s in the response", s.id)
		}
		cuts[i] = cut{st, end}
	}
	w.WriteHeader(status)
	pos := 0
	for i, s := range streams {
		if _, err := w.Write(env[pos:cuts[i].start]); err != nil {
			return err
		}
		enc := base64.NewEncoder(base64.StdEncoding, w)
		if _, err := io.Copy(enc, s.r); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		pos = cuts[i].end
	}
	_, err := w.Write(env[pos:])
	return err
}

// findInclude locates the xop:Include element whose href is cid:id: from
// its '<' to the end of its end tag (or of the empty-element tag).
func findInclude(env []byte, id string) (start, end int, ok bool) {
	i := bytes.Index(env, []byte(`"cid:`+id+`"`))
	if i < 0 {
		return 0, 0, false
	}
	start = bytes.LastIndexByte(env[:i], '<')
	gt := bytes.IndexByte(env[i:], '>')
	if start < 0 || gt < 0 {
		return 0, 0, false
	}
	gt += i
	if env[gt-1] == '/' {
		return start, gt + 1, true
	}
	rest := env[gt+1:]
	if !bytes.HasPrefix(rest, []byte("</")) {
		return 0, 0, false
	}
	e := bytes.IndexByte(rest, '>')
	if e < 0 {
		return 0, 0, false
	}
	return start, gt + 1 + e + 1, true
}

// writeMTOM writes a multipart/related (XOP) answer: the envelope as root
// part, then one binary part per stream, copied from its reader. When
// every stream knows its size the answer has a Content-Length.
func writeMTOM(w http.ResponseWriter, status int, env []byte, streams []outStream) error {
	boundary := "uuid:" + randomHex(16)
	h := w.Header()
	h.Set("Content-Type", `multipart/related; type="application/xop+xml"; boundary="`+boundary+
		`"; start="<`+rootCID+`>"; start-info="text/xml"`)
	h.Set("MIME-Version", "1.0")
	var head bytes.Buffer
	head.WriteString("--" + boundary + "\r\n" +
		"Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n" +
		"Content-Transfer-Encoding: binary\r\n" +
		"Content-ID: <" + rootCID + ">\r\n\r\n")
	head.Write(env)
	head.WriteString("\r\n")
	closing := "--" + boundary + "--\r\n"
	parts := make([]string, len(streams))
	sizes := make([]int64, len(streams))
	// With every stream's length known the body's is too: announced, it
	// spares chunked encoding, and net/http sends files with sendfile.
	sized := true
	length := int64(head.Len() + len(closing))
	for i, s := range streams {
		parts[i] = "--" + boundary + "\r\n" +
			"Content-Type: application/octet-stream\r\n" +
			"Content-Transfer-Encoding: binary\r\n" +
			"Content-ID: <" + s.id + ">\r\n\r\n"
		sz, ok := s.r.(sizer)
		if !ok {
			sized = false
			continue
		}
		sizes[i] = sz.Size()
		length += int64(len(parts[i])) + sizes[i] + int64(len("\r\n"))
	}
	if sized {
		h.Set("Content-Length", strconv.FormatInt(length, 10))
	}
	w.WriteHeader(status)
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	for i, s := range streams {
		if _, err := io.WriteString(w, parts[i]); err != nil {
			return err
		}
		var err error
		if sized {
			err = copyStream(w, s.r, sizes[i])
		} else {
			_, err = io.Copy(w, s.r)
		}
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, "\r\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, closing)
	return err
}

// sizer is a stream that knows its length, as *io.SectionReader does.
type sizer interface{ Size() int64 }

// copyStream copies exactly size bytes of r, a stream whose length went
// out in Content-Length. Fewer is an error: the caller then breaks the
// connection rather than let a short body look complete. A section of an
// *os.File goes out as an *io.LimitedReader of the file, the shape
// net/http's ReadFrom sends with sendfile.
func copyStream(w io.Writer, r io.Reader, size int64) error {
	src := io.LimitReader(r, size)
	if f, off, ok := fileSection(r); ok {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("server: content stream: %w", err)
		}
		src = &io.LimitedReader{R: f, N: size}
	}
	n, err := io.Copy(w, src)
	if err != nil {
		return fmt.Errorf("server: content stream, after %d of %d bytes: %w", n, size, err)
	}
	if n < size {
		return fmt.Errorf("server: content stream ended after %d of %d bytes", n, size)
	}
	return nil
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
