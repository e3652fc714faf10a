package conformance

// Performance benchmarks of a live cmisd: the targets.
//
//	go test -tags 'netgo osusergo sqlite_omit_load_extension sqlite_fts5' \
//	    -run '^$' -bench . -benchtime 1x -timeout 30m ./conformance
//
// BenchmarkMTOM1GiB     (a) 1 GiB createDocument as an MTOM attachment and
//                           getContentStream answered as MTOM, against dd
//                           (bs=1M conv=fsync) into the data dir and against
//                           http.ServeFile of the stored file over loopback;
//                           the server's peak RSS growth.
// BenchmarkInline100MiB (b) 100 MiB createDocument as inline base64 in a
//                           text/xml body; the server's peak RSS growth (and
//                           the same for a text/xml getContentStream).
// BenchmarkLoad         (c) getObject and getChildren (100 children,
//                           filter *) at 8 keep-alive clients with a
//                           WS-Security UsernameToken, and with HTTP Basic
//                           for comparison, run by cmd/cmisd-load.
//
// Benchmarks never run in a plain `go test`. They start the server as a
// child process (CMISD_BIN, else built with go build and the Makefile's
// tags) on 127.0.0.1:0 with a fresh --data dir under the temp dir. Memory
// is read from /proc/PID/status: VmHWM after resetting it through
// /proc/PID/clear_refs once warmed up, minus VmRSS at that moment. In (a)
// each comparison is made of rounds measured back to back (dd then
// upload; ServeFile then download). The targets compare the best round
// of each side: on a shared VM, noise only ever adds time, and here the
// page cache sometimes needs 2.5 s of CPU per GiB to find memory, a
// state that takes dd and the upload alike at random; medians are logged
// too.
//
// Knobs: CMISD_BENCH_ROUNDS (5), CMISD_BENCH_MTOM_MIB (1024),
// CMISD_BENCH_INLINE_MIB (100), CMISD_BENCH_LOAD_DURATION (10s),
// CMISD_BENCH_LOAD_CLIENTS (8). With CMISD_BENCH_STRICT=1 a missed target
// fails the benchmark; otherwise it is logged as MISSED.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const (
	benchPassword = "bench-secret"
	benchMiB      = 1 << 20
	// The targets of the issue.
	benchMaxRSSGrowthMiB = 64
	benchMaxRatio        = 1.3
)

// ---------------------------------------------------------------------------
// Environment

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchEnvDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchTarget logs whether a target was met; with CMISD_BENCH_STRICT=1 a
// miss fails the benchmark.
func benchTarget(b *testing.B, ok bool, format string, args ...any) {
	b.Helper()
	msg := fmt.Sprintf(format, args...)
	switch {
	case ok:
		b.Logf("target met:    %s", msg)
	case os.Getenv("CMISD_BENCH_STRICT") == "1":
		b.Errorf("target MISSED: %s", msg)
	default:
		b.Logf("target MISSED: %s", msg)
	}
}

// benchFreeSpace fails early when dir's filesystem cannot take need bytes.
func benchFreeSpace(b *testing.B, dir string, need int64) {
	b.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		b.Fatalf("statfs %s: %v", dir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < need {
		b.Skipf("%s has %d MiB free, the benchmark needs %d MiB", dir, free/benchMiB, need/benchMiB)
	}
}

// ---------------------------------------------------------------------------
// The server under test

type benchServer struct {
	base string
	data string
	cmd  *exec.Cmd
	pid  int

	mu   sync.Mutex
	tail []byte // the end of the server's log, for failures
}

func (s *benchServer) logTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.tail)
}

