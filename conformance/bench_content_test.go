package conformance

// The content benchmarks' client: a 1 GiB upload streamed as an MTOM
// attachment or as inline base64, downloads parsed by their framing and
// copied with 1 MiB reads, and the references they are held against (dd,
// http.ServeFile). Requests are loadgen's, with a transport for large
// transfers.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
)

// benchBoundary is the MIME boundary of the content requests.
const benchBoundary = "uuid:6b1d2f6c-bench-4e0f-9a57-cmisd"

type benchClient struct {
	*loadgen.Client
}

func newBenchClient(b *testing.B, srv *loadgen.Server) *benchClient {
	b.Helper()
	tr := &http.Transport{
		Proxy:              nil,
		DialContext:        (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		DisableCompression: true,
		// Large transfers: big socket reads and writes keep the client's
		// share of the (two) CPUs small.
		ReadBufferSize:  1 << 20,
		WriteBufferSize: 1 << 20,
		MaxIdleConns:    4,
	}
	b.Cleanup(tr.CloseIdleConnections)
	c := &benchClient{loadgen.NewClient(loadgen.Config{URL: srv.Base, User: "admin", Password: srv.Password, Text: true,
		HTTP: &http.Client{Transport: tr, Timeout: 10 * time.Minute}})}
	if err := c.Discover(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

func (c *benchClient) envelope(body string) string { return string(c.Envelope(body)) }

// do posts a request and returns the answer when it is small; a fault is
// an error quoting its faultstring.
func (c *benchClient) do(service, action, ct string, body io.Reader, length int64) ([]byte, error) {
	req, err := c.Post(context.Background(), service, action, ct, body, length)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	status, err := c.Do(req, &buf)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", action, status, loadgen.FaultString(buf.Bytes()))
	}
	return buf.Bytes(), nil
}

// uploadMTOM creates a document whose content (size bytes from r) is an
// XOP attachment. The body is streamed: envelope, r, closing boundary.
func (c *benchClient) uploadMTOM(name string, r io.Reader, size int64) (string, error) {
	const cid = "content-1@cmisd-bench"
	env := c.envelope(c.CreateDocumentXML(c.Root, name, "application/octet-stream", size,
		loadgen.Include(cid)))
	head := "--" + benchBoundary + "\r\nContent-Id: <root@cmisd-bench>\r\n" +
		"Content-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
		env + "\r\n--" + benchBoundary + "\r\nContent-Id: <" + cid + ">\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
	tail := "\r\n--" + benchBoundary + "--\r\n"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(r, size), strings.NewReader(tail))
	ct := `multipart/related;start="<root@cmisd-bench>";type="application/xop+xml";boundary="` +
		benchBoundary + `";start-info="text/xml"`
	return c.create(ct, body, int64(len(head))+size+int64(len(tail)))
}

// create sends a createDocument and returns the new document's id.
func (c *benchClient) create(ct string, body io.Reader, length int64) (string, error) {
	out, err := c.do("ObjectService", "createDocument", ct, body, length)
	if err != nil {
		return "", err
	}
	return loadgen.ObjectID(out, "createDocument")
}

// uploadInline creates a document whose content is base64 text inside
// <stream> of a text/xml body. The base64 is produced on the fly into a
// pipe from gen; neither side holds the content.
func (c *benchClient) uploadInline(name string, gen io.Reader, size int64) (string, error) {
	env := c.envelope(c.CreateDocumentXML(c.Root, name, "application/octet-stream", size, "\x00"))
	head, tail, _ := strings.Cut(env, "\x00")
	pr, pw := io.Pipe()
	go func() {
		raw := make([]byte, 48<<10) // a multiple of 3: no padding until the end
		enc := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
		if _, err := io.WriteString(pw, head); err != nil {
			pw.CloseWithError(err)
			return
		}
		for left := size; left > 0; {
			n := int64(len(raw))
			if left < n {
				n = left
			}
			if _, err := io.ReadFull(gen, raw[:n]); err != nil {
				pw.CloseWithError(err)
				return
			}
			m := base64.StdEncoding.EncodedLen(int(n))
			base64.StdEncoding.Encode(enc[:m], raw[:n])
			if _, err := pw.Write(enc[:m]); err != nil {
				return
			}
			left -= n
		}
		if _, err := io.WriteString(pw, tail); err != nil {
			return
		}
		pw.Close()
	}()
	length := int64(len(head)) + int64(base64.StdEncoding.EncodedLen(int(size))) + int64(len(tail))
	defer pr.CloseWithError(errors.New("request done"))
	return c.create(loadgen.TextXML, pr, length)
}

// noReadFrom hides a writer's ReadFrom so io.CopyBuffer uses our buffer.
type noReadFrom struct{ io.Writer }

// benchCopyN copies exactly n bytes with 1 MiB reads (a bufio.Reader of
// that size then reads the socket straight into the buffer).
func benchCopyN(dst io.Writer, src io.Reader, n int64) (int64, error) {
	buf := make([]byte, 1<<20)
	m, err := io.CopyBuffer(noReadFrom{dst}, io.LimitReader(src, n), buf)
	if err == nil && m < n {
		err = io.ErrUnexpectedEOF
	}
	return m, err
}

// downloadMTOM asks for a document's content as MTOM and copies the
// attachment (of the expected size) to dst. The client parses the package
// by its framing and the known length (a full MIME parser would add its
// own cost to the measurement) and checks every delimiter.
func (c *benchClient) downloadMTOM(id string, size int64, dst io.Writer) error {
	env := c.envelope(`<cmism:getContentStream><cmism:repositoryId>` + c.Repo + `</cmism:repositoryId>` +
		`<cmism:objectId>` + id + `</cmism:objectId></cmism:getContentStream>`)
	root := "--" + benchBoundary + "\r\nContent-Id: <root@cmisd-bench>\r\n" +
		"Content-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
		env + "\r\n--" + benchBoundary + "--\r\n"
	req, err := http.NewRequest(http.MethodPost, c.URL("ObjectService"), strings.NewReader(root))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", `multipart/related;start="<root@cmisd-bench>";type="application/xop+xml";boundary="`+
		benchBoundary+`";start-info="text/xml"`)
	req.Header.Set("SOAPAction", `"getContentStream"`)
	resp, err := c.HTTP().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || err != nil || mt != "multipart/related" || params["boundary"] == "" {
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return fmt.Errorf("getContentStream: HTTP %d, %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), loadgen.FirstElement(out, "faultstring"))
	}
	delim := "--" + params["boundary"]
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	line := func() (string, error) {
		l, err := br.ReadSlice('\n')
		if err != nil {
			return "", fmt.Errorf("MTOM answer: %w", err)
		}
		return strings.TrimRight(string(l), "\r\n"), nil
	}
	headers := func() (map[string]string, error) {
		h := map[string]string{}
		for range 64 {
			l, err := line()
			if err != nil || l == "" {
				return h, err
			}
			k, v, _ := strings.Cut(l, ":")
			h[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		return nil, errors.New("MTOM answer: too many header lines")
	}
	if l, err := line(); err != nil || l != delim {
		return fmt.Errorf("MTOM answer does not start with its boundary (%q, %v)", l, err)
	}
	if _, err := headers(); err != nil {
		return err
	}
	var envelope strings.Builder
	for i := 0; ; i++ {
		l, err := line()
		if err != nil {
			return err
		}
		if l == delim {
			break
		}
		if i > 10000 {
			return errors.New("MTOM answer: root part too long")
		}
		envelope.WriteString(l + "\n")
	}
	if got := loadgen.FirstElement([]byte(envelope.String()), "length"); got != strconv.FormatInt(size, 10) {
		return fmt.Errorf("getContentStream says length %q, want %d", got, size)
	}
	h, err := headers()
	if err != nil {
		return err
	}
	href := loadgen.FirstElement([]byte(envelope.String()), "stream")
	if !strings.Contains(envelope.String(), "cid:"+strings.Trim(h["content-id"], "<>")) {
		return fmt.Errorf("the attachment's Content-ID %s is not the one the envelope names (%q)", h["content-id"], href)
	}
	if _, err := benchCopyN(dst, br, size); err != nil {
		return fmt.Errorf("reading the attachment: %w", err)
	}
	rest, _ := io.ReadAll(io.LimitReader(br, 4096))
	if want := "\r\n" + delim + "--"; strings.TrimRight(string(rest), "\r\n") != want {
		return fmt.Errorf("after %d bytes the attachment goes on or is not closed: %q", size, loadgen.Truncate(string(rest), 80))
	}
	return nil
}

// The <stream> element of an answer, with or without a prefix (cmisd
// writes cmism:stream).
var (
	streamTag = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?stream(?:\s[^>]*)?>`)
	streamEnd = regexp.MustCompile(`^</(?:[A-Za-z_][\w.-]*:)?stream>`)
)

// downloadText asks for a document's content as text/xml (inline base64)
// and decodes it into dst on the fly.
func (c *benchClient) downloadText(id string, dst io.Writer) (int64, error) {
	env := c.envelope(`<cmism:getContentStream><cmism:repositoryId>` + c.Repo + `</cmism:repositoryId>` +
		`<cmism:objectId>` + id + `</cmism:objectId></cmism:getContentStream>`)
	req, err := http.NewRequest(http.MethodPost, c.URL("ObjectService"), strings.NewReader(env))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"getContentStream"`)
	resp, err := c.HTTP().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, fmt.Errorf("getContentStream: HTTP %d: %s", resp.StatusCode, loadgen.FirstElement(out, "faultstring"))
	}
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	// Find the start tag of <stream> in the first MiB.
	var start int
	for n := 4096; ; n *= 2 {
		p, err := br.Peek(min(n, br.Size()))
		if m := streamTag.FindIndex(p); m != nil {
			start = m[1]
			break
		}
		if err != nil || n >= br.Size() {
			return 0, errors.New("no <stream> in the first MiB of the answer")
		}
	}
	br.Discard(start)
	n, err := io.CopyBuffer(noReadFrom{dst}, base64.NewDecoder(base64.StdEncoding, &untilLT{br: br}), make([]byte, 1<<20))
	if err != nil {
		return n, err
	}
	rest, _ := io.ReadAll(io.LimitReader(br, 1<<20))
	if !streamEnd.Match(rest) || !bytes.Contains(rest, []byte("Envelope>")) {
		return n, fmt.Errorf("the answer does not close <stream>: %q", loadgen.Truncate(string(rest), 80))
	}
	return n, nil
}

// untilLT reads from br up to (not including) the next '<'. It looks at
// no more than len(p) bytes a call: base64's decoder asks for 1 KiB at a
// time, and scanning all that is buffered each time would make the client
// the bottleneck.
type untilLT struct {
	br   *bufio.Reader
	done bool
}

func (u *untilLT) Read(p []byte) (int, error) {
	if u.done {
		return 0, io.EOF
	}
	if u.br.Buffered() == 0 {
		if _, err := u.br.Peek(1); err != nil {
			return 0, err
		}
	}
	buf, _ := u.br.Peek(min(u.br.Buffered(), len(p)))
	if i := bytes.IndexByte(buf, '<'); i >= 0 {
		buf = buf[:i]
		u.done = true
	}
	n := copy(p, buf)
	u.br.Discard(n)
	if u.done && n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// ---------------------------------------------------------------------------
// Content: random bytes, generated fast and reproducibly.

func benchRandom(seed uint64) io.Reader {
	var s [32]byte
	for i := range 4 {
		s[i*8] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

// writeRandomFile writes size random bytes to path, fsyncs it (so that its
// write-back does not disturb what is measured next) and returns its
// SHA-256.
func writeRandomFile(path string, size int64, seed uint64) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(benchRandom(seed), size), make([]byte, 1<<20)); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}

func mbps(bytes int64, d time.Duration) float64 {
	return float64(bytes) / benchMiB / d.Seconds()
}

// timeDD copies src to dst with dd bs=1M conv=fsync and returns how long
// it took and the CPU time dd used; dst is removed afterwards.
func timeDD(b *testing.B, src, dst string) (time.Duration, time.Duration) {
	b.Helper()
	cmd := exec.Command("dd", "if="+src, "of="+dst, "bs=1M", "conv=fsync")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("dd: %v\n%s", err, out)
	}
	if err := os.Remove(dst); err != nil {
		b.Fatal(err)
	}
	return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func mustCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	d, err := loadgen.ProcCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// storedFile finds the content file of size bytes in the data dir (the
// file getContentStream reads).
func storedFile(data string, size int64) (string, error) {
	var found string
	dir := filepath.Join(data, "content")
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || found != "" {
			return err
		}
		if d.IsDir() {
			if d.Name() == "tmp" {
				return filepath.SkipDir // uploads in progress
			}
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() == size {
			found = p
		}
		return nil
	})
	if err == nil && found == "" {
		err = fmt.Errorf("no content file of %d bytes under %s", size, data)
	}
	return found, err
}

// serveFile serves path with http.ServeFile on a loopback port.
func serveFile(b *testing.B, path string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/f"
}

func (c *benchClient) getFile(url string, size int64, dst io.Writer) error {
	resp, err := c.HTTP().Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		return fmt.Errorf("GET %s: %s, %d bytes", url, resp.Status, resp.ContentLength)
	}
	_, err = benchCopyN(dst, resp.Body, size)
	return err
}

// logMachine returns a function that logs the load average at the start
// and at the end (call it deferred): other work on the machine skews the
// numbers, and each pair is measured back to back to limit that. (Go
// keeps only 10 lines of a benchmark's log, so this takes one.)// warmUp runs a small MTOM upload and download and a text download, so
// the paths are loaded and their buffers allocated before memory is
// measured.
func (c *benchClient) warmUp(b *testing.B) {
	b.Helper()
	const n = 4 << 20
	id, err := c.uploadMTOM("warm-up.bin", benchRandom(99), n)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.downloadMTOM(id, n, io.Discard); err != nil {
		b.Fatal(err)
	}
	if _, err := c.downloadText(id, io.Discard); err != nil {
		b.Fatal(err)
	}
	if _, err := c.uploadInline("warm-up-inline.bin", benchRandom(98), n); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func roundsString(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Round(time.Millisecond).String()
	}
	return strings.Join(parts, " ")
}

func (c *benchClient) deleteObject(id string) error {
	_, err := c.Call(context.Background(), "ObjectService", "deleteObject", `<cmism:deleteObject><cmism:repositoryId>`+c.Repo+
		`</cmism:repositoryId><cmism:objectId>`+id+`</cmism:objectId><cmism:allVersions>true</cmism:allVersions></cmism:deleteObject>`)
	return err
}
