package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/xsd"
)

// The defaults of the read and write timeouts and of the upload limits.
func TestLimitDefaults(t *testing.T) {
	env := newTestServer(t, nil)
	c := env.srv.cfg
	if c.ReadStallTimeout != 30*time.Second || c.WriteStallTimeout != 2*time.Minute || c.ReadHeaderTimeout != 10*time.Second {
		t.Errorf("read stall %v, write stall %v, header %v", c.ReadStallTimeout, c.WriteStallTimeout, c.ReadHeaderTimeout)
	}
	if hs := env.srv.HTTPServer("127.0.0.1:0"); hs.ReadHeaderTimeout != 10*time.Second {
		t.Errorf("http.Server ReadHeaderTimeout %v", hs.ReadHeaderTimeout)
	}
	if env.srv.uploads.max != 64 || env.srv.uploads.perUser != 16 || env.srv.rate != nil {
		t.Errorf("uploads %d/%d per user, rate limiter %v", env.srv.uploads.max, env.srv.uploads.perUser, env.srv.rate)
	}
}

// Reading a request: headers must be in within ReadHeaderTimeout, and a
// body must keep moving (ReadStallTimeout), however long it takes in all.
// Short timeouts stand in for the defaults (10 s and 30 s).
func TestHTTPServerTimeouts(t *testing.T) {
	env := newTestServer(t, func(c *Config) {
		c.ReadStallTimeout = 400 * time.Millisecond
		c.ReadHeaderTimeout = 300 * time.Millisecond
	})
	if env.srv.cfg.WriteStallTimeout != DefaultWriteStallTimeout {
		t.Errorf("write stall timeout %v, want the default %v", env.srv.cfg.WriteStallTimeout, DefaultWriteStallTimeout)
	}
	hs := env.srv.HTTPServer("127.0.0.1:0")
	if hs.ReadHeaderTimeout != 300*time.Millisecond || hs.IdleTimeout <= 0 {
		t.Errorf("ReadHeaderTimeout %v IdleTimeout %v", hs.ReadHeaderTimeout, hs.IdleTimeout)
	}
	if hs.ReadTimeout != 0 || hs.WriteTimeout != 0 {
		t.Errorf("a whole-request ReadTimeout/WriteTimeout (%v/%v) would cut large uploads", hs.ReadTimeout, hs.WriteTimeout)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	addr := ln.Addr().String()

	body := []byte(withHeader(`<wsse:Security xmlns:wsse="` + wsseNS + `">` + token("test", "test", "") + `</wsse:Security>` +
		`<x:pad xmlns:x="urn:x">` + strings.Repeat("p", 2000) + `</x:pad>`))
	head := "POST /services/RepositoryService HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/xml\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n"

	// open dials the server and sends the start of a request.
	open := func(t *testing.T, head string) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		io.WriteString(conn, head)
		return conn
	}

	// A slow upload that keeps moving takes longer than the stall timeout
	// in total, and succeeds.
	t.Run("slow but moving", func(t *testing.T) {
		conn := open(t, head)
		chunk := len(body) / 10
		for i := 0; i < 10; i++ {
			end := (i + 1) * chunk
			if i == 9 {
				end = len(body)
			}
			if _, err := conn.Write(body[i*chunk : end]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(150 * time.Millisecond) // 1.5 s in all
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})

	// An operation that runs longer than the stall timeout after the body
	// is in keeps its context.
	t.Run("slow operation", func(t *testing.T) {
		body := soapWrap(`<m:getTypeDefinition><m:repositoryId>A1</m:repositoryId><m:typeId>slow</m:typeId></m:getTypeDefinition>`)
		sr := send(t, "http://"+addr, "POST", "/services/RepositoryService", "text/xml", []byte(body), basic("test", "test"))
		if sr.status != 200 {
			t.Fatalf("status %d\n%s", sr.status, sr.root)
		}
	})

	// Headers that trickle in, a byte now and then, are cut off after
	// ReadHeaderTimeout: the deadline does not move with them.
	t.Run("trickled headers", func(t *testing.T) {
		conn := open(t, "POST /services/RepositoryService HTTP/1.1\r\nHost: x\r\n")
		start := time.Now()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := io.WriteString(conn, "X"); err != nil {
					return
				}
			}
		}()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(make([]byte, 512))
		elapsed := time.Since(start)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server still holds a connection whose headers trickled for 5 s")
		}
		if elapsed < 250*time.Millisecond || elapsed > 2*time.Second {
			t.Errorf("dropped after %v (read %d bytes, %v), want about 300 ms", elapsed, n, err)
		}
	})

	// A stalled upload is cut off after the stall timeout.
	t.Run("stalled", func(t *testing.T) {
		conn := open(t, head)
		conn.Write(body[:100])
		start := time.Now()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		elapsed := time.Since(start)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatal("a stalled request succeeded")
			}
		}
		if elapsed > 3*time.Second {
			t.Errorf("stalled connection held for %v", elapsed)
		}
	})
}