// benchStartServer starts cmisd on a free loopback port with a fresh data
// directory (the approach of liveServer in interop_test.go) and stops it
// when the benchmark ends.
func benchStartServer(b *testing.B) *benchServer {
	b.Helper()
	bin := cmisdBinary(b)
	s := &benchServer{data: b.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	s.cmd = exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--data", s.data,
		"--admin-password", benchPassword, "--log-level", "info")
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.pid = s.cmd.Process.Pid
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Bytes()
			s.mu.Lock()
			s.tail = append(s.tail, line...)
			s.tail = append(s.tail, '\n')
			if len(s.tail) > 64<<10 {
				s.tail = append(s.tail[:0], s.tail[len(s.tail)-32<<10:]...)
			}
			s.mu.Unlock()
			if !found {
				var m map[string]any
				if json.Unmarshal(line, &m) == nil && m["msg"] == "serving" {
					found = true
					addr <- fmt.Sprint(m["addr"])
				}
			}
		}
	}()
	b.Cleanup(func() {
		cancel()
		_ = s.cmd.Wait()
		if b.Failed() {
			b.Logf("server log (end):\n%s", s.logTail())
		}
	})
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-time.After(30 * time.Second):
		b.Fatalf("cmisd did not start:\n%s", s.logTail())
	}
	return s
}

// procStatusKiB reads a "Name:   N kB" line of /proc/PID/status.
func procStatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// rssProbe measures the peak RSS growth of a process over a phase.
type rssProbe struct {
	pid      int
	baseline int64 // KiB
	reset    bool  // VmHWM was reset at the start of the phase
}

// startRSS resets the process's VmHWM to its current RSS (writing 5 to
// /proc/PID/clear_refs) and remembers that RSS as the baseline. Where the
// reset is refused, the baseline is the VmHWM so far (growth is then only
// seen above the earlier peak).
func startRSS(b *testing.B, pid int) *rssProbe {
	b.Helper()
	p := &rssProbe{pid: pid}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err == nil {
		p.reset = true
	} else {
		b.Logf("cannot reset VmHWM of %d (%v): growth is measured against the earlier peak", pid, err)
	}
	field := "VmRSS"
	if !p.reset {
		field = "VmHWM"
	}
	v, err := procStatusKiB(pid, field)
	if err != nil {
		b.Fatal(err)
	}
	p.baseline = v
	return p
}

