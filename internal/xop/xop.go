// Package xop reads the body of a SOAP request as MTOM/XOP defines it: a
// MIME multipart/related package whose root part is the XML and whose
// other parts are content streams that the XML names with xop:Include,
// or plain XML with the content inline as base64.
//
// Everything is streamed: inline base64 is decoded into spool files while
// the XML is read (the diverter), parts that arrive before they are needed
// are spooled, and the attachment an operation reads is the live MIME part.
// Whatever the shape of the body, the last byte of content is only handed
// over once the rest of the body has been read to its clean end, so that
// a body cut short never looks like a complete upload.
//
// It knows nothing of SOAP or CMIS: the caller names the element whose
// text is content, and maps the errors. An *Error is the client's fault
// (broken framing, a body cut short, a limit); any other error is the
// server's own (a spool file that cannot be written) or the caller's
// OnContent hook's, passed on as it is.
package xop

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/textproto"
)

// Error is a request body the client got wrong. Msg is meant for the
// client; Err, if any, is the cause.
type Error struct {
	Msg string
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// ErrDoctype refuses DOCTYPE and ENTITY declarations; an XML parser that
// reads the diverted XML afterwards refuses them with it too.
var ErrDoctype = errorf("DOCTYPE and ENTITY declarations are not allowed")

// Options are the limits and hooks of reading one request.
type Options struct {
	// SpoolDir holds the request's spool files (os.TempDir() if empty).
	SpoolDir string
	// MaxXMLBytes bounds the XML (content streams excluded); MaxDepth its
	// element nesting.
	MaxXMLBytes int64
	MaxDepth    int
	// Stream is the element whose base64 text is content (diverted).
	Stream xml.Name
	// OnContent, if set, is called once, when the request first turns out
	// to carry content: an inline stream, or a MIME part other than the
	// root that is spooled or handed out. Its error ends the reading and
	// is returned as it is.
	OnContent func() error
}

// Reader reads the body of one request. Close removes its spool files.
type Reader struct {
	opt     Options
	header  *bufio.Reader // the package's first reads (pooled)
	spool   *spooler
	pkg     *mtomReader // nil for plain XML
	root    io.Reader
	content bool      // OnContent was called
	div     *diverter // holds the XML read (pooled)
}

// NewReader starts reading one request.
func NewReader(o Options) *Reader {
	return &Reader{opt: o, spool: newSpooler(o.SpoolDir)}
}

// Close removes every spool file of the request and gives its buffers
// back, the XML ReadText or ReadRoot returned among them.
func (r *Reader) Close() {
	r.spool.cleanup()
	if r.pkg != nil {
		r.pkg.mr.release()
	}
	if r.header != nil {
		putReader(&headerReaders, r.header)
		r.header = nil
	}
	if r.div != nil {
		r.div.release()
		r.div = nil
	}
}

// contentStarts calls the OnContent hook the first time.
func (r *Reader) contentStarts() error {
	if r.content {
		return nil
	}
	r.content = true
	if r.opt.OnContent == nil {
		return nil
	}
	return r.opt.OnContent()
}

// ReadText reads a plain XML body to its end and returns the XML, with
// inline content diverted to spool files. A body that does not end
// cleanly (short of its Content-Length, a chunked body without its last
// chunk) is an error. The XML is valid until Close.
func (r *Reader) ReadText(body io.Reader) ([]byte, error) {
	return r.divert(&sticky{r: body})
}

// sticky repeats its source's first error (io.EOF included) on every later
// read. bufio hands an error out once, and a caller that only peeks may
// drop it; the next read must not then find a clean end (net/http's body
// answers io.EOF after io.ErrUnexpectedEOF).
type sticky struct {
	r   io.Reader
	err error
}

func (s *sticky) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// OpenPackage starts reading an MTOM package. params are the parameters
// of the HTTP Content-Type; it returns them completed from the MIME header
// WCF on Mono puts at the top of the body.
func (r *Reader) OpenPackage(body io.Reader, params map[string]string) (map[string]string, error) {
	// Room for that MIME header; the parts are read in larger pieces,
	// past this buffer.
	br := getReader(&headerReaders, &sticky{r: body})
	r.header = br
	params, err := mtomParams(br, params)
	if err != nil {
		return nil, err
	}
	r.pkg = &mtomReader{rd: r, mr: newMIMEReader(br, params["boundary"]), start: params["start"]}
	return params, nil
}

// Root finds the root part of the package (named by the start parameter,
// else the first) and returns its header.
func (r *Reader) Root() (textproto.MIMEHeader, error) {
	if r.pkg == nil {
		return nil, errors.New("xop: Root before OpenPackage")
	}
	root, hdr, err := r.pkg.openRoot()
	if err != nil {
		return nil, err
	}
	r.root = root
	return hdr, nil
}

// ReadRoot reads the root part's XML, with inline content diverted. The
// XML is valid until Close.
func (r *Reader) ReadRoot() ([]byte, error) {
	if r.root == nil {
		return nil, errors.New("xop: ReadRoot before Root")
	}
	return r.divert(r.root)
}

func (r *Reader) divert(src io.Reader) ([]byte, error) {
	if r.div == nil {
		r.div = diverters.Get().(*diverter)
	}
	return divertStreams(r.div, src, r.opt.MaxXMLBytes, r.opt.MaxDepth, r.opt.Stream, r.spool, r.contentStarts)
}

// Streams returns a reader for the content each href (an xop:Include
// href, in document order) names: a spool file for diverted inline
// content and for parts that arrived early, the live MIME part for the
// last attachment. When no live part is handed out, the rest of the
// package is read to its end first; otherwise the live part's io.EOF
// waits for that.
func (r *Reader) Streams(hrefs []string) ([]io.Reader, error) {
	out := make([]io.Reader, len(hrefs))
	var pending []string
	var at []int
	for i, h := range hrefs {
		if sp, ok := r.spool.lookup(h); ok {
			rd, err := r.spool.openRead(sp)
			if err != nil {
				return nil, err
			}
			out[i] = rd
			continue
		}
		if r.pkg == nil {
			return nil, errorf("xop:Include names cid:%s, but the request is not an MTOM package", h)
		}
		pending = append(pending, h)
		at = append(at, i)
	}
	if r.pkg == nil {
		return out, nil
	}
	readers, err := r.pkg.resolve(pending)
	if err != nil {
		return nil, err
	}
	for k, i := range at {
		out[i] = readers[k]
	}
	return out, nil
}

// End reads what is left of the body to its end and reports whether the
// body was whole. A caller that succeeded without reading its content
// to the end calls it before it answers.
func (r *Reader) End() error {
	if r.pkg == nil {
		return nil // ReadText read it all
	}
	if err := r.pkg.failed; err != nil {
		return err
	}
	return r.pkg.expectEnd()
}

// Err is the first error a reader of a MIME part returned to its
// consumer: when an operation fails after that, this is why.
func (r *Reader) Err() error {
	if r.pkg == nil {
		return nil
	}
	return r.pkg.failed
}