const heldCT = `multipart/related; type="application/xop+xml"; boundary=B; start="<root@x>"`

// heldUpload is an MTOM createDocument whose attachment keeps coming
// until finish: an upload in progress for as long as a test wants.
type heldUpload struct {
	pw   *io.PipeWriter
	resp chan *http.Response
	err  chan error
}

func createDocWith(stream string) string {
	return soapWrap(`<m:createDocument><m:repositoryId>A1</m:repositoryId><m:properties/><m:contentStream>` +
		`<m:stream>` + stream + `</m:stream></m:contentStream></m:createDocument>`)
}

func startUpload(url, user string) *heldUpload {
	head := "--B\r\n" + rootHeaders + "\r\n\r\n" + createDocWith(`<xop:Include xmlns:xop="`+xsd.XOPNS+`" href="cid:held@x"/>`) +
		"\r\n--B\r\nContent-ID: <held@x>\r\n\r\n"
	pr, pw := io.Pipe()
	h := &heldUpload{pw: pw, resp: make(chan *http.Response, 1), err: make(chan error, 1)}
	req, _ := http.NewRequest("POST", url+"/services/ObjectService", io.MultiReader(strings.NewReader(head), pr))
	req.Header.Set("Content-Type", heldCT)
	req.SetBasicAuth(user, user)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		h.resp <- resp
		h.err <- err
	}()
	return h
}

// finish sends the rest of the upload and returns the answer.
func (h *heldUpload) finish(t *testing.T) soapResponse {
	t.Helper()
	go func() {
		io.WriteString(h.pw, "content\r\n--B--\r\n")
		h.pw.Close()
	}()
	resp, err := <-h.resp, <-h.err
	if err != nil {
		t.Fatal(err)
	}
	return readResponse(t, resp)
}

// inProgress is the number of uploads the server counts.
func (s *Server) inProgress() int {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	return s.uploads.n
}

// Past the global limit on uploads, an upload (MTOM or inline) gets a
// runtime fault that names the limit, at once; other requests go on; a
// finished upload makes room again.
func TestUploadLimitGlobal(t *testing.T) {
	env := newTestServer(t, func(c *Config) { c.MaxUploads = 2; c.MaxUploadsPerUser = -1 })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	held := []*heldUpload{startUpload(ts.URL, "test"), startUpload(ts.URL, "test")}
	if !eventually(func() bool { return env.srv.inProgress() == 2 }) {
		t.Fatalf("%d uploads in progress, want 2", env.srv.inProgress())
	}

	inline := createDocWith("Y29udGVudA==")
	for name, sr := range map[string]soapResponse{
		"MTOM": send(t, ts.URL, "POST", "/services/ObjectService", heldCT,
			[]byte(mtomBody("B", [2]string{rootHeaders, createDocXML("cid:a@x")}, [2]string{"Content-ID: <a@x>", "data"})), basic("test", "test")),
		"inline": send(t, ts.URL, "POST", "/services/ObjectService", "text/xml", []byte(inline), basic("admin", "secret")),
	} {
		f := checkFault(t, sr, 500, codeServer, cmis.ErrRuntime)
		if msg := f.Body.Fault.String; !strings.Contains(msg, "at most 2") {
			t.Errorf("%s: fault %q does not name the limit", name, msg)
		}
	}
	sr := send(t, ts.URL, "POST", "/services/RepositoryService", "text/xml",
		[]byte(soapWrap(`<m:getRepositories/>`)), basic("test", "test"))
	if sr.status != 200 {
		t.Errorf("getRepositories during full uploads: status %d", sr.status)
	}

	if sr := held[0].finish(t); sr.status != 200 {
		t.Fatalf("held upload: status %d\n%s", sr.status, sr.root)
	}
	if sr := send(t, ts.URL, "POST", "/services/ObjectService", "text/xml", []byte(inline), basic("admin", "secret")); sr.status != 200 {
		t.Errorf("upload after one finished: status %d\n%s", sr.status, sr.root)
	}
	held[1].finish(t)
	if !eventually(func() bool { return env.srv.inProgress() == 0 }) {
		t.Errorf("%d uploads still counted after all ended", env.srv.inProgress())
	}
}

