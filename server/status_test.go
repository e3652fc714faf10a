package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/testenv"
)

// fakeStats counts how often it was asked.
type fakeStats struct {
	calls int
	err   error
}

func (f *fakeStats) Stats(context.Context) (cmis.StoreStats, error) {
	f.calls++
	return cmis.StoreStats{Objects: 1234, ContentStreams: 56, ContentBytes: 3 << 30}, f.err
}

func statusServer(t *testing.T, stats cmis.StatsReader) *httptest.Server {
	env := newTestServer(t, func(c *Config) {
		c.Status = Status{Version: "v9.9.9", Started: time.Now().Add(-(26*time.Hour + 5*time.Minute)),
			Database: "SQLite 3.99", ContentStore: "files", Stats: stats}
	})
	ts := httptest.NewServer(env.srv)
	t.Cleanup(ts.Close)
	return ts
}

// The page tells version, uptime, counts, database and content store, and
// every endpoint's WSDL URL, with snippets that use them; no script, and
// no credentials needed.
func TestStatusPage(t *testing.T) {
	stats := &fakeStats{}
	ts := statusServer(t, stats)
	resp, body := get(t, http.DefaultClient, ts.URL+"/", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	for _, want := range []string{
		"<h1>Test Repository</h1>", `<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"v9.9.9", "1 d 2 h", "1234", "56 streams, 3.0 GiB", "SQLite 3.99", "files",
		ts.URL + "/healthz", ts.URL + "/readyz",
		`"org.apache.chemistry.opencmis.binding.webservices." + svc, "` + ts.URL + `/services/" + svc + "?wsdl"`,
		"svcutil " + ts.URL + "/services/RepositoryService?wsdl",
		`Client("` + ts.URL + `/services/RepositoryService?wsdl"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, face := range []string{"/services/", "/services10/"} {
		for _, n := range ServiceNames {
			if !strings.Contains(page, `<code class="url">`+ts.URL+face+n+"?wsdl</code>") {
				t.Errorf("no WSDL URL for %s%s", face, n)
			}
		}
	}
	for _, h := range []string{"<h3>CMIS 1.1</h3>", "<h3>CMIS 1.0</h3>"} {
		if !strings.Contains(page, h) {
			t.Errorf("the page lacks %q", h)
		}
	}
	if n := len(regexp.MustCompile(`<td class="svc">`).FindAllString(page, -1)); n != len(ServiceNames)*len(faces) {
		t.Errorf("%d endpoint rows, want %d", n, len(ServiceNames)*len(faces))
	}
	if strings.Contains(strings.ToLower(page), "<script") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Error("the page may run script")
	}
	// A second view within the cache's life does not count again.
	get(t, http.DefaultClient, ts.URL+"/", nil)
	if stats.calls != 1 {
		t.Errorf("counted %d times for two views", stats.calls)
	}
	// Behind a proxy, the URLs are the proxy's.
	_, body = get(t, http.DefaultClient, ts.URL+"/", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cmis.example.org"})
	if !strings.Contains(string(body), "https://cmis.example.org/services/ObjectService?wsdl") {
		t.Error("the proxy's address is not on the page")
	}
	// No credentials needed for any of this.
	for _, p := range []string{"/services", "/wsdl/CMIS-Core.xsd", "/?core", "/?msg"} {
		if r, _ := get(t, http.DefaultClient, ts.URL+p, nil); r.StatusCode != 200 {
			t.Errorf("%s: status %d", p, r.StatusCode)
		}
	}
	if r, _ := get(t, http.DefaultClient, ts.URL+"/wsdl/nope.xsd", nil); r.StatusCode != 404 {
		t.Errorf("unknown schema: status %d", r.StatusCode)
	}
}

// Counts that cannot be had leave the page up.
func TestStatusPageWithoutCounts(t *testing.T) {
	ts := statusServer(t, &fakeStats{err: errors.New("database is locked")})
	resp, body := get(t, http.DefaultClient, ts.URL+"/", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "unavailable just now") || strings.Contains(string(body), "locked") {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
}

func TestUptimeAndSizes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		42 * time.Second: "42 s", 61 * time.Second: "1 min 1 s", 3*time.Hour + 7*time.Minute: "3 h 7 min", 50 * time.Hour: "2 d 2 h",
	} {
		if got := uptime(d); got != want {
			t.Errorf("uptime(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1536: "1.5 KiB", 5 << 40: "5.0 TiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// chromium runs headless Chromium with a fresh profile and returns its
// standard output.
func chromium(t *testing.T, args ...string) string {
	t.Helper()
	bin := testenv.Program(t, testenv.Chromium, "chromium", "chromium-browser")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// The page renders in a real browser and shows the endpoints, on a
// phone's screen too.
func TestStatusPageInChromium(t *testing.T) {
	ts := statusServer(t, &fakeStats{})
	dom := chromium(t, "--dump-dom", ts.URL+"/")
	for _, want := range []string{"<h1>Test Repository</h1>", "Endpoints", "56 streams, 3.0 GiB"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	for _, n := range ServiceNames {
		if !strings.Contains(dom, ts.URL+"/services/"+n+"?wsdl") {
			t.Errorf("the rendered page lacks the WSDL URL of %s", n)
		}
	}
	shot := filepath.Join(t.TempDir(), "phone.png")
	chromium(t, "--window-size=390,844", "--hide-scrollbars", "--screenshot="+shot, ts.URL+"/")
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10<<10 {
		t.Fatalf("no screenshot of the page on a phone's screen: %v", err)
	}
	if dir := os.Getenv("CMISD_SCREENSHOTS"); dir != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(filepath.Join(dir, "status-phone.png"), b, 0o644)
	}
}
