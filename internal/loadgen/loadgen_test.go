package loadgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmisd/cmisd/conformance"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(hundred...), 0.50, 50 * time.Millisecond},
		{ms(hundred...), 0.90, 90 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 1, 100 * time.Millisecond},
	}
	for _, c := range cases {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("Percentile(%d values, %v) = %v, want %v", len(c.sorted), c.p, got, c.want)
		}
	}
}

// parsed is a request as a server reads it.
type parsed struct {
	root  []byte
	parts []string // SHA-256 of each attachment
	user  string
	pass  string
}

// parseRequest reads a request with the replay suite's MTOM reader and
// takes the UsernameToken from its envelope.
func parseRequest(r *http.Request) (*parsed, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	ct := r.Header.Get("Content-Type")
	if mt, params, err := mime.ParseMediaType(ct); err != nil || (mt != "text/xml" && params["type"] != "application/xop+xml") {
		return nil, fmt.Errorf("content type %q", ct)
	}
	p := &parsed{}
	if p.root, err = conformance.Envelope(ct, body); err != nil {
		return nil, err
	}
	if p.parts, err = conformance.Attachments(ct, body); err != nil {
		return nil, err
	}
	var env struct {
		User string `xml:"Header>Security>UsernameToken>Username"`
		Pass string `xml:"Header>Security>UsernameToken>Password"`
	}
	if err := xml.Unmarshal(p.root, &env); err != nil {
		return nil, fmt.Errorf("envelope: %w\n%s", err, p.root)
	}
	p.user, p.pass = env.User, env.Pass
	return p, nil
}

func TestRequestPackaging(t *testing.T) {
	for _, text := range []bool{false, true} {
		c := NewClient(Config{URL: "http://127.0.0.1:1/", User: "a<b", Password: "p&q", Text: text})
		c.Repo = "repo"
		for _, parts := range [][]Part{nil, {{"content-1@x", []byte("\x00binary\r\n--")}}} {
			req, err := c.Request(context.Background(), "ObjectService", "createDocument",
				c.CreateDocumentXML("f", "n", "text/plain", 10, Include("content-1@x")), parts...)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL.String() != "http://127.0.0.1:1/services/ObjectService" || req.Header.Get("SOAPAction") != `"createDocument"` {
				t.Errorf("request to %s, SOAPAction %s", req.URL, req.Header.Get("SOAPAction"))
			}
			p, err := parseRequest(req)
			if err != nil {
				t.Fatalf("text %v, %d parts: %v", text, len(parts), err)
			}
			if p.user != "a<b" || p.pass != "p&q" {
				t.Errorf("UsernameToken %q/%q", p.user, p.pass)
			}
			wantMTOM := !text || parts != nil
			if got := strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/"); got != wantMTOM {
				t.Errorf("text %v, %d parts: MTOM %v", text, len(parts), got)
			}
			if sum := sha256.Sum256([]byte("\x00binary\r\n--")); len(parts) > 0 && (len(p.parts) != 1 || p.parts[0] != hex.EncodeToString(sum[:])) {
				t.Errorf("attachments %q", p.parts)
			}
		}
	}
}

