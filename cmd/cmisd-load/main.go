// Command cmisd-load is a load generator for cmisd (or any CMIS 1.1 Web
// Services endpoint). A fixed number of keep-alive clients send one CMIS
// operation (getObject or getChildren) as raw SOAP 1.1 envelopes, each
// carrying a WS-Security UsernameToken with a PasswordText password the way
// OpenCMIS and libcmis send it (wsu:Timestamp plus UsernameToken with
// wsu:Created, freshly stamped per request), and it prints requests per
// second, latency percentiles and error counts.
//
//	cmisd-load -url http://127.0.0.1:8080 -user admin -password PASS \
//	    -setup 100 -op getChildren -clients 8 -duration 10s
//
// -setup N first creates, via SOAP, a folder under the root holding N
// documents; the run then lists that folder (getChildren) or reads its
// first document (getObject). Without -setup, -id names the object or
// folder (default: the root folder). -auth basic sends HTTP Basic instead
// of the UsernameToken, for comparison. -json prints one JSON object.
//
// Every loop is bounded: the run stops after -duration (at most 10
// minutes) or -requests requests, whichever comes first, and each request
// is bounded by -timeout.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	messagingNS = "http://docs.oasis-open.org/ns/cmis/messaging/200908/"
	coreNS      = "http://docs.oasis-open.org/ns/cmis/core/200908/"
	soapNS      = "http://schemas.xmlsoap.org/soap/envelope/"
	wsseNS      = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	wsuNS       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	passText    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"

	maxClients  = 1024
	maxDuration = 10 * time.Minute
	maxSetup    = 10000
	maxRequests = 100_000_000
	maxBody     = 256 << 20 // a response larger than this is an error
)

type config struct {
	url, user, password, repo, op, id, filter, auth string
	clients, setup, warmup, maxItems                int
	requests                                        int64
	duration, timeout                               time.Duration
	mtom, allowable, jsonOut                        bool
}

// Result is what a run measured; -json prints it.
type Result struct {
	Op              string  `json:"op"`
	Auth            string  `json:"auth"`
	Encoding        string  `json:"encoding"`
	Clients         int     `json:"clients"`
	Target          string  `json:"target"`
	Children        int64   `json:"children,omitempty"` // numItems of the listed folder (getChildren)
	Seconds         float64 `json:"seconds"`
	Requests        int64   `json:"requests"` // answered correctly
	Errors          int64   `json:"errors"`
	HTTPErrors      int64   `json:"http_errors"`      // status other than 200 (SOAP faults are 500)
	TransportErrors int64   `json:"transport_errors"` // connection, timeout
	BadBodies       int64   `json:"bad_bodies"`       // 200 without the expected response element
	RPS             float64 `json:"rps"`
	MeanMs          float64 `json:"mean_ms"`
	P50Ms           float64 `json:"p50_ms"`
	P90Ms           float64 `json:"p90_ms"`
	P99Ms           float64 `json:"p99_ms"`
	MaxMs           float64 `json:"max_ms"`
	BytesPerReply   int64   `json:"bytes_per_reply"`
	FirstError      string  `json:"first_error,omitempty"`
	SetupFolder     string  `json:"setup_folder,omitempty"` // the folder -setup created
	SetupFirst      string  `json:"setup_first,omitempty"`  // its first document
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the server (the services are at URL/services/<Service>)")
	flag.StringVar(&c.user, "user", "admin", "user name")
	flag.StringVar(&c.password, "password", os.Getenv("CMISD_LOAD_PASSWORD"), "password (env CMISD_LOAD_PASSWORD)")
	flag.StringVar(&c.repo, "repository", "", "repository id (default: the first one getRepositories names)")
	flag.StringVar(&c.op, "op", "getObject", "operation: getObject or getChildren")
	flag.StringVar(&c.id, "id", "", "object id (getObject) or folder id (getChildren); default: from -setup, else the root folder")
	flag.StringVar(&c.filter, "filter", "*", "property filter sent with each request")
	flag.StringVar(&c.auth, "auth", "wsse", "credentials: wsse (UsernameToken, PasswordText) or basic (HTTP Basic)")
	flag.IntVar(&c.clients, "clients", 8, "concurrent keep-alive clients")
	flag.IntVar(&c.setup, "setup", 0, "first create a folder with this many documents and use it")
	flag.IntVar(&c.warmup, "warmup", 5, "requests per client before measuring (not counted)")
	flag.IntVar(&c.maxItems, "max-items", 100, "maxItems of getChildren")
	flag.Int64Var(&c.requests, "requests", 0, "stop after this many requests in total (0: run for -duration)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long to run (at most 10m; also the limit with -requests)")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one request")
	flag.BoolVar(&c.mtom, "mtom", false, "send requests as MTOM (multipart/related, as JAX-WS/OpenCMIS do) instead of text/xml")
	flag.BoolVar(&c.allowable, "allowable-actions", true, "includeAllowableActions (OpenCMIS asks for them by default)")
	flag.BoolVar(&c.jsonOut, "json", false, "print the result as one JSON object")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "cmisd-load:", err)
		os.Exit(1)
	}
}

