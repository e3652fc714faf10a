package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
	"github.com/cmisd/cmisd/internal/testenv"
)

// The files of deploy/, checked as far as this machine allows.
const deployDir = "../../deploy"

func readDeploy(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replaceOnce replaces old by new in s and fails t unless old occurs
// exactly n times: a test of an example file must notice when its shape
// changes.
func replaceOnce(t *testing.T, s, old, new string, n int) string {
	t.Helper()
	if c := strings.Count(s, old); c != n {
		t.Fatalf("%q occurs %d times, the test expects %d", old, c, n)
	}
	return strings.ReplaceAll(s, old, new)
}

// The systemd unit: systemd-analyze verify accepts it without a word, its
// exposure (systemd-analyze security) is low, and it has the hardening
// that matters.
func TestSystemdUnit(t *testing.T) {
	unit := readDeploy(t, "cmisd.service")
	for _, want := range []string{"\nDynamicUser=yes\n", "\nStateDirectory=cmisd\n", "--data /var/lib/cmisd ",
		"\nProtectSystem=strict\n", "\nPrivateTmp=yes\n", "\nNoNewPrivileges=yes\n", "\nProtectHome=yes\n",
		"\nCapabilityBoundingSet=\n", "\nKillSignal=SIGTERM\n", "\nTimeoutStopSec=45s\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
	if strings.Contains(unit, "ReadWritePaths=") {
		t.Error("a writable path besides the state directory")
	}
	sa, err := exec.LookPath("systemd-analyze")
	testenv.Require(t, testenv.SystemdAnalyze, err == nil, "systemd-analyze is not on PATH")
	dir := t.TempDir()
	// Whether systemd-analyze can load units here at all.
	probe := filepath.Join(dir, "probe.service")
	os.WriteFile(probe, []byte("[Service]\nExecStart=/bin/true\n"), 0o644)
	out, err := exec.Command(sa, "verify", probe).CombinedOutput()
	testenv.Require(t, testenv.SystemdAnalyze, err == nil && len(out) == 0,
		fmt.Sprintf("it cannot verify a trivial unit here: %v %s", err, out))

	// verify checks that ExecStart's program is executable: the binary
	// under test stands in for /usr/local/bin/cmisd.
	path := filepath.Join(dir, "cmisd.service")
	os.WriteFile(path, []byte(replaceOnce(t, unit, "ExecStart=/usr/local/bin/cmisd ", "ExecStart="+binary+" ", 1)), 0o644)
	if out, err := exec.Command(sa, "verify", path).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(sa, "security", "--offline=yes", "--threshold=15", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: exposure above 1.5 (%v)\n%s", err, out)
	}
	t.Logf("%s", out[strings.LastIndex(string(out), "Overall"):])
}

// instruction is one line of a container file.
type instruction struct{ cmd, args string }

// parseContainerfile reads a Containerfile into its stages' instructions:
// comments dropped, continued lines joined.
func parseContainerfile(text string) [][]instruction {
	var stages [][]instruction
	var cur strings.Builder
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") || (t == "" && cur.Len() == 0) {
			continue
		}
		if s, ok := strings.CutSuffix(t, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(t)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	for _, l := range lines {
		cmd, args, _ := strings.Cut(l, " ")
		in := instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	return stages
}

func (in instruction) String() string { return in.cmd + " " + in.args }

// find returns the args of the stage's instructions of a kind.
func find(stage []instruction, cmd string) []string {
	var out []string
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// The container file: a golang builder stage that builds with the
// Makefile (whose build is static, with the project's tags), and an empty
// base image that runs the binary as a non-root user with the data
// directory as a volume. No container engine runs here to build it.
func TestContainerfile(t *testing.T) {
	text := readDeploy(t, "Containerfile")
	stages := parseContainerfile(text)
	if len(stages) != 2 {
		t.Fatalf("%d stages, want a builder and the image", len(stages))
	}
	build, final := stages[0], stages[1]
	goMod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(goMod))[1]
	if !strings.Contains(text, "\nARG GO_VERSION="+goVersion+"\n") {
		t.Errorf("want ARG GO_VERSION=%s, go.mod's", goVersion)
	}
	if from := build[0].args; !regexp.MustCompile(`golang:\$\{GO_VERSION\}-\w+ AS build$`).MatchString(from) {
		t.Errorf("builder FROM %s", from)
	}
	runs := strings.Join(find(build, "RUN"), " ")
	if !strings.Contains(runs, "make build") || !strings.Contains(runs, "! ldd bin/cmisd") {
		t.Errorf("the builder does not build with make and check the binary is static: %s", runs)
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"netgo osusergo sqlite_omit_load_extension sqlite_fts5", "-extldflags=-static", "CGO_ENABLED=1"} {
		if !strings.Contains(string(makefile), want) {
			t.Errorf("make build lacks %q", want)
		}
	}

	if from := final[0].args; from != "scratch" && !strings.HasPrefix(from, "gcr.io/distroless/static") {
		t.Errorf("the image is FROM %s, not an empty base", from)
	}
	users := find(final, "USER")
	if len(users) != 1 || regexp.MustCompile(`^(0|root)(:|$)`).MatchString(users[0]) {
		t.Errorf("USER %v: want one non-root user", users)
	}
	env := strings.Join(find(final, "ENV"), " ")
	data := regexp.MustCompile(`CMISD_DATA=(\S+)`).FindStringSubmatch(env)
	if data == nil || !strings.Contains(strings.Join(find(final, "VOLUME"), " "), `"`+data[1]+`"`) {
		t.Errorf("the data directory (ENV %s) is not a VOLUME %v", env, find(final, "VOLUME"))
	}
	if !strings.Contains(env, "CMISD_LISTEN=0.0.0.0:") || !strings.Contains(env, "TMPDIR="+data[1]) {
		t.Errorf("ENV %s: want a listener outside the container and TMPDIR in the volume", env)
	}
	copies := strings.Join(find(final, "COPY"), " ")
	if !strings.Contains(copies, "--from=build /out/cmisd /cmisd") || !strings.Contains(copies, "--chown="+strings.SplitN(users[0], ":", 2)[0]) {
		t.Errorf("COPY %s: want the binary and a data directory the user owns", copies)
	}
	if ep := find(final, "ENTRYPOINT"); len(ep) != 1 || ep[0] != `["/cmisd"]` {
		t.Errorf("ENTRYPOINT %v", ep)
	}
}

// The container file builds, where a container engine runs (TestContainerfile
// checks it by parsing everywhere).
func TestContainerfileBuilds(t *testing.T) {
	var engine string
	for _, name := range []string{"docker", "podman"} {
		if p, err := exec.LookPath(name); err == nil && exec.Command(p, "info").Run() == nil {
			engine = p
			break
		}
	}
	testenv.Require(t, testenv.ContainerEngine, engine != "", "no docker or podman here that reaches its daemon or can run")
	if out, err := exec.Command(engine, "build", "-f", filepath.Join(deployDir, "Containerfile"), "../..").CombinedOutput(); err != nil {
		t.Fatalf("%s build: %v\n%s", engine, err, out)
	}
}

// freePort returns a loopback port nothing listens on just now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// deploy/nginx.conf in front of the real binary, with a self-signed
// certificate: the WSDL's addresses are the proxy's https ones, SOAP calls
// and an MTOM upload pass, and plain HTTP is sent to https.
func TestNginxInFront(t *testing.T) {
	nginx := testenv.Program(t, testenv.Nginx, "nginx", "/usr/sbin/nginx")
	srv := startServer(t, nil, "--data", t.TempDir(), "--admin-password", adminPassword)
	dir := t.TempDir()
	certFile, keyFile, cert := selfSigned(t, dir)
	tlsPort, plainPort := freePort(t), freePort(t)

	site := readDeploy(t, "nginx.conf")
	site = replaceOnce(t, site, "server 127.0.0.1:8080;", "server "+srv.addr+";", 1)
	site = replaceOnce(t, site, "listen 443 ssl;", fmt.Sprintf("listen 127.0.0.1:%d ssl;", tlsPort), 1)
	site = replaceOnce(t, site, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", plainPort), 1)
	site = replaceOnce(t, site, "listen [::]:443 ssl;", "", 1)
	site = replaceOnce(t, site, "listen [::]:80;", "", 1)
	site = replaceOnce(t, site, "/etc/ssl/certs/cmis.example.org.pem", certFile, 1)
	site = replaceOnce(t, site, "/etc/ssl/private/cmis.example.org.key", keyFile, 1)
	os.WriteFile(filepath.Join(dir, "cmisd.conf"), []byte(site), 0o644)
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/cmisd.conf;
}
`, dir)
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte(main), 0o644)
	args := []string{"-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log")}
	if out, err := exec.Command(nginx, append(args, "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, nginx, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	proxy := fmt.Sprintf("https://127.0.0.1:%d", tlsPort)
	var wsdl []byte
	up := waitFor(func() bool {
		resp, err := client.Get(proxy + "/services/RepositoryService?wsdl")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		wsdl, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK
	})
	if !up {
		errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		t.Fatalf("no WSDL through nginx:\n%s", errLog)
	}
	if want := `location="` + proxy + `/services/RepositoryService"`; !strings.Contains(string(wsdl), want) {
		t.Fatalf("the WSDL does not name the proxy (%s):\n%s", want, loadgen.Truncate(string(wsdl), 600))
	}
	if strings.Contains(string(wsdl), srv.addr) {
		t.Fatal("the WSDL names cmisd's own address")
	}

	c := loadgen.NewClient(loadgen.Config{URL: proxy, User: "admin", Password: adminPassword, HTTP: client})
	if err := c.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
	content := make([]byte, 3<<20)
	if _, err := c.CreateDocument(context.Background(), c.Root, "through-nginx.bin", "application/octet-stream", content); err != nil {
		t.Fatal(err)
	}

	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/services/ObjectService?wsdl", plainPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, "https://127.0.0.1/services/ObjectService") {
		t.Errorf("plain HTTP: %d to %q, want a redirect to https", resp.StatusCode, loc)
	}
}
