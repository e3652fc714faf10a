package xop

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cmisd/cmisd/internal/xsd"
)

// testNS is the namespace of the stream element in these tests.
const testNS = "urn:cmisd:test"

var testStream = xml.Name{Space: testNS, Local: "stream"}

const msgNS = `xmlns:m="` + testNS + `"`

func noHook() error { return nil }

// divertString runs the diverter and returns the XML and the content of
// each placeholder, in order.
func divertString(t *testing.T, in string, max int64) (string, [][]byte, error) {
	t.Helper()
	return divertReader(t, strings.NewReader(in), max)
}

// divertReader is divertString reading from src.
func divertReader(t *testing.T, src io.Reader, max int64) (string, [][]byte, error) {
	t.Helper()
	sp := newSpooler(t.TempDir())
	t.Cleanup(sp.cleanup)
	out, err := divertStreams(new(diverter), src, max, 64, testStream, sp, noHook)
	if err != nil {
		return "", nil, err
	}
	var contents [][]byte
	for _, m := range regexp.MustCompile(`href="cid:([^"]+)"`).FindAllStringSubmatch(string(out), -1) {
		at, ok := sp.lookup(m[1])
		if !ok {
			continue
		}
		rd, err := sp.openRead(at)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		contents = append(contents, data)
	}
	return string(out), contents, nil
}