func TestOpCheck(t *testing.T) {
	c := NewClient(Config{URL: "http://x"})
	op, err := NewOp("getContentStream-1KiB", c, Target{Doc: "d"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	big := "<getContentStreamResponse>" + strings.Repeat("x", SmallSize) + "</getContentStreamResponse>"
	cases := []struct {
		status int
		answer string
		ok     bool
	}{
		{200, big, true},
		{500, big, false},
		{200, "<getContentStreamResponse/>", false},            // short
		{200, strings.Repeat("x", 2*SmallSize), false},         // not the answer
		{200, "<S:Fault><faultstring>no</faultstring>", false}, // a fault with 200
	}
	for i, tc := range cases {
		if err := op.Check(tc.status, []byte(tc.answer)); (err == nil) != tc.ok {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestNewOp(t *testing.T) {
	c := NewClient(Config{URL: "http://x"})
	c.Repo = "r"
	full := Target{Doc: "d1", DocName: "cmisbench-doc-042.txt", Folder: "f1", Path: "/t/data/cmisbench-doc-042.txt", Big: "b1", Parent: "p1"}
	for _, name := range OpNames {
		op, err := NewOp(name, c, full, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Each body is one well-formed element of the operation's name.
		body := op.Body(7)
		var el struct{ XMLName xml.Name }
		if err := xml.Unmarshal([]byte(`<x xmlns:cmism="m" xmlns:cmis="c">`+body+`</x>`), &struct {
			El *struct{ XMLName xml.Name } `xml:",any"`
		}{El: &el}); err != nil || el.XMLName.Local != op.Action {
			t.Errorf("%s: body %s (%v)", name, body, err)
		}
		if _, err := NewOp(name, c, Target{}, Options{}); (err == nil) != (name == "getRepositoryInfo") {
			t.Errorf("%s without a target: %v", name, err)
		}
	}
	cf, _ := NewOp("createFolder", c, full, Options{})
	if a, b := cf.Body(1), cf.Body(2); a == b || !strings.Contains(b, "f-2") {
		t.Errorf("createFolder names: %s, %s", a, b)
	}
	if _, err := NewOp("deleteEverything", c, full, Options{}); err == nil {
		t.Error("an unknown operation was accepted")
	}
}

// ProcCPU reads the same clock as getrusage.
func TestProcCPU(t *testing.T) {
	// Spend CPU time (not wall time: the machine may be busy).
	for x := 0; SelfCPU() < 300*time.Millisecond; x++ {
		_ = fmt.Sprint(x)
	}
	self := SelfCPU()
	proc, err := ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := proc - self; proc < 100*time.Millisecond || d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Errorf("/proc says %s, getrusage %s", proc, self)
	}
	if _, err := ProcCPU(-1); err == nil {
		t.Error("ProcCPU(-1) succeeded")
	}
}

// Run counts right and wrong answers and orders its percentiles; every
// request it sends is a one-part MTOM package with the UsernameToken.
func TestRun(t *testing.T) {
	var n, bad atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := parseRequest(r)
		if err != nil || p.user != "u" || p.pass != "pw" || len(p.parts) != 0 {
			bad.Add(1)
		}
		if n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "<S:Envelope><S:Body><S:Fault><faultstring>tenth</faultstring></S:Fault></S:Body></S:Envelope>")
			return
		}
		io.WriteString(w, "<S:Envelope><S:Body><cmism:getRepositoryInfoResponse/></S:Body></S:Envelope>")
	}))
	defer ts.Close()
	c := NewClient(Config{URL: ts.URL, User: "u", Password: "pw", Clients: 3})
	c.Repo = "r"
	op, err := NewOp("getRepositoryInfo", c, Target{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), c, op, RunOptions{Clients: 3, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
		Server: &ServerProbe{PID: os.Getpid()}})
	if err != nil {
		t.Fatal(err)
	}
	if bad.Load() > 0 {
		t.Errorf("%d requests were not MTOM with the UsernameToken", bad.Load())
	}
	if res.Requests < 10 || res.HTTPErrors == 0 || res.Errors != res.HTTPErrors || !strings.Contains(res.FirstError, "tenth") {
		t.Errorf("%d requests, %d errors (%d HTTP), first %q", res.Requests, res.Errors, res.HTTPErrors, res.FirstError)
	}
	// About one answer in ten was the fault (warm-up included in n).
	if total := res.Requests + res.Errors; res.Errors*20 < total || res.Errors*5 > total {
		t.Errorf("%d errors in %d", res.Errors, total)
	}
	if !(0 < res.P50Ms && res.P50Ms <= res.P90Ms && res.P90Ms <= res.P99Ms && res.P99Ms <= res.MaxMs) {
		t.Errorf("latencies p50 %v p90 %v p99 %v max %v", res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs)
	}
	if res.ServerCPUMs < 0 || res.ClientCPUMs < 0 || res.ServerAllocs != -1 {
		t.Errorf("CPU server %v client %v, allocs %v (no debug listener)", res.ServerCPUMs, res.ClientCPUMs, res.ServerAllocs)
	}
	// A first answer that is wrong stops the run at once.
	c2 := NewClient(Config{URL: ts.URL, User: "u", Password: "pw"})
	c2.Repo = "r"
	gc, _ := NewOp("getChildren", c2, Target{Folder: "f"}, Options{})
	if _, err := Run(context.Background(), c2, gc, RunOptions{Clients: 1, Duration: time.Second}); err == nil {
		t.Error("Run went on after a wrong first answer")
	}
}
