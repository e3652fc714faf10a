package xop

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/xsd"
)

// pkg builds a multipart body with mime/multipart; each part is a header
// block ("Name: value" lines joined by CRLF) and its data.
func pkg(t testing.TB, boundary string, parts ...[2]string) string {
	t.Helper()
	var b strings.Builder
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		for _, line := range strings.Split(p[0], "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			h.Add(k, strings.TrimSpace(v))
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, p[1])
	}
	w.Close()
	return b.String()
}

// rootXML names its content with an xop:Include of href, or holds it
// inline as base64 when href is empty.
func rootXML(href, inline string) string {
	content := `<xop:Include xmlns:xop="` + xsd.XOPNS + `" href="` + href + `"/>`
	if href == "" {
		content = base64.StdEncoding.EncodeToString([]byte(inline))
	}
	return `<r xmlns="` + testNS + `"><stream>` + content + `</stream></r>`
}

const rootHeaders = "Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-ID: <root@x>"

func testOptions(t testing.TB, hook func() error) Options {
	return Options{SpoolDir: t.TempDir(), MaxXMLBytes: 1 << 20, MaxDepth: 64, Stream: testStream, OnContent: hook}
}

var hrefRE = regexp.MustCompile(`href="(?:cid:)?([^"]+)"`)

// readPackage takes an MTOM body through every step, as a server does,
// and returns the content of the one stream of its XML; live tells
// whether it came from the live part rather than a spool file.
func readPackage(t *testing.T, contentType string, body io.Reader, o Options) (content string, live bool, err error) {
	t.Helper()
	rd := NewReader(o)
	t.Cleanup(rd.Close)
	_, params := ParseMediaType(contentType)
	if _, err := rd.OpenPackage(body, params); err != nil {
		return "", false, err
	}
	if _, err := rd.Root(); err != nil {
		return "", false, err
	}
	x, err := rd.ReadRoot()
	if err != nil {
		return "", false, err
	}
	m := hrefRE.FindSubmatch(x)
	if m == nil {
		t.Fatalf("no href in %s", x)
	}
	readers, err := rd.Streams([]string{string(m[1])})
	if err != nil {
		return "", false, err
	}
	spooled := Spooled(readers[0])
	data, err := io.ReadAll(readers[0])
	if err == nil {
		err = rd.End()
	}
	return string(data), !spooled, err
}

