package xop

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"testing/iotest"
)

// mimeParts reads every part of body with the given read size; it returns
// each part's Content-Id and data, and the error that ended the package
// (nil after the close delimiter).
func mimeParts(src io.Reader, boundary string, readSize int) ([][2]string, error) {
	m := newMIMEReader(src, boundary)
	var out [][2]string
	buf := make([]byte, readSize)
	for {
		p, err := m.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		var data bytes.Buffer
		if _, err := io.CopyBuffer(&data, onlyReader{p}, buf); err != nil {
			return out, err
		}
		out = append(out, [2]string{p.Header.Get("Content-Id"), data.String()})
	}
}

// stdParts is the same with mime/multipart, the reference.
func stdParts(body, boundary string) ([][2]string, error) {
	mr := multipart.NewReader(strings.NewReader(body), boundary)
	var out [][2]string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return out, err
		}
		out = append(out, [2]string{p.Header.Get("Content-Id"), string(data)})
	}
}

var readShapes = map[string]func(io.Reader) io.Reader{
	"whole":    func(r io.Reader) io.Reader { return r },
	"one byte": iotest.OneByteReader,
	"half":     iotest.HalfReader,
	"data+err": iotest.DataErrReader,
}

func TestMIMEReader(t *testing.T) {
	big := strings.Repeat("0123456789abcdef\r\n-", 40000) // 760 KB: more than the buffer
	tests := []struct {
		name string
		body string
		want [][2]string
		err  error // nil: ends at the close delimiter
	}{
		{"two parts", "--b\r\nContent-ID: <1>\r\n\r\nroot\r\n--b\r\nContent-ID: <2>\r\n\r\ndata\r\n--b--\r\n",
			[][2]string{{"<1>", "root"}, {"<2>", "data"}}, nil},
		{"preamble, padding, epilogue", "pre\r\namble\r\n--b  \r\nContent-ID: <1>\r\n\r\nx\r\n--b\t\r\n\r\ny\r\n--b--\r\nepilogue",
			[][2]string{{"<1>", "x"}, {"", "y"}}, nil},
		{"LF line endings", "--b\nContent-ID: <1>\n\nline1\r\nline2\n--b--\n",
			[][2]string{{"<1>", "line1\r\nline2"}}, nil},
		{"no newline after close", "--b\r\n\r\nx\r\n--b--", [][2]string{{"", "x"}}, nil},
		{"delimiter look-alikes are data", "--b\r\n\r\n\r\n--bx\r\n--b-x\r\n-b\r\n--\r\n--b--\r\n",
			[][2]string{{"", "\r\n--bx\r\n--b-x\r\n-b\r\n--"}}, nil},
		{"empty part, bare delimiter", "--b\r\nContent-ID: <e>\r\n\r\n--b\r\n\r\nz\r\n--b--\r\n",
			[][2]string{{"<e>", ""}, {"", "z"}}, nil},
		{"empty part, line break", "--b\r\nContent-ID: <e>\r\n\r\n\r\n--b--\r\n", [][2]string{{"<e>", ""}}, nil},
		{"large part", "--b\r\n\r\n" + big + "\r\n--b\r\n\r\nend\r\n--b--\r\n", [][2]string{{"", big}, {"", "end"}}, nil},
		{"no parts", "--b--\r\n", nil, nil},
		{"folded header", "--b\r\nContent-ID:\r\n <f>\r\n\r\nx\r\n--b--\r\n", [][2]string{{"<f>", "x"}}, nil},
		{"epilogue at the limit", "--b\r\n\r\nx\r\n--b--" + strings.Repeat("e", maxEpilogue-2), [][2]string{{"", "x"}}, nil},
		{"epilogue too long", "--b\r\n\r\nx\r\n--b--" + strings.Repeat("e", maxEpilogue+1), [][2]string{{"", "x"}}, errLongEpilogue},
		{"ends after a delimiter", "--b\r\n\r\nx\r\n--b\r\n", [][2]string{{"", "x"}}, errNoCloseDelimiter},
		{"ends at a delimiter", "--b\r\n\r\nx\r\n--b", [][2]string{{"", "x"}}, errNoCloseDelimiter},
		{"ends inside a part", "--b\r\n\r\nxyz", nil, io.ErrUnexpectedEOF},
		{"ends inside a header", "--b\r\nContent-ID: <1", nil, io.ErrUnexpectedEOF},
		{"wrong boundary", "--c\r\n\r\nx\r\n--c--\r\n", nil, errNoFirstDelimiter},
		{"empty body", "", nil, errNoFirstDelimiter},
	}
	for _, tt := range tests {
		for shape, wrap := range readShapes {
			for _, size := range []int{1, 7, 4096, 64 << 10, 1 << 20} {
				got, err := mimeParts(wrap(strings.NewReader(tt.body)), "b", size)
				if !errors.Is(err, tt.err) {
					t.Errorf("%s, %s reads of %d: error %v, want %v", tt.name, shape, size, err, tt.err)
					continue
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("%s, %s reads of %d: parts %.200q, want %.200q", tt.name, shape, size, got, tt.want)
				}
			}
		}
		if tt.err == nil {
			// The reference agrees on every package it accepts.
			want, err := stdParts(tt.body, "b")
			if err == nil && fmt.Sprint(want) != fmt.Sprint(tt.want) {
				t.Errorf("%s: mime/multipart reads %.200q", tt.name, want)
			}
		}
	}
}