func TestDivert(t *testing.T) {
	hello := base64.StdEncoding.EncodeToString([]byte("hello, world"))
	ph := func(n int) string {
		return `<xop:Include xmlns:xop="` + xsd.XOPNS + `" href="cid:` + placeholderID(n) + `"/>`
	}
	tests := []struct {
		name     string
		in       string
		wantXML  string   // "" = input unchanged
		contents []string // content of each diverted stream
	}{
		{
			name:     "plain base64",
			in:       `<m:x ` + msgNS + `><m:stream>` + hello + `</m:stream></m:x>`,
			wantXML:  `<m:x ` + msgNS + `><m:stream>` + ph(1) + `</m:stream></m:x>`,
			contents: []string{"hello, world"},
		},
		{
			name:     "default namespace, line breaks and blanks",
			in:       `<x xmlns="` + testNS + `"><stream>` + "\r\n  aGVs\nbG8s\r\n IHdv cmxk\n" + `</stream></x>`,
			wantXML:  `<x xmlns="` + testNS + `"><stream>` + ph(1) + `</stream></x>`,
			contents: []string{"hello, world"},
		},
		{
			name:     "character references and comment inside",
			in:       `<m:x ` + msgNS + `><m:stream>aGVs&#13;&#xA;bG8s<!-- c -->IHdvcmxk</m:stream></m:x>`,
			wantXML:  `<m:x ` + msgNS + `><m:stream>` + ph(1) + `</m:stream></m:x>`,
			contents: []string{"hello, world"},
		},
		{
			name:     "CDATA",
			in:       `<m:x ` + msgNS + `><m:stream><![CDATA[aGVsbG8s]]>IHdvcmxk</m:stream></m:x>`,
			wantXML:  `<m:x ` + msgNS + `><m:stream>` + ph(1) + `</m:stream></m:x>`,
			contents: []string{"hello, world"},
		},
		{
			name:     "missing padding tolerated",
			in:       `<m:x ` + msgNS + `><m:stream>aGk</m:stream></m:x>`,
			wantXML:  `<m:x ` + msgNS + `><m:stream>` + ph(1) + `</m:stream></m:x>`,
			contents: []string{"hi"},
		},
		{
			name: "xop:Include left alone",
			in: `<m:x ` + msgNS + `><m:stream>
  <xop:Include xmlns:xop="` + xsd.XOPNS + `" href="cid:a@b"/>
</m:stream></m:x>`,
		},
		{
			name: "stream in another namespace untouched",
			in:   `<x xmlns="urn:other"><stream>` + hello + `</stream></x>`,
		},
		{
			name: "prefix rebound to another namespace",
			in:   `<m:x ` + msgNS + `><m:y xmlns:m="urn:other"><m:stream>` + hello + `</m:stream></m:y></m:x>`,
		},
		{
			name: "stream text inside comment, CDATA, PI and attribute untouched",
			in: `<m:x ` + msgNS + ` a="<m:stream>` + hello + `</m:stream>" b='>'><!-- <m:stream>` + hello + `</m:stream> -->` +
				`<![CDATA[<m:stream>` + hello + `</m:stream>]]><?pi <m:stream>?></m:x>`,
		},
		{
			name: "empty and self-closing streams untouched",
			in:   `<m:x ` + msgNS + `><m:stream></m:stream><m:stream/><m:stream>  </m:stream></m:x>`,
		},
		{
			name:    "BOM dropped",
			in:      "\uFEFF<?xml version=\"1.0\"?><a/>",
			wantXML: `<?xml version="1.0"?><a/>`,
		},
		{
			name:     "padding split by white space",
			in:       `<m:x ` + msgNS + `><m:stream>aA=` + "\n" + `=</m:stream></m:x>`,
			wantXML:  `<m:x ` + msgNS + `><m:stream>` + ph(1) + `</m:stream></m:x>`,
			contents: []string{"h"},
		},
		{
			name:     "two streams",
			in:       `<m:x ` + msgNS + `><m:stream>aGk=</m:stream><m:stream>aG8=</m:stream></m:x>`,
			wantXML:  `<m:x ` + msgNS + `><m:stream>` + ph(1) + `</m:stream><m:stream>` + ph(2) + `</m:stream></m:x>`,
			contents: []string{"hi", "ho"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, contents, err := divertString(t, tt.in, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantXML
			if want == "" {
				want = tt.in
			}
			if out != want {
				t.Errorf("XML:\n got %s\nwant %s", out, want)
			}
			// Tags that arrive a byte at a time are read the same.
			if bytewise, _, err := divertReader(t, iotest.OneByteReader(strings.NewReader(tt.in)), 1<<20); err != nil || bytewise != out {
				t.Errorf("read a byte at a time: %v\n%s", err, bytewise)
			}
			if len(contents) != len(tt.contents) {
				t.Fatalf("got %d diverted streams, want %d", len(contents), len(tt.contents))
			}
			for i := range contents {
				if string(contents[i]) != tt.contents[i] {
					t.Errorf("stream %d = %q, want %q", i, contents[i], tt.contents[i])
				}
			}
		})
	}
}

func TestDivertRejects(t *testing.T) {
	big := strings.Repeat("A", 4000)
	tests := []struct {
		name string
		in   string
		max  int64
		want string // substring of the fault message
	}{
		{"doctype", `<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>`, 1 << 20, "DOCTYPE"},
		{"entity inside", `<x><!ENTITY e "x"></x>`, 1 << 20, "DOCTYPE"},
		{"too deep", strings.Repeat("<a>", 65) + strings.Repeat("</a>", 65), 1 << 20, "deeper"},
		{"too large", `<x>` + big + `</x>`, 1000, "larger than the limit"},
		{"too large tag", `<x a="` + big + `"/>`, 1000, "larger than the limit"},
		{"invalid base64", `<m:x ` + msgNS + `><m:stream>aGk*aGk=</m:stream></m:x>`, 1 << 20, "not valid base64"},
		{"data after padding", `<m:x ` + msgNS + `><m:stream>aGk=aGk=</m:stream></m:x>`, 1 << 20, "not valid base64"},
		{"bad length", `<m:x ` + msgNS + `><m:stream>a</m:stream></m:x>`, 1 << 20, "not valid base64"},
		{"named entity", `<m:x ` + msgNS + `><m:stream>aGk&amp;</m:stream></m:x>`, 1 << 20, "invalid reference"},
		{"text and element", `<m:x ` + msgNS + `><m:stream>aGk=<b/></m:stream></m:x>`, 1 << 20, "both base64 text and an element"},
		{"truncated in stream", `<m:x ` + msgNS + `><m:stream>aGk=`, 1 << 20, "ended in the middle"},
		{"truncated after '<' in stream", `<m:x ` + msgNS + `><m:stream>aGk=<`, 1 << 20, "ended in the middle"},
		{"truncated in tag", `<m:x ` + msgNS + ` a="`, 1 << 20, "ended in the middle"},
		{"truncated comment", `<x><!-- `, 1 << 20, "ended in the middle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := divertString(t, tt.in, tt.max)
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if !strings.Contains(xe.Msg, tt.want) {
				t.Errorf("err = %q, want one containing %q", xe.Msg, tt.want)
			}
		})
	}
}

// The stream text does not count against the XML limit.
func TestDivertLimitExcludesStream(t *testing.T) {
	payload := bytes.Repeat([]byte{0xAB}, 100_000)
	in := `<m:x ` + msgNS + `><m:stream>` + base64.StdEncoding.EncodeToString(payload) + `</m:stream></m:x>`
	_, contents, err := divertString(t, in, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(contents) != 1 || !bytes.Equal(contents[0], payload) {
		t.Fatal("content not diverted intact")
	}
}

// pseudoRandom is a deterministic stream of n bytes.
func pseudoRandom(seed byte, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{seed}), n)
}