func (c *config) check() error {
	switch {
	case c.op != "getObject" && c.op != "getChildren":
		return fmt.Errorf("-op %q: use getObject or getChildren", c.op)
	case c.auth != "wsse" && c.auth != "basic":
		return fmt.Errorf("-auth %q: use wsse or basic", c.auth)
	case c.clients < 1 || c.clients > maxClients:
		return fmt.Errorf("-clients must be 1..%d", maxClients)
	case c.duration <= 0 || c.duration > maxDuration:
		return fmt.Errorf("-duration must be positive and at most %s", maxDuration)
	case c.requests < 0 || c.requests > maxRequests:
		return fmt.Errorf("-requests must be 0..%d", maxRequests)
	case c.setup < 0 || c.setup > maxSetup:
		return fmt.Errorf("-setup must be 0..%d", maxSetup)
	case c.warmup < 0 || c.warmup > 1000:
		return errors.New("-warmup must be 0..1000")
	case c.timeout <= 0:
		return errors.New("-timeout must be positive")
	case c.password == "":
		return errors.New("-password is required")
	}
	c.url = strings.TrimRight(c.url, "/")
	return nil
}

func run(c config) error {
	if err := c.check(); err != nil {
		return err
	}
	cl := newClient(c)
	if c.repo == "" {
		repo, err := cl.firstRepository()
		if err != nil {
			return err
		}
		c.repo, cl.cfg.repo = repo, repo
	}
	target := c.id
	var setupFolder, setupFirst string
	if c.setup > 0 {
		folder, first, err := cl.setup(c.setup)
		if err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		setupFolder, setupFirst = folder, first
		if !c.jsonOut {
			fmt.Printf("setup: folder %s with %d documents (first %s)\n", folder, c.setup, first)
		}
		if target == "" {
			target = folder
			if c.op == "getObject" {
				target = first
			}
		}
	}
	if target == "" {
		root, err := cl.rootFolder()
		if err != nil {
			return err
		}
		target = root
	}
	res, err := cl.load(target)
	if err != nil {
		return err
	}
	res.SetupFolder, res.SetupFirst = setupFolder, setupFirst
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("%s on %s: %d clients, %s, %s, %.2fs\n", res.Op, res.Target, res.Clients, res.Auth, res.Encoding, res.Seconds)
	if res.Children > 0 {
		fmt.Printf("  folder numItems %d, %d bytes per reply\n", res.Children, res.BytesPerReply)
	} else {
		fmt.Printf("  %d bytes per reply\n", res.BytesPerReply)
	}
	fmt.Printf("  requests %d  errors %d (http %d, transport %d, bad body %d)\n",
		res.Requests, res.Errors, res.HTTPErrors, res.TransportErrors, res.BadBodies)
	fmt.Printf("  rps %.1f\n", res.RPS)
	fmt.Printf("  latency mean %.3fms  p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n",
		res.MeanMs, res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs)
	if res.FirstError != "" {
		fmt.Printf("  first error: %s\n", res.FirstError)
	}
	if res.Requests == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

// ---------------------------------------------------------------------------
// SOAP client

type client struct {
	cfg  config
	http *http.Client
}

func newClient(c config) *client {
	tr := &http.Transport{
		Proxy:               nil, // loopback benchmarks: never a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        c.clients * 2,
		MaxIdleConnsPerHost: c.clients * 2,
		MaxConnsPerHost:     c.clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     64 << 10,
		ReadBufferSize:      64 << 10,
	}
	return &client{cfg: c, http: &http.Client{Transport: tr, Timeout: c.timeout}}
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// security is the WS-Security header OpenCMIS (and, in the wsse
// namespace, libcmis) sends: a timestamp valid for a day and a
// UsernameToken with the clear-text password and its creation time.
func (cl *client) security(now time.Time) string {
	if cl.cfg.auth != "wsse" {
		return ""
	}
	created := now.UTC().Format("2006-01-02T15:04:05.000Z")
	expires := now.UTC().Add(24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	return `<S:Header><wsse:Security xmlns:wsse="` + wsseNS + `" xmlns:wsu="` + wsuNS + `" S:mustUnderstand="1">` +
		`<wsu:Timestamp><wsu:Created>` + created + `</wsu:Created><wsu:Expires>` + expires + `</wsu:Expires></wsu:Timestamp>` +
		`<wsse:UsernameToken><wsse:Username>` + xmlEscape(cl.cfg.user) + `</wsse:Username>` +
		`<wsse:Password Type="` + passText + `">` + xmlEscape(cl.cfg.password) + `</wsse:Password>` +
		`<wsu:Created>` + created + `</wsu:Created></wsse:UsernameToken></wsse:Security></S:Header>`
}

// envelope wraps a Body element (in the cmism prefix) in a SOAP 1.1
// envelope with the security header.
func (cl *client) envelope(body string) []byte {
	var b bytes.Buffer
	b.Grow(len(body) + 1024)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="` + soapNS +
		`" xmlns:cmis="` + coreNS + `" xmlns:cmism="` + messagingNS + `">`)
	b.WriteString(cl.security(time.Now()))
	b.WriteString(`<S:Body>`)
	b.WriteString(body)
	b.WriteString(`</S:Body></S:Envelope>`)
	return b.Bytes()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newRequest builds the HTTP request for an envelope, as text/xml or as
// an MTOM package with the envelope as its only (root) part.
func (cl *client) newRequest(ctx context.Context, service, action string, env []byte) (*http.Request, error) {
	ct := "text/xml; charset=utf-8"
	body := env
	if cl.cfg.mtom {
		boundary := "uuid:" + randHex(16)
		root := "<rootpart*" + randHex(8) + "@cmisd-load>"
		var b bytes.Buffer
		b.WriteString("--" + boundary + "\r\nContent-Id: " + root +
			"\r\nContent-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\n\r\n")
		b.Write(env)
		b.WriteString("\r\n--" + boundary + "--\r\n")
		body = b.Bytes()
		ct = `multipart/related;start="` + root + `";type="application/xop+xml";boundary="` + boundary + `";start-info="text/xml"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.cfg.url+"/services/"+service, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("SOAPAction", `"`+action+`"`)
	req.Header.Set("Accept", "text/xml, multipart/related")
	req.Header.Set("User-Agent", "cmisd-load/1")
	if cl.cfg.auth == "basic" {
		req.SetBasicAuth(cl.cfg.user, cl.cfg.password)
	}
	return req, nil
}

// call sends one request and reads the whole answer into buf.
func (cl *client) call(service, action, body string, buf *bytes.Buffer) (int, error) {
	req, err := cl.newRequest(context.Background(), service, action, cl.envelope(body))
	if err != nil {
		return 0, err
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp.StatusCode, err
	}
	if n > maxBody {
		return resp.StatusCode, fmt.Errorf("response larger than %d bytes", maxBody)
	}
	return resp.StatusCode, nil
}

// soapCall is call for the setup steps: anything but 200 is an error that
// quotes the fault string.
func (cl *client) soapCall(service, action, body string) ([]byte, error) {
	var buf bytes.Buffer
	status, err := cl.call(service, action, body, &buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if status != http.StatusOK {
		msg := firstElement(buf.Bytes(), "faultstring")
		if msg == "" {
			msg = truncate(buf.String(), 300)
		}
		return nil, fmt.Errorf("%s: HTTP %d: %s", action, status, msg)
	}
	return buf.Bytes(), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// firstElement is the text of the first element with the given local
// name, in a SOAP answer or in the root part of an MTOM answer.
func firstElement(data []byte, local string) string {
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

func (cl *client) firstRepository() (string, error) {
	out, err := cl.soapCall("RepositoryService", "getRepositories", `<cmism:getRepositories/>`)
	if err != nil {
		return "", err
	}
	id := firstElement(out, "repositoryId")
	if id == "" {
		return "", errors.New("getRepositories names no repository")
	}
	return id, nil
}

func (cl *client) rootFolder() (string, error) {
	out, err := cl.soapCall("RepositoryService", "getRepositoryInfo",
		`<cmism:getRepositoryInfo><cmism:repositoryId>`+xmlEscape(cl.cfg.repo)+`</cmism:repositoryId></cmism:getRepositoryInfo>`)
	if err != nil {
		return "", err
	}
	id := firstElement(out, "rootFolderId")
	if id == "" {
		return "", errors.New("getRepositoryInfo has no rootFolderId")
	}
	return id, nil
}

func properties(typeID, name string) string {
	return `<cmism:properties><cmis:propertyId propertyDefinitionId="cmis:objectTypeId"><cmis:value>` + typeID +
		`</cmis:value></cmis:propertyId><cmis:propertyString propertyDefinitionId="cmis:name"><cmis:value>` +
		xmlEscape(name) + `</cmis:value></cmis:propertyString></cmism:properties>`
}

// setup creates a folder under the root with n small documents and
// returns the folder's id and the first document's.
func (cl *client) setup(n int) (folder, first string, err error) {
	root, err := cl.rootFolder()
	if err != nil {
		return "", "", err
	}
	repo := `<cmism:repositoryId>` + xmlEscape(cl.cfg.repo) + `</cmism:repositoryId>`
	name := "cmisd-load-" + time.Now().UTC().Format("20060102-150405") + "-" + randHex(3)
	out, err := cl.soapCall("ObjectService", "createFolder", `<cmism:createFolder>`+repo+
		properties("cmis:folder", name)+`<cmism:folderId>`+xmlEscape(root)+`</cmism:folderId></cmism:createFolder>`)
	if err != nil {
		return "", "", err
	}
	folder = firstElement(out, "objectId")
	if folder == "" {
		return "", "", errors.New("createFolder returned no objectId")
	}
	for i := range n {
		doc := fmt.Sprintf("doc-%05d.txt", i+1)
		content := []byte(fmt.Sprintf("document %d of %s\n", i+1, name))
		out, err := cl.soapCall("ObjectService", "createDocument", `<cmism:createDocument>`+repo+
			properties("cmis:document", doc)+`<cmism:folderId>`+xmlEscape(folder)+`</cmism:folderId>`+
			`<cmism:contentStream><cmism:length>`+strconv.Itoa(len(content))+`</cmism:length>`+
			`<cmism:mimeType>text/plain</cmism:mimeType><cmism:filename>`+doc+`</cmism:filename>`+
			`<cmism:stream>`+base64.StdEncoding.EncodeToString(content)+`</cmism:stream></cmism:contentStream>`+
			`</cmism:createDocument>`)
		if err != nil {
			return "", "", err
		}
		if i == 0 {
			if first = firstElement(out, "objectId"); first == "" {
				return "", "", errors.New("createDocument returned no objectId")
			}
		}
	}
	return folder, first, nil
}

// opBody is the Body element of the measured operation, with the defaults
// of an OpenCMIS operation context.
func (cl *client) opBody(target string) (service, body string) {
	c := cl.cfg
	common := `<cmism:filter>` + xmlEscape(c.filter) + `</cmism:filter>` +
		`<cmism:includeAllowableActions>` + strconv.FormatBool(c.allowable) + `</cmism:includeAllowableActions>` +
		`<cmism:includeRelationships>none</cmism:includeRelationships>` +
		`<cmism:renditionFilter>cmis:none</cmism:renditionFilter>`
	repo := `<cmism:repositoryId>` + xmlEscape(c.repo) + `</cmism:repositoryId>`
	if c.op == "getChildren" {
		return "NavigationService", `<cmism:getChildren>` + repo + `<cmism:folderId>` + xmlEscape(target) + `</cmism:folderId>` +
			common + `<cmism:includePathSegment>true</cmism:includePathSegment>` +
			`<cmism:maxItems>` + strconv.Itoa(c.maxItems) + `</cmism:maxItems><cmism:skipCount>0</cmism:skipCount></cmism:getChildren>`
	}
	return "ObjectService", `<cmism:getObject>` + repo + `<cmism:objectId>` + xmlEscape(target) + `</cmism:objectId>` +
		common + `<cmism:includePolicyIds>false</cmism:includePolicyIds><cmism:includeACL>false</cmism:includeACL></cmism:getObject>`
}

// ---------------------------------------------------------------------------
// The measured run

type worker struct {
	lat                          []time.Duration
	ok, httpErr, transErr, badBd int64
	bytes                        int64
	firstErr                     string
}

func (cl *client) load(target string) (*Result, error) {
	c := cl.cfg
	service, body := cl.opBody(target)
	want := []byte(c.op + "Response")

	// One checked request first: a wrong password or id fails fast.
	var probe bytes.Buffer
	status, err := cl.call(service, c.op, body, &probe)
	if err != nil {
		return nil, fmt.Errorf("first %s: %w", c.op, err)
	}
	if status != http.StatusOK || !bytes.Contains(probe.Bytes(), want) {
		msg := firstElement(probe.Bytes(), "faultstring")
		if msg == "" {
			msg = truncate(probe.String(), 300)
		}
		return nil, fmt.Errorf("first %s: HTTP %d: %s", c.op, status, msg)
	}
	var children int64
	if c.op == "getChildren" {
		children, _ = strconv.ParseInt(firstElement(probe.Bytes(), "numItems"), 10, 64)
	}

	one := func(w *worker, buf *bytes.Buffer) (time.Duration, bool) {
		start := time.Now()
		status, err := cl.call(service, c.op, body, buf)
		d := time.Since(start)
		switch {
		case err != nil:
			w.transErr++
			if w.firstErr == "" {
				w.firstErr = err.Error()
			}
			return d, false
		case status != http.StatusOK:
			w.httpErr++
			if w.firstErr == "" {
				w.firstErr = fmt.Sprintf("HTTP %d: %s", status, firstElement(buf.Bytes(), "faultstring"))
			}
			return d, false
		case !bytes.Contains(buf.Bytes(), want):
			w.badBd++
			if w.firstErr == "" {
				w.firstErr = "no " + string(want) + " in the answer: " + truncate(buf.String(), 200)
			}
			return d, false
		}
		w.bytes += int64(buf.Len())
		return d, true
	}

	// Warm-up: connections open, credentials verified once, caches filled.
	var wg sync.WaitGroup
	for range c.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			var w worker
			for range c.warmup {
				one(&w, &buf)
			}
		}()
	}
	wg.Wait()

	workers := make([]*worker, c.clients)
	var issued atomic.Int64
	start := time.Now()
	deadline := start.Add(c.duration)
	for i := range workers {
		w := &worker{lat: make([]time.Duration, 0, 4096)}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for time.Now().Before(deadline) {
				if c.requests > 0 && issued.Add(1) > c.requests {
					return
				}
				d, ok := one(w, &buf)
				if ok {
					w.ok++
					w.lat = append(w.lat, d)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	res := &Result{Op: c.op, Auth: c.auth, Encoding: "text/xml", Clients: c.clients, Target: target,
		Children: children, Seconds: elapsed.Seconds()}
	if c.mtom {
		res.Encoding = "mtom"
	}
	var all []time.Duration
	var total time.Duration
	var bytesOut int64
	for _, w := range workers {
		res.Requests += w.ok
		res.HTTPErrors += w.httpErr
		res.TransportErrors += w.transErr
		res.BadBodies += w.badBd
		bytesOut += w.bytes
		if res.FirstError == "" {
			res.FirstError = w.firstErr
		}
		all = append(all, w.lat...)
	}
	res.Errors = res.HTTPErrors + res.TransportErrors + res.BadBodies
	res.RPS = float64(res.Requests) / elapsed.Seconds()
	if len(all) > 0 {
		slices.Sort(all)
		for _, d := range all {
			total += d
		}
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		pct := func(p float64) float64 {
			i := int(p*float64(len(all))+0.5) - 1
			return ms(all[max(0, min(i, len(all)-1))])
		}
		res.MeanMs = ms(total / time.Duration(len(all)))
		res.P50Ms, res.P90Ms, res.P99Ms = pct(0.50), pct(0.90), pct(0.99)
		res.MaxMs = ms(all[len(all)-1])
		res.BytesPerReply = bytesOut / int64(len(all))
	}
	return res, nil
}