// growthMiB is the peak RSS since startRSS minus the baseline.
func (p *rssProbe) growthMiB(b *testing.B) float64 {
	b.Helper()
	hwm, err := procStatusKiB(p.pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	// Memory the GC returned since the baseline can make this negative.
	return max(0, float64(hwm-p.baseline)/1024)
}

func (p *rssProbe) baselineMiB() float64 { return float64(p.baseline) / 1024 }

// procCPU is the user+system CPU time a process has used (USER_HZ is 100
// on Linux for every architecture Go runs on).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:])
	// Fields after the command: state(0) ... utime(11) stime(12).
	if len(f) < 13 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// ---------------------------------------------------------------------------
// A small SOAP client for the content benchmarks

const (
	benchMessagingNS = "http://docs.oasis-open.org/ns/cmis/messaging/200908/"
	benchCoreNS      = "http://docs.oasis-open.org/ns/cmis/core/200908/"
	benchBoundary    = "uuid:6b1d2f6c-bench-4e0f-9a57-cmisd"
)

type benchClient struct {
	base string
	http *http.Client
	repo string
	root string
}

func newBenchClient(b *testing.B, base string) *benchClient {
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
	c := &benchClient{base: base, http: &http.Client{Transport: tr, Timeout: 10 * time.Minute}}
	out := c.mustCall(b, "RepositoryService", "getRepositories", `<cmism:getRepositories/>`)
	c.repo = benchElement(out, "repositoryId")
	out = c.mustCall(b, "RepositoryService", "getRepositoryInfo",
		`<cmism:getRepositoryInfo><cmism:repositoryId>`+c.repo+`</cmism:repositoryId></cmism:getRepositoryInfo>`)
	c.root = benchElement(out, "rootFolderId")
	if c.repo == "" || c.root == "" {
		b.Fatalf("no repository or root folder in the server's answers")
	}
	return c
}

// benchEnvelope is a SOAP 1.1 envelope with the WS-Security header a
// client like OpenCMIS sends (UsernameToken, PasswordText).
func benchEnvelope(body string) string {
	now := time.Now().UTC()
	created := now.Format("2006-01-02T15:04:05.000Z")
	expires := now.Add(24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	return `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"` +
		` xmlns:cmis="` + benchCoreNS + `" xmlns:cmism="` + benchMessagingNS + `"><S:Header>` +
		`<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"` +
		` xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" S:mustUnderstand="1">` +
		`<wsu:Timestamp><wsu:Created>` + created + `</wsu:Created><wsu:Expires>` + expires + `</wsu:Expires></wsu:Timestamp>` +
		`<wsse:UsernameToken><wsse:Username>admin</wsse:Username>` +
		`<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">` +
		benchPassword + `</wsse:Password><wsu:Created>` + created + `</wsu:Created></wsse:UsernameToken></wsse:Security>` +
		`</S:Header><S:Body>` + body + `</S:Body></S:Envelope>`
}

// benchElement is the text of the first element with this local name in
// a SOAP answer (text or the root part of MTOM).
func benchElement(data []byte, local string) string {
	if i := bytes.Index(data, []byte("<?xml")); i > 0 {
		data = data[i:]
	}
	if i := bytes.Index(data, []byte("Envelope>")); i > 0 {
		data = data[:i+len("Envelope>")]
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	for range 100000 {
		t, err := d.Token()
		if err != nil {
			return ""
		}
		if st, ok := t.(xml.StartElement); ok && st.Name.Local == local {
			var s string
			if d.DecodeElement(&s, &st) != nil {
				return ""
			}
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// do posts a request and returns the answer when it is small; a fault is
// an error quoting its faultstring.
func (c *benchClient) do(service, action, ct string, body io.Reader, length int64) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, c.base+"/services/"+service, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", ct)
	req.Header.Set("SOAPAction", `"`+action+`"`)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", action, resp.StatusCode, benchElement(out, "faultstring"))
	}
	return out, nil
}

func (c *benchClient) mustCall(b *testing.B, service, action, body string) []byte {
	b.Helper()
	env := benchEnvelope(body)
	out, err := c.do(service, action, "text/xml; charset=utf-8", strings.NewReader(env), int64(len(env)))
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func benchCreateXML(repo, folder, name string, length int64, stream string) string {
	return `<cmism:createDocument><cmism:repositoryId>` + repo + `</cmism:repositoryId><cmism:properties>` +
		`<cmis:propertyId propertyDefinitionId="cmis:objectTypeId"><cmis:value>cmis:document</cmis:value></cmis:propertyId>` +
		`<cmis:propertyString propertyDefinitionId="cmis:name"><cmis:value>` + name + `</cmis:value></cmis:propertyString>` +
		`</cmism:properties><cmism:folderId>` + folder + `</cmism:folderId><cmism:contentStream>` +
		`<cmism:length>` + strconv.FormatInt(length, 10) + `</cmism:length><cmism:mimeType>application/octet-stream</cmism:mimeType>` +
		`<cmism:filename>` + name + `</cmism:filename><cmism:stream>` + stream + `</cmism:stream></cmism:contentStream>` +
		`</cmism:createDocument>`
}

// uploadMTOM creates a document whose content (size bytes from r) is an
// XOP attachment. The body is streamed: envelope, r, closing boundary.
func (c *benchClient) uploadMTOM(name string, r io.Reader, size int64) (string, error) {
	const cid = "content-1@cmisd-bench"
	env := benchEnvelope(benchCreateXML(c.repo, c.root, name, size,
		`<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:`+cid+`"/>`))
	head := "--" + benchBoundary + "\r\nContent-Id: <root@cmisd-bench>\r\n" +
		"Content-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
		env + "\r\n--" + benchBoundary + "\r\nContent-Id: <" + cid + ">\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
	tail := "\r\n--" + benchBoundary + "--\r\n"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(r, size), strings.NewReader(tail))
	ct := `multipart/related;start="<root@cmisd-bench>";type="application/xop+xml";boundary="` +
		benchBoundary + `";start-info="text/xml"`
	out, err := c.do("ObjectService", "createDocument", ct, body, int64(len(head))+size+int64(len(tail)))
	if err != nil {
		return "", err
	}
	id := benchElement(out, "objectId")
	if id == "" {
		return "", errors.New("createDocument answered no objectId")
	}
	return id, nil
}

// uploadInline creates a document whose content is base64 text inside
// <stream> of a text/xml body. The base64 is produced on the fly into a
// pipe from gen; neither side holds the content.
func (c *benchClient) uploadInline(name string, gen io.Reader, size int64) (string, error) {
	env := benchEnvelope(benchCreateXML(c.repo, c.root, name, size, "\x00"))
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
	out, err := c.do("ObjectService", "createDocument", "text/xml; charset=utf-8", pr, length)
	pr.CloseWithError(errors.New("request done"))
	if err != nil {
		return "", err
	}
	id := benchElement(out, "objectId")
	if id == "" {
		return "", errors.New("createDocument answered no objectId")
	}
	return id, nil
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
	env := benchEnvelope(`<cmism:getContentStream><cmism:repositoryId>` + c.repo + `</cmism:repositoryId>` +
		`<cmism:objectId>` + id + `</cmism:objectId></cmism:getContentStream>`)
	root := "--" + benchBoundary + "\r\nContent-Id: <root@cmisd-bench>\r\n" +
		"Content-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
		env + "\r\n--" + benchBoundary + "--\r\n"
	req, err := http.NewRequest(http.MethodPost, c.base+"/services/ObjectService", strings.NewReader(root))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", `multipart/related;start="<root@cmisd-bench>";type="application/xop+xml";boundary="`+
		benchBoundary+`";start-info="text/xml"`)
	req.Header.Set("SOAPAction", `"getContentStream"`)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || err != nil || mt != "multipart/related" || params["boundary"] == "" {
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return fmt.Errorf("getContentStream: HTTP %d, %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), benchElement(out, "faultstring"))
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
	if got := benchElement([]byte(envelope.String()), "length"); got != strconv.FormatInt(size, 10) {
		return fmt.Errorf("getContentStream says length %q, want %d", got, size)
	}
	h, err := headers()
	if err != nil {
		return err
	}
	href := benchElement([]byte(envelope.String()), "stream")
	if !strings.Contains(envelope.String(), "cid:"+strings.Trim(h["content-id"], "<>")) {
		return fmt.Errorf("the attachment's Content-ID %s is not the one the envelope names (%q)", h["content-id"], href)
	}
	if _, err := benchCopyN(dst, br, size); err != nil {
		return fmt.Errorf("reading the attachment: %w", err)
	}
	rest, _ := io.ReadAll(io.LimitReader(br, 4096))
	if want := "\r\n" + delim + "--"; strings.TrimRight(string(rest), "\r\n") != want {
		return fmt.Errorf("after %d bytes the attachment goes on or is not closed: %q", size, benchTrunc(string(rest), 80))
	}
	return nil
}

func benchTrunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// downloadText asks for a document's content as text/xml (inline base64)
// and decodes it into dst on the fly.
func (c *benchClient) downloadText(id string, dst io.Writer) (int64, error) {
	env := benchEnvelope(`<cmism:getContentStream><cmism:repositoryId>` + c.repo + `</cmism:repositoryId>` +
		`<cmism:objectId>` + id + `</cmism:objectId></cmism:getContentStream>`)
	req, err := http.NewRequest(http.MethodPost, c.base+"/services/ObjectService", strings.NewReader(env))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"getContentStream"`)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, fmt.Errorf("getContentStream: HTTP %d: %s", resp.StatusCode, benchElement(out, "faultstring"))
	}
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	// Find the start tag of <stream> in the first MiB.
	var start int
	for n := 4096; ; n *= 2 {
		p, err := br.Peek(min(n, br.Size()))
		i := bytes.Index(p, []byte("<stream"))
		if i >= 0 && i+7 < len(p) && (p[i+7] == ' ' || p[i+7] == '>') {
			if j := bytes.IndexByte(p[i:], '>'); j >= 0 {
				start = i + j + 1
				break
			}
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
	if !bytes.HasPrefix(rest, []byte("</stream>")) || !bytes.Contains(rest, []byte("Envelope>")) {
		return n, fmt.Errorf("the answer does not close <stream>: %q", benchTrunc(string(rest), 80))
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
	d, err := procCPU(pid)
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
	resp, err := c.http.Get(url)
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
// keeps only 10 lines of a benchmark's log, so this takes one.)
func logMachine(b *testing.B) func() {
	b.Helper()
	loadavg := func() string {
		la, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return "?"
		}
		f := strings.Fields(string(la))
		return strings.Join(f[:min(3, len(f))], " ")
	}
	before := loadavg()
	return func() {
		b.Logf("load average %s at the start, %s at the end (%d CPUs)", before, loadavg(), runtime.NumCPU())
	}
}

// selfCPU is the CPU time this process (the client) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func selfHWMMiB() float64 {
	v, _ := procStatusKiB(os.Getpid(), "VmHWM")
	return float64(v) / 1024
}

// warmUp runs a small MTOM upload and download and a text download, so
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

// ---------------------------------------------------------------------------
// (a) 1 GiB through MTOM

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
	env := benchEnvelope(`<cmism:deleteObject><cmism:repositoryId>` + c.repo + `</cmism:repositoryId><cmism:objectId>` + id +
		`</cmism:objectId><cmism:allVersions>true</cmism:allVersions></cmism:deleteObject>`)
	_, err := c.do("ObjectService", "deleteObject", "text/xml; charset=utf-8", strings.NewReader(env), int64(len(env)))
	return err
}

func BenchmarkMTOM1GiB(b *testing.B) {
	defer logMachine(b)()
	size := int64(benchEnvInt("CMISD_BENCH_MTOM_MIB", 1024)) * benchMiB
	rounds := benchEnvInt("CMISD_BENCH_ROUNDS", 5)
	srv := benchStartServer(b)
	// Source file, dd copy, stored content and one more upload in flight.
	benchFreeSpace(b, srv.data, 4*size+512*benchMiB)
	src := filepath.Join(b.TempDir(), "source.bin")
	genStart := time.Now()
	sum, err := writeRandomFile(src, size, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d MiB of random content in %s (sha256 %s…)", size/benchMiB, time.Since(genStart).Round(time.Millisecond), sum[:16])
	c := newBenchClient(b, srv.base)
	c.warmUp(b)
	b.ResetTimer()

	for i := 0; i < b.N; i++ {
		// Upload: rounds of dd of the same bytes into the data dir, then
		// the upload; best rounds compared.
		var dds, ups, ddCPU, upCPU, clientCPU []time.Duration
		var upRSS, baseRSS float64
		var id string
		for r := range rounds {
			d, cpu := timeDD(b, src, filepath.Join(srv.data, "dd-reference.bin"))
			dds, ddCPU = append(dds, d), append(ddCPU, cpu)
			f, err := os.Open(src)
			if err != nil {
				b.Fatal(err)
			}
			probe := startRSS(b, srv.pid)
			cpu0, self0 := mustCPU(b, srv.pid), selfCPU()
			start := time.Now()
			got, err := c.uploadMTOM(fmt.Sprintf("big-%d-%d.bin", i, r), f, size)
			ups = append(ups, time.Since(start))
			upCPU = append(upCPU, mustCPU(b, srv.pid)-cpu0)
			clientCPU = append(clientCPU, selfCPU()-self0)
			f.Close()
			if err != nil {
				b.Fatalf("upload: %v", err)
			}
			upRSS = max(upRSS, probe.growthMiB(b))
			baseRSS = probe.baselineMiB()
			if id == "" {
				id = got
			} else if err := c.deleteObject(got); err != nil {
				b.Fatal(err)
			}
		}
		upload, dd := slices.Min(ups), slices.Min(dds)

		// Download: rounds of http.ServeFile of the stored file and of
		// getContentStream, both from the page cache, both copied to
		// io.Discard by the same client code; best rounds compared. Then once
		// more through SHA-256 to check the bytes.
		stored, err := storedFile(srv.data, size)
		if err != nil {
			b.Fatal(err)
		}
		url := serveFile(b, stored)
		probe := startRSS(b, srv.pid)
		var plains, downs, downCPU []time.Duration
		for range rounds {
			start := time.Now()
			if err := c.getFile(url, size, io.Discard); err != nil {
				b.Fatal(err)
			}
			plains = append(plains, time.Since(start))
			cpu0 := mustCPU(b, srv.pid)
			start = time.Now()
			if err := c.downloadMTOM(id, size, io.Discard); err != nil {
				b.Fatalf("download: %v", err)
			}
			downs = append(downs, time.Since(start))
			downCPU = append(downCPU, mustCPU(b, srv.pid)-cpu0)
		}
		h := sha256.New()
		start := time.Now()
		if err := c.downloadMTOM(id, size, h); err != nil {
			b.Fatalf("download: %v", err)
		}
		verify := time.Since(start)
		downRSS := probe.growthMiB(b)
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			b.Fatalf("downloaded content has sha256 %s, uploaded %s", got, sum)
		}
		download, plain := slices.Min(downs), slices.Min(plains)

		upRatio := upload.Seconds() / dd.Seconds()
		downRatio := download.Seconds() / plain.Seconds()
		b.ReportMetric(mbps(size, upload), "upload_MB/s")
		b.ReportMetric(mbps(size, dd), "dd_MB/s")
		b.ReportMetric(upRatio, "upload/dd")
		b.ReportMetric(upRSS, "upload_peakRSS_MiB")
		b.ReportMetric(mbps(size, download), "download_MB/s")
		b.ReportMetric(mbps(size, plain), "servefile_MB/s")
		b.ReportMetric(downRatio, "download/servefile")
		b.ReportMetric(downRSS, "download_peakRSS_MiB")
		b.ReportMetric(median(upCPU).Seconds(), "upload_server_cpu_s")
		b.ReportMetric(median(ddCPU).Seconds(), "dd_cpu_s")
		b.ReportMetric(median(downCPU).Seconds(), "download_server_cpu_s")
		b.Logf("upload best %s (%.0f MiB/s), dd best %s (%.0f MiB/s): ratio %.2f; medians %s and %s: ratio %.2f   [upload %s | dd %s]",
			upload.Round(time.Millisecond), mbps(size, upload), dd.Round(time.Millisecond), mbps(size, dd), upRatio,
			median(ups).Round(time.Millisecond), median(dds).Round(time.Millisecond), median(ups).Seconds()/median(dds).Seconds(),
			roundsString(ups), roundsString(dds))
		b.Logf("download best %s (%.0f MiB/s), http.ServeFile best %s (%.0f MiB/s): ratio %.2f; medians %s and %s: ratio %.2f   [download %s | ServeFile %s]; with SHA-256 check %s (%.0f MiB/s)",
			download.Round(time.Millisecond), mbps(size, download), plain.Round(time.Millisecond), mbps(size, plain), downRatio,
			median(downs).Round(time.Millisecond), median(plains).Round(time.Millisecond), median(downs).Seconds()/median(plains).Seconds(),
			roundsString(downs), roundsString(plains), verify.Round(time.Millisecond), mbps(size, verify))
		b.Logf("CPU time: server during upload %s, client %s, dd %s; server during download %s",
			roundsString(upCPU), roundsString(clientCPU), roundsString(ddCPU), roundsString(downCPU))
		b.Logf("server RSS baseline %.1f MiB; peak growth: upload %.1f MiB, download %.1f MiB; client (this process) peak RSS %.1f MiB",
			baseRSS, upRSS, downRSS, selfHWMMiB())
		benchTarget(b, max(upRSS, downRSS) < benchMaxRSSGrowthMiB, "(a) peak RSS growth: upload %.1f MiB, download %.1f MiB (< %d MiB)",
			upRSS, downRSS, benchMaxRSSGrowthMiB)
		benchTarget(b, upRatio <= benchMaxRatio, "(a) upload %.2f× dd (≤ %.1f×)", upRatio, benchMaxRatio)
		benchTarget(b, downRatio <= benchMaxRatio, "(a) download %.2f× http.ServeFile (≤ %.1f×)", downRatio, benchMaxRatio)
	}
}

// ---------------------------------------------------------------------------
// (b) 100 MiB inline base64

type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

func BenchmarkInline100MiB(b *testing.B) {
	defer logMachine(b)()
	size := int64(benchEnvInt("CMISD_BENCH_INLINE_MIB", 100)) * benchMiB
	srv := benchStartServer(b)
	benchFreeSpace(b, srv.data, 3*size+512*benchMiB)
	c := newBenchClient(b, srv.base)
	c.warmUp(b)
	b.ResetTimer()

	for i := 0; i < b.N; i++ {
		gen := &hashingReader{r: benchRandom(uint64(100 + i)), h: sha256.New()}
		probe := startRSS(b, srv.pid)
		start := time.Now()
		id, err := c.uploadInline(fmt.Sprintf("inline-%d.bin", i), gen, size)
		upload := time.Since(start)
		if err != nil {
			b.Fatalf("upload: %v", err)
		}
		upRSS := probe.growthMiB(b)
		sum := hex.EncodeToString(gen.h.Sum(nil))

		h := sha256.New()
		if err := c.downloadMTOM(id, size, h); err != nil {
			b.Fatalf("download: %v", err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			b.Fatalf("downloaded content has sha256 %s, uploaded %s", got, sum)
		}

		// The same content answered as text/xml: base64 written on the fly.
		probe = startRSS(b, srv.pid)
		h.Reset()
		start = time.Now()
		n, err := c.downloadText(id, h)
		textDown := time.Since(start)
		if err != nil {
			b.Fatalf("text download: %v", err)
		}
		textRSS := probe.growthMiB(b)
		if got := hex.EncodeToString(h.Sum(nil)); got != sum || n != size {
			b.Fatalf("text download: %d bytes with sha256 %s, want %d bytes with %s", n, got, size, sum)
		}

		b.ReportMetric(mbps(size, upload), "upload_MB/s")
		b.ReportMetric(upRSS, "upload_peakRSS_MiB")
		b.ReportMetric(mbps(size, textDown), "textdownload_MB/s")
		b.ReportMetric(textRSS, "textdownload_peakRSS_MiB")
		b.Logf("inline upload of %d MiB (%d MiB of base64) in %s (%.0f MiB/s of content); text download %s (%.0f MiB/s)",
			size/benchMiB, int64(base64.StdEncoding.EncodedLen(int(size)))/benchMiB, upload.Round(time.Millisecond), mbps(size, upload),
			textDown.Round(time.Millisecond), mbps(size, textDown))
		b.Logf("server RSS baseline %.1f MiB; peak growth: upload %.1f MiB, text download %.1f MiB; client peak RSS %.1f MiB",
			probe.baselineMiB(), upRSS, textRSS, selfHWMMiB())
		benchTarget(b, upRSS < benchMaxRSSGrowthMiB, "(b) inline base64 upload peak RSS growth %.1f MiB < %d MiB", upRSS, benchMaxRSSGrowthMiB)
	}
}

// ---------------------------------------------------------------------------
// (c) getObject and getChildren under load

// benchLoadResult is the JSON cmd/cmisd-load -json prints.
type benchLoadResult struct {
	Op            string  `json:"op"`
	Auth          string  `json:"auth"`
	Clients       int     `json:"clients"`
	Children      int64   `json:"children"`
	Seconds       float64 `json:"seconds"`
	Requests      int64   `json:"requests"`
	Errors        int64   `json:"errors"`
	RPS           float64 `json:"rps"`
	P50Ms         float64 `json:"p50_ms"`
	P90Ms         float64 `json:"p90_ms"`
	P99Ms         float64 `json:"p99_ms"`
	MaxMs         float64 `json:"max_ms"`
	BytesPerReply int64   `json:"bytes_per_reply"`
	FirstError    string  `json:"first_error"`
	SetupFolder   string  `json:"setup_folder"`
	SetupFirst    string  `json:"setup_first"`
}

// runLoad runs bin/cmisd-load once and returns its result and the CPU
// time it used.
func runLoad(b *testing.B, bin string, args ...string) (*benchLoadResult, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-json"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("cmisd-load %v: %v\n%s%s", args, err, stdout.String(), stderr.String())
	}
	var r benchLoadResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		b.Fatalf("cmisd-load output: %v\n%s", err, stdout.String())
	}
	return &r, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// bcryptCost is how long one bcrypt comparison at the default cost (the
// one cmisd stores) takes on this machine.
func bcryptCost(b *testing.B) time.Duration {
	b.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		_ = bcrypt.CompareHashAndPassword(hash, []byte(benchPassword))
		best = min(best, time.Since(start))
	}
	return best
}

// BenchmarkLoad runs the load generator as a binary (cmd/cmisd-load, built
// with go build): one implementation, the same one README users run, in
// its own process so that its CPU time is measured apart from the
// server's.
func BenchmarkLoad(b *testing.B) {
	defer logMachine(b)()
	duration := benchEnvDuration("CMISD_BENCH_LOAD_DURATION", 10*time.Second)
	clients := benchEnvInt("CMISD_BENCH_LOAD_CLIENTS", 8)
	load := buildBinary(b, "../cmd/cmisd-load")
	srv := benchStartServer(b)
	common := []string{"-url", srv.base, "-user", "admin", "-password", benchPassword}

	// Set up the folder with 100 documents (one short run does it).
	setup, _ := runLoad(b, load, append(common, "-setup", "100", "-op", "getChildren", "-requests", "8", "-warmup", "0")...)
	if setup.SetupFolder == "" || setup.SetupFirst == "" || setup.Children != 100 {
		b.Fatalf("setup: folder %q, first child %q, numItems %d", setup.SetupFolder, setup.SetupFirst, setup.Children)
	}
	bc := bcryptCost(b)
	b.Logf("bcrypt at the default cost takes %s here: a bcrypt per request would cap the server at about %.0f requests/s on %d CPUs",
		bc.Round(time.Microsecond), float64(runtime.NumCPU())/bc.Seconds(), runtime.NumCPU())

	type run struct{ op, auth, id string }
	runs := []run{
		{"getObject", "wsse", setup.SetupFirst},
		{"getObject", "basic", setup.SetupFirst},
		{"getChildren", "wsse", setup.SetupFolder},
		{"getChildren", "basic", setup.SetupFolder},
	}
	for _, r := range runs {
		b.Run(r.op+"/"+r.auth, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cpu0, err := procCPU(srv.pid)
				if err != nil {
					b.Fatal(err)
				}
				res, clientCPU := runLoad(b, load, append(common, "-op", r.op, "-auth", r.auth, "-id", r.id,
					"-clients", strconv.Itoa(clients), "-duration", duration.String())...)
				cpu1, err := procCPU(srv.pid)
				if err != nil {
					b.Fatal(err)
				}
				if res.Errors > 0 {
					b.Errorf("%d errors, first: %s", res.Errors, res.FirstError)
				}
				// The server's CPU includes the warm-up requests; a few per
				// client against thousands measured.
				perReq := float64(cpu1-cpu0) / float64(time.Millisecond) / float64(res.Requests)
				b.ReportMetric(res.RPS, "req/s")
				b.ReportMetric(res.P50Ms, "p50_ms")
				b.ReportMetric(res.P90Ms, "p90_ms")
				b.ReportMetric(res.P99Ms, "p99_ms")
				b.ReportMetric(float64(res.Errors), "errors")
				b.ReportMetric(perReq, "server_cpu_ms/req")
				b.ReportMetric(float64(clientCPU)/float64(time.Millisecond)/float64(res.Requests), "client_cpu_ms/req")
				b.Logf("%s %s: %d clients, %.1fs, %d requests, %.0f req/s, p50 %.2fms p90 %.2fms p99 %.2fms max %.2fms, %d B/reply, numItems %d, server CPU %.3f ms/req",
					r.op, r.auth, res.Clients, res.Seconds, res.Requests, res.RPS, res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs,
					res.BytesPerReply, res.Children, perReq)
				if r.auth == "wsse" {
					// A bcrypt per request would cost at least its own CPU
					// time per request.
					benchTarget(b, perReq < float64(bc)/float64(time.Millisecond),
						"(c) %s with UsernameToken: server CPU %.3f ms/request, less than one bcrypt (%.1f ms): not one bcrypt per request",
						r.op, perReq, float64(bc)/float64(time.Millisecond))
				}
			}
		})
	}
}