// Bounds: a preamble, a header or a delimiter line that never ends is an
// error, not an unbounded read.
func TestMIMEReaderLimits(t *testing.T) {
	tests := []struct {
		name string
		body io.Reader
	}{
		{"endless preamble", io.MultiReader(strings.NewReader("x"), zeros{})},
		{"endless header", io.MultiReader(strings.NewReader("--b\r\nContent-ID: "), zeros{})},
		{"endless padding", io.MultiReader(strings.NewReader("--b\r\n\r\nx\r\n--b"), spaces{})},
	}
	for _, tt := range tests {
		_, err := mimeParts(io.LimitReader(tt.body, 64<<20), "b", 32<<10)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// A source error reaches the reader as it is: inside a part, and after
// the close delimiter too (a body cut short of its Content-Length there
// is no clean end).
func TestMIMEReaderSourceError(t *testing.T) {
	boom := errors.New("boom")
	for _, body := range []string{
		"--b\r\n\r\nsome data",
		"--b\r\n\r\nx\r\n--b--",
		"--b\r\n\r\nx\r\n--b--\r\nepilogue",
		"--b--\r\n",
	} {
		src := io.MultiReader(strings.NewReader(body), iotest.ErrReader(boom))
		if _, err := mimeParts(src, "b", 4096); !errors.Is(err, boom) {
			t.Errorf("%q: error %v, want %v", body, err, boom)
		}
	}
}

// Whatever mime/multipart accepts, the MTOM reader reads alike, however
// its reads are cut, or calls it truncated.
func FuzzMIMEReader(f *testing.F) {
	f.Add("--b\r\nContent-ID: <1>\r\n\r\nroot\r\n--b\r\n\r\ndata\r\n--b--\r\n", uint16(3))
	f.Add("--b\n\nx\n--b\n\n\n--b--", uint16(1))
	f.Add("pre\r\n--b \r\n\r\n--b\r\n\r\n\r\n--b-x\r\n--b--", uint16(2))
	f.Fuzz(func(t *testing.T, body string, size uint16) {
		want, err := stdParts(body, "b")
		if err != nil {
			return
		}
		for shape, wrap := range readShapes {
			got, err := mimeParts(wrap(strings.NewReader(body)), "b", int(size%5000)+1)
			// mime/multipart says io.EOF for some truncated packages too.
			if err != nil && err != errNoCloseDelimiter && err != io.ErrUnexpectedEOF {
				t.Fatalf("%s: %v on a package mime/multipart reads as %q", shape, err, want)
			}
			if err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: parts %q, mime/multipart %q", shape, got, want)
			}
		}
	})
}

// A part's header: names canonical, repeated fields kept in order, folded
// lines joined; a line that neither names a field nor continues a named
// one is an error.
func TestMIMEPartHeader(t *testing.T) {
	for _, tt := range []struct {
		name, head string
		want       map[string][]string // nil: an error
	}{
		{"plain", "Content-Type: text/xml\r\ncontent-id: <a>\r\n",
			map[string][]string{"Content-Type": {"text/xml"}, "Content-Id": {"<a>"}}},
		{"repeated and folded", "X-A: 1\r\nX-B:  2 \r\n\t two\r\nx-a: 3\r\n",
			map[string][]string{"X-A": {"1", "3"}, "X-B": {"2 two"}}},
		{"bare newlines", "X-A: 1\nX-B: 2\n", map[string][]string{"X-A": {"1"}, "X-B": {"2"}}},
		{"empty", "", map[string][]string{}},
		{"no colon", "X-A: 1\r\nnonsense\r\n", nil},
		{"folded first", " X-A: 1\r\n", map[string][]string{"X-A": {"1"}}},
		{"folded after a nameless field", ": 1\r\n folded\r\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := "--b\r\n" + tt.head + "\r\ndata\r\n--b--\r\n"
			p, err := newMIMEReader(strings.NewReader(body), "b").NextPart()
			if tt.want == nil {
				if err == nil {
					t.Fatalf("header %v, want an error", p.Header)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(p.Header) != fmt.Sprint(tt.want) {
				t.Errorf("header %v, want %v", p.Header, tt.want)
			}
		})
	}
}