func TestPackageVariants(t *testing.T) {
	content := "binary \x00\xff\r\n-- not a boundary\r\ncontent"
	att := func(cid string, extra string) [2]string {
		return [2]string{"Content-Type: application/octet-stream\r\nContent-ID: " + cid + extra, content}
	}
	other := [2]string{"Content-Type: application/octet-stream\r\nContent-ID: <other@x>", strings.Repeat("unreferenced ", 1000)}
	tests := []struct {
		name     string
		ct       string // HTTP Content-Type
		body     string
		wantLive bool   // the stream is the live part (not spooled)
		wantErr  string // substring of an expected *Error
	}{
		{
			name:     "quoted params, start with <>",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b1"; start="<root@x>"; start-info="text/xml"`,
			body:     pkg(t, "b1", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "start without <>, unquoted boundary last, params upper case",
			ct:       `Multipart/Related;Type="application/xop+xml";START="root@x";Boundary=b-2+id=1`,
			body:     pkg(t, "b-2+id=1", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name:     "no start: first part is root; href URL-escaped",
			ct:       `multipart/related; type="application/xop+xml"; boundary=b3`,
			body:     pkg(t, "b3", [2]string{"Content-Type: application/xop+xml", rootXML("cid:a%40x", "")}, att("<a@x>", "")),
			wantLive: true,
		},
		{
			name: "WCF: boundary declared in a MIME header in the body, URL Content-IDs, 8bit",
			ct:   `multipart/related; type=application/xop+xml`,
			body: "MIME-Version: 1.0\r\nContent-Type: multipart/related;type=\"application/xop+xml\";boundary=\"wcf+id=1\";start=\"<http://tempuri.org/0/1>\"\r\n\r\n" +
				pkg(t, "wcf+id=1", [2]string{"Content-ID: <http://tempuri.org/0/1>\r\nContent-Transfer-Encoding: 8bit\r\nContent-Type: application/xop+xml;charset=utf-8;type=\"\"", rootXML("cid:http://tempuri.org/1/2", "")},
					att("<http://tempuri.org/1/2>", "\r\nContent-Transfer-Encoding: binary")),
			wantLive: true,
		},
		{
			name:     "attachment before the root part is spooled",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b5"; start="<root@x>"`,
			body:     pkg(t, "b5", att("<a@x>", ""), [2]string{rootHeaders, rootXML("cid:a@x", "")}),
			wantLive: false,
		},
		{
			name:     "unreferenced part in between is skipped",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b6"; start="<root@x>"`,
			body:     pkg(t, "b6", [2]string{rootHeaders, rootXML("cid:a@x", "")}, other, att("<a@x>", "\r\nContent-Disposition: attachment; filename=\"x.bin\"")),
			wantLive: true,
		},
		{
			name:     "base64 transfer encoding",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b7"`,
			body:     pkg(t, "b7", [2]string{rootHeaders, rootXML("cid:a@x", "")}, [2]string{"Content-ID: <a@x>\r\nContent-Transfer-Encoding: base64", base64.StdEncoding.EncodeToString([]byte(content))}),
			wantLive: true,
		},
		{
			name:     "preamble and inline base64 in the root part",
			ct:       `multipart/related; type="application/xop+xml"; boundary="b8"`,
			body:     "\r\npreamble\r\n" + pkg(t, "b8", [2]string{rootHeaders, rootXML("", content)}),
			wantLive: false,
		},
		{
			name:    "href names a missing part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b9"`,
			body:    pkg(t, "b9", [2]string{rootHeaders, rootXML("cid:missing@x", "")}, att("<a@x>", "")),
			wantErr: "no such part",
		},
		{
			name:    "wrong boundary",
			ct:      `multipart/related; type="application/xop+xml"; boundary="nope"`,
			body:    pkg(t, "b10", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", "")),
			wantErr: "boundary",
		},
		{
			name:    "truncated root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b11"`,
			body:    pkg(t, "b11", [2]string{rootHeaders, rootXML("cid:a@x", "")})[:150],
			wantErr: "truncated",
		},
		{
			name:    "start names no part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="b12"; start="<nothere>"`,
			body:    pkg(t, "b12", [2]string{rootHeaders, rootXML("cid:a@x", "")}),
			wantErr: "named by start",
		},
		{
			name:    "no boundary at all",
			ct:      `multipart/related; type="application/xop+xml"`,
			body:    "<soap:Envelope/>",
			wantErr: "without a boundary",
		},
		// The boundary is declared or the package is refused: a body that
		// starts with what looks like a delimiter declares nothing.
		{
			name:    "no boundary parameter, the body starts with a delimiter",
			ct:      `multipart/related; type="application/xop+xml"`,
			body:    pkg(t, "b4", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", "")),
			wantErr: "without a boundary",
		},
		{
			name:    "no boundary parameter, blank lines, then a delimiter",
			ct:      `multipart/related; type="application/xop+xml"; start="<root@x>"`,
			body:    "\r\n\r\n" + pkg(t, "b4b", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", "")),
			wantErr: "without a boundary",
		},
		{
			name:    "a MIME header at the top that declares no boundary",
			ct:      `multipart/related; type="application/xop+xml"`,
			body:    "MIME-Version: 1.0\r\nContent-Type: multipart/related; type=\"application/xop+xml\"\r\n\r\n" + pkg(t, "b4c", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", "")),
			wantErr: "without a boundary",
		},
		// Two parts with one Content-ID: whichever an href named would be a
		// guess.
		{
			name:    "duplicate Content-ID after the live part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="d1"`,
			body:    pkg(t, "d1", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a@x>", ""), att("<a@x>", "")),
			wantErr: "Content-ID <a@x>",
		},
		{
			name:    "duplicate Content-ID before the root part",
			ct:      `multipart/related; type="application/xop+xml"; boundary="d2"; start="<root@x>"`,
			body:    pkg(t, "d2", att("<a@x>", ""), att("<a@x>", ""), [2]string{rootHeaders, rootXML("cid:a@x", "")}),
			wantErr: "Content-ID <a@x>",
		},
		{
			name:    "duplicate Content-ID, once URL-escaped",
			ct:      `multipart/related; type="application/xop+xml"; boundary="d3"`,
			body:    pkg(t, "d3", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<a%40x>", ""), att("<a@x>", "")),
			wantErr: "Content-ID <a@x>",
		},
		{
			name:    "an attachment with the root part's Content-ID",
			ct:      `multipart/related; type="application/xop+xml"; boundary="d4"`,
			body:    pkg(t, "d4", [2]string{rootHeaders, rootXML("cid:a@x", "")}, att("<root@x>", ""), att("<a@x>", "")),
			wantErr: "Content-ID <root@x>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, live, err := readPackage(t, tt.ct, strings.NewReader(tt.body), testOptions(t, nil))
			if tt.wantErr != "" {
				var xe *Error
				if !errors.As(err, &xe) || !strings.Contains(xe.Msg, tt.wantErr) {
					t.Fatalf("err = %v, want an *Error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if live != tt.wantLive {
				t.Errorf("live = %v, want %v", live, tt.wantLive)
			}
			if got != content {
				t.Errorf("content %q, want %q", got, content)
			}
		})
	}
}

// A truncated attachment reaches its reader as an *Error.
func TestPackageTruncatedAttachment(t *testing.T) {
	body := pkg(t, "bt", [2]string{rootHeaders, rootXML("cid:a@x", "")}, [2]string{"Content-ID: <a@x>", strings.Repeat("x", 10000)})
	body = body[:len(body)-len("\r\n--bt--\r\n")-100]
	_, _, err := readPackage(t, `multipart/related; boundary="bt"`, strings.NewReader(body), testOptions(t, nil))
	var xe *Error
	if !errors.As(err, &xe) {
		t.Fatalf("read error %v, want an *Error", err)
	}
}

// cutShort is a body whose source fails after its last byte as net/http's
// does when a body ends before its Content-Length or without its last
// chunk: io.ErrUnexpectedEOF once, io.EOF after that.
func cutShort(body string) io.Reader {
	return io.MultiReader(strings.NewReader(body), &failOnce{err: io.ErrUnexpectedEOF})
}

type failOnce struct{ err error }

func (f *failOnce) Read([]byte) (int, error) {
	err := f.err
	f.err = io.EOF
	return 0, err
}

// However the package is shaped, a body that does not reach its clean end
// fails the reading: the content's last read, or the step before the
// operation when no content is live. The same bodies ending cleanly read.
func TestPackageNeedsCleanEnd(t *testing.T) {
	const ct = `multipart/related; type="application/xop+xml"; boundary="e"; start="<root@x>"`
	data := strings.Repeat("0123456789", 5000)
	att := [2]string{"Content-ID: <a@x>", data}
	other := [2]string{"Content-ID: <other@x>", "unreferenced"}
	root := [2]string{rootHeaders, rootXML("cid:a@x", "")}
	inline := [2]string{rootHeaders, rootXML("", data)}
	bodies := map[string]string{
		"live attachment last":              pkg(t, "e", root, att),
		"live attachment, then a part":      pkg(t, "e", root, att, other),
		"attachment before the root":        pkg(t, "e", att, root),
		"inline content, root alone":        pkg(t, "e", inline),
		"inline content, then a part":       pkg(t, "e", inline, other),
		"live attachment, epilogue":         pkg(t, "e", root, att) + "epilogue\r\n",
		"inline content, root, epilogue":    pkg(t, "e", inline) + "\r\n",
		"root alone, no newline at the end": strings.TrimSuffix(pkg(t, "e", inline), "\r\n"),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			got, _, err := readPackage(t, ct, strings.NewReader(body), testOptions(t, nil))
			if err != nil || got != data {
				t.Fatalf("clean end: %d bytes, %v", len(got), err)
			}
			_, _, err = readPackage(t, ct, cutShort(body), testOptions(t, nil))
			var xe *Error
			if !errors.As(err, &xe) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("cut short: %v, want an *Error for io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// The io.EOF of the last content waits for the body's own end: while the
// body is open after the close delimiter, a reader of the live part, or
// of the root alone, gets all the data but not its end.
func TestPackageEOFWaitsForBody(t *testing.T) {
	data := strings.Repeat("x", 100_000)
	cases := map[string]struct {
		body string
		read func(rd *Reader) error
	}{
		"live attachment": {
			body: pkg(t, "w", [2]string{rootHeaders, rootXML("cid:a@x", "")}, [2]string{"Content-ID: <a@x>", data}),
			read: func(rd *Reader) error {
				if _, err := rd.ReadRoot(); err != nil {
					return err
				}
				rs, err := rd.Streams([]string{"a@x"})
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, rs[0])
				return err
			},
		},
		"root alone": {
			body: pkg(t, "w", [2]string{rootHeaders, rootXML("", data)}),
			read: func(rd *Reader) error { _, err := rd.ReadRoot(); return err },
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			pr, pw := io.Pipe()
			rd := NewReader(testOptions(t, nil))
			defer rd.Close()
			go pw.Write([]byte(c.body))
			if _, err := rd.OpenPackage(pr, map[string]string{"boundary": "w"}); err != nil {
				t.Fatal(err)
			}
			if _, err := rd.Root(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.read(rd) }()
			select {
			case err := <-done:
				t.Fatalf("reading ended (%v) before the body did", err)
			case <-time.After(100 * time.Millisecond):
			}
			pw.CloseWithError(io.ErrUnexpectedEOF)
			if err := <-done; !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("after the body failed: %v", err)
			}
		})
	}
}

// A plain XML body is read to its clean end, or refused, however its
// reads are cut (one byte at a time, the failure meets a look-ahead for
// markup at the last end tag, and must not be lost there).
func TestReadTextNeedsCleanEnd(t *testing.T) {
	x := rootXML("", "hello")
	for shape, wrap := range readShapes {
		rd := NewReader(testOptions(t, nil))
		defer rd.Close()
		if _, err := rd.ReadText(wrap(strings.NewReader(x))); err != nil {
			t.Fatalf("%s, clean end: %v", shape, err)
		}
		rd2 := NewReader(testOptions(t, nil))
		defer rd2.Close()
		_, err := rd2.ReadText(wrap(cutShort(x)))
		var xe *Error
		if !errors.As(err, &xe) {
			t.Fatalf("%s, cut short: %v, want an *Error", shape, err)
		}
	}
}

// OnContent runs once, before content is spooled or handed out, and its
// error ends the reading as it is; a request without content never calls
// it.
func TestOnContent(t *testing.T) {
	const ct = `multipart/related; boundary="h"; start="<root@x>"`
	att := [2]string{"Content-ID: <a@x>", "data"}
	root := [2]string{rootHeaders, rootXML("cid:a@x", "")}
	refuse := errors.New("no more uploads")
	tests := []struct {
		name string
		ct   string
		body string
	}{
		{"live attachment", ct, pkg(t, "h", root, att)},
		{"early attachment", ct, pkg(t, "h", att, root)},
		{"inline in MTOM", ct, pkg(t, "h", [2]string{rootHeaders, rootXML("", "data")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got, _, err := readPackage(t, tt.ct, strings.NewReader(tt.body), testOptions(t, func() error { calls++; return nil }))
			if err != nil || got != "data" || calls != 1 {
				t.Fatalf("content %q, %v, hook called %d times, want once", got, err, calls)
			}
			_, _, err = readPackage(t, tt.ct, strings.NewReader(tt.body), testOptions(t, func() error { return refuse }))
			if err != refuse {
				t.Fatalf("err = %v, want the hook's error as it is", err)
			}
		})
	}
	t.Run("inline in text", func(t *testing.T) {
		rd := NewReader(testOptions(t, func() error { return refuse }))
		defer rd.Close()
		if _, err := rd.ReadText(strings.NewReader(rootXML("", "data"))); err != refuse {
			t.Fatalf("err = %v, want the hook's error", err)
		}
	})
	t.Run("no content", func(t *testing.T) {
		rd := NewReader(testOptions(t, func() error { t.Error("hook called"); return nil }))
		defer rd.Close()
		if _, err := rd.ReadText(strings.NewReader(`<r xmlns="` + testNS + `"><stream/><id>1</id></r>`)); err != nil {
			t.Fatal(err)
		}
	})
}

// The set of Content-IDs finds a repeated one whether it holds a few (a
// slice) or many (a map).
func TestContentIDs(t *testing.T) {
	var c contentIDs
	for i := range 3 * fewContentIDs {
		id := fmt.Sprintf("part%d@x", i)
		if !c.add(id) {
			t.Fatalf("%s: refused as repeated", id)
		}
		for j := 0; j <= i; j++ {
			if c.add(fmt.Sprintf("part%d@x", j)) {
				t.Fatalf("part%d@x: taken twice with %d in the set", j, i+1)
			}
		}
	}
}