// base64Body is an XML document with n bytes of content inline as base64 with
// line breaks, produced as a stream.
func base64Body(n int64, seed byte) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`<?xml version="1.0" encoding="utf-8"?><r xmlns="` + testNS + `"><id>A1</id><content><stream>`))
		enc := base64.NewEncoder(base64.StdEncoding, &lineBreaker{w: pw})
		io.Copy(enc, pseudoRandom(seed, n))
		enc.Close()
		pw.Write([]byte(`</stream></content></r>`))
		pw.Close()
	}()
	return pr
}

type lineBreaker struct {
	w   io.Writer
	col int
}

func (l *lineBreaker) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return n, err
		}
		n += k
		l.col += k
		p = p[k:]
		if l.col == 76 {
			l.w.Write([]byte("\r\n"))
			l.col = 0
		}
	}
	return n, nil
}

// A 64 MiB inline base64 body is diverted with bounded memory, and the
// stream handed to the handler returns the bytes exactly.
func TestDivertLargeBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: diverts 64 MiB of base64; run without -short")
	}
	const size = 64 << 20
	sp := newSpooler(t.TempDir())
	defer sp.cleanup()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := divertStreams(new(diverter), base64Body(size, 7), 1<<20, 64, testStream, sp, noHook)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("diverting %d MiB of base64 allocated %d KiB; heap in use %d KiB", size>>20, alloc>>10, after.HeapInuse>>10)
	if raceEnabled {
		t.Log("race detector on: allocation bounds not checked")
	} else if alloc > 8<<20 {
		t.Errorf("diverting allocated %d bytes, want < 8 MiB (content must not be held in memory)", alloc)
	}
	if after.HeapInuse > before.HeapInuse+16<<20 {
		t.Errorf("heap in use grew from %d to %d", before.HeapInuse, after.HeapInuse)
	}
	if len(out) > 1024 {
		t.Errorf("XML after diverting is %d bytes", len(out))
	}

	// Read the stream as a handler would.
	m := regexp.MustCompile(`href="cid:([^"]+)"`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no placeholder in %s", out)
	}
	at, ok := sp.lookup(string(m[1]))
	if !ok || at.path == "" {
		t.Fatalf("no spool file for %q: %+v", m[1], ok)
	}
	path := at.path
	rd, err := sp.openRead(at)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, rd)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	io.Copy(want, pseudoRandom(7, size))
	if n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("stream returned %d bytes, digest mismatch=%v", n, !bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	// Spool files go away with the request.
	sp.cleanup()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("spool file still there after cleanup: %v", err)
	}
}

// Small inline streams stay in memory, up to memStream each and
// memRequest for the request; past either, a stream goes to a file with
// the bytes memory held, and gives its memory back.
func TestDivertSmallStreamsInMemory(t *testing.T) {
	stream := func(n int) string {
		return `<m:stream>` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(n)}, n)) + `</m:stream>`
	}
	tests := []struct {
		name    string
		sizes   []int
		inFiles []bool
	}{
		{"one small", []int{1024}, []bool{false}},
		{"at the stream bound", []int{memStream}, []bool{false}},
		{"past the stream bound", []int{memStream + 1}, []bool{true}},
		{"a spilled stream gives its memory back", []int{memStream + 1, 3 * memStream / 4, memStream, memStream, memStream}, []bool{true, false, false, false, false}},
		{"past the request bound", []int{memStream, memStream, memStream, memStream, 10}, []bool{false, false, false, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := `<m:x ` + msgNS + `>`
			for _, n := range tt.sizes {
				in += stream(n)
			}
			in += `</m:x>`
			dir := t.TempDir()
			sp := newSpooler(dir)
			defer sp.cleanup()
			out, err := divertStreams(new(diverter), strings.NewReader(in), 1<<20, 64, testStream, sp, noHook)
			if err != nil {
				t.Fatal(err)
			}
			ids := regexp.MustCompile(`href="cid:([^"]+)"`).FindAllStringSubmatch(string(out), -1)
			if len(ids) != len(tt.sizes) {
				t.Fatalf("%d placeholders in %s", len(ids), out)
			}
			files := 0
			for i, m := range ids {
				at, _ := sp.lookup(m[1])
				if inFile := at.path != ""; inFile != tt.inFiles[i] {
					t.Errorf("stream %d (%d bytes) in a file: %v, want %v", i, tt.sizes[i], inFile, tt.inFiles[i])
				} else if inFile {
					files++
				}
				rd, err := sp.openRead(at)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(rd)
				if !bytes.Equal(data, bytes.Repeat([]byte{byte(tt.sizes[i])}, tt.sizes[i])) {
					t.Errorf("stream %d: %d bytes back, want %d", i, len(data), tt.sizes[i])
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != files {
				t.Errorf("%d spool files, want %d", len(entries), files)
			}
			if sp.memUsed > memRequest {
				t.Errorf("%d bytes held in memory, bound %d", sp.memUsed, memRequest)
			}
		})
	}
}