// Past the per-user limit, the user's next upload gets a runtime fault
// that names the limit; another user's upload goes through.
func TestUploadLimitPerUser(t *testing.T) {
	env := newTestServer(t, func(c *Config) { c.MaxUploadsPerUser = 1 })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	held := startUpload(ts.URL, "test")
	if !eventually(func() bool {
		env.srv.uploads.mu.Lock()
		defer env.srv.uploads.mu.Unlock()
		return env.srv.uploads.users["test"] == 1
	}) {
		t.Fatal("the held upload is not counted against its user")
	}
	inline := []byte(createDocWith("Y29udGVudA=="))
	sr := send(t, ts.URL, "POST", "/services/ObjectService", "text/xml", inline, basic("test", "test"))
	f := checkFault(t, sr, 500, codeServer, cmis.ErrRuntime)
	if msg := f.Body.Fault.String; !strings.Contains(msg, "user test") || !strings.Contains(msg, "1 uploads") {
		t.Errorf("fault %q does not name the user and the limit", msg)
	}
	if sr := send(t, ts.URL, "POST", "/services/ObjectService", "text/xml", inline, basic("admin", "secret")); sr.status != 200 {
		t.Errorf("another user's upload: status %d\n%s", sr.status, sr.root)
	}
	if sr := held.finish(t); sr.status != 200 {
		t.Fatalf("held upload: status %d\n%s", sr.status, sr.root)
	}
	if sr := send(t, ts.URL, "POST", "/services/ObjectService", "text/xml", inline, basic("test", "test")); sr.status != 200 {
		t.Errorf("the user's upload after the first ended: status %d\n%s", sr.status, sr.root)
	}
	env.srv.uploads.mu.Lock()
	defer env.srv.uploads.mu.Unlock()
	if env.srv.uploads.n != 0 || len(env.srv.uploads.users) != 0 {
		t.Errorf("left counted: %d uploads, users %v", env.srv.uploads.n, env.srv.uploads.users)
	}
}

// The token bucket: a burst, then one request per 1/rate; addresses are
// apart; memory stays bounded, forgetting buckets that have filled up.
func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newRateLimiter(2, 3, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if ok, wait := l.allow("a"); ok || wait != 500*time.Millisecond {
		t.Fatalf("past the burst: allowed %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another address refused")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("refused after a token came back")
	}
	if ok, _ := l.allow("a"); ok {
		t.Fatal("allowed with no token left")
	}

	l.maxAddrs = 4
	for i := 0; i < 20; i++ {
		l.allow("x" + strconv.Itoa(i))
		if len(l.buckets) > l.maxAddrs {
			t.Fatalf("%d addresses kept, limit %d", len(l.buckets), l.maxAddrs)
		}
	}
	now = now.Add(rateSweepEvery + time.Second) // every bucket full again
	l.allow("new")
	if len(l.buckets) != 1 {
		t.Errorf("%d addresses kept after they went idle, want only the new one", len(l.buckets))
	}
}

// Over HTTP: past the burst, 429 with Retry-After, and the log says so.
func TestRateLimitHTTP(t *testing.T) {
	env := newTestServer(t, func(c *Config) { c.RateLimit = 0.5; c.RateBurst = 2 })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	get := func() *http.Response {
		resp, err := http.Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := 0; i < 2; i++ {
		if resp := get(); resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
	}
	resp := get()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("past the burst: status %d, Retry-After %q; want 429, 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !eventually(func() bool { return env.logs.FilterField(zap.String("outcome", "rateLimited")).Len() == 1 }) {
		t.Error("no log line with outcome rateLimited")
	}
}
