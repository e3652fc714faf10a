package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGeneratedAdminPasswordIsLoggedOnce(t *testing.T) {
	data := t.TempDir()
	_, logs := startServe(t, []string{"CMISD_ADMIN_PASSWORD="}, "--data", data)
	l := logs()
	var password string
	for _, m := range logLines(l, "created user admin with a generated password; it is shown only this once") {
		password = fmt.Sprint(m["password"])
	}
	if len(password) < 24 { // 18 random bytes
		t.Fatalf("no generated password in the log:\n%s", l)
	}
	// The password works, and a second start does not log it again.
	addr, logs := startServe(t, nil, "--data", data)
	if code, body := call(t, http.DefaultClient, "http://"+addr, "admin", password); code != 200 {
		t.Fatalf("generated password refused: %d %s", code, body)
	}
	if strings.Contains(logs(), password) {
		t.Fatal("the generated password was logged again")
	}
}

func TestSettingsFromEnvironment(t *testing.T) {
	data := t.TempDir()
	addr, _ := startServe(t, []string{"CMISD_DATA=" + data, "CMISD_ADMIN_PASSWORD=from-the-environment"})
	if code, body := call(t, http.DefaultClient, "http://"+addr, "admin", "from-the-environment"); code != 200 {
		t.Fatalf("CMISD_ADMIN_PASSWORD not used: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(data, "cmisd.db")); err != nil {
		t.Fatalf("CMISD_DATA not used: %v", err)
	}
}

// Settings that cannot work stop serve before it opens the store.
func TestServeRefusesBadSettings(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--admin-password", "elevenchars"}, "fewer than 12 (--allow-weak-admin-password takes it anyway)"},
		{[]string{"CMISD_ADMIN_PASSWORD=short"}, nil, "fewer than 12"},
		{nil, []string{"--tls-cert", "cert.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"CMISD_LOGIN_WINDOW=soon"}, nil, `CMISD_LOGIN_WINDOW="soon"`},
		{nil, []string{"--login-delay", "1s", "--login-max-delay", "10ms"}, "maximum login delay is shorter"},
		{nil, []string{"--login-max-failures", "3", "--login-lockout", "0s"}, "lockout"},
		{nil, []string{"extra"}, `unexpected "extra"`},
		{nil, []string{"--max-count", "0"}, "must not be 0"},
		{[]string{"CMISD_QUERY_TIMEOUT=0s"}, nil, "must not be 0"},
		{nil, []string{"--gc-percent", "10"}, "--gc-percent must be at least 25"},
	} {
		data := t.TempDir()
		args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", data}, tt.args...)
		if out, code := run(t, tt.env, "", args...); code != 1 || !strings.Contains(out, tt.want) {
			t.Errorf("env %v args %v: exit %d %q, want 1 with %q", tt.env, tt.args, code, out, tt.want)
		}
		if _, err := os.Stat(filepath.Join(data, "cmisd.db")); err == nil {
			t.Errorf("env %v args %v: the store was opened", tt.env, tt.args)
		}
	}
}

// The garbage collector runs at --gc-percent (default 400), from the flag
// or the environment, whatever GOGC says: the runtime reports it in the
// "serving" line.
func TestGCPercent(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		args []string
		want float64
	}{
		{[]string{"GOGC=100"}, nil, defaultGCPercent},
		{[]string{"CMISD_GC_PERCENT=250"}, nil, 250},
		{nil, []string{"--gc-percent", "150"}, 150},
	} {
		_, logs := startServe(t, tt.env, append([]string{"--data", t.TempDir()}, tt.args...)...)
		lines := logLines(logs(), "serving")
		if len(lines) != 1 || lines[0]["gc_percent"] != tt.want {
			t.Errorf("env %v args %v: serving lines %v, want gc_percent %v", tt.env, tt.args, lines, tt.want)
		}
	}
}

func TestWeakAdminPasswordWhenAllowed(t *testing.T) {
	addr, _ := startServe(t, []string{"CMISD_ALLOW_WEAK_ADMIN_PASSWORD=true"}, "--data", t.TempDir(), "--admin-password", "pw")
	if code, body := call(t, http.DefaultClient, "http://"+addr, "admin", "pw"); code != 200 {
		t.Fatalf("weak admin password refused: %d %s", code, body)
	}
}

// The login limits reach the server from flags and environment, the
// client's address reaches them from the connection, and failures are
// logged without the password.
func TestServeLimitsFailedLogins(t *testing.T) {
	data := t.TempDir()
	if out, code := run(t, nil, "", "user", "add", "alice", "--password", "alice-password", "--data", data); code != 0 {
		t.Fatalf("user add: %s", out)
	}
	addr, logs := startServe(t, []string{"CMISD_LOGIN_MAX_FAILURES=2", "CMISD_LOGIN_DELAY=1ms"},
		"--data", data, "--admin-password", "admin-password", "--login-max-delay", "2ms", "--login-lockout", "1h")
	url := "http://" + addr
	for _, guess := range []string{"guess-one", "guess-two"} {
		if code, body := call(t, http.DefaultClient, url, "admin", guess); code != 500 || !strings.Contains(body, "invalid user name or password") {
			t.Fatalf("wrong password %s: %d %s", guess, code, body)
		}
	}
	code, body := call(t, http.DefaultClient, url, "admin", "admin-password")
	if code != 500 || !strings.Contains(body, "permissionDenied") ||
		!strings.Contains(body, `too many failed logins for user &#34;admin&#34; from this address; try again in 3600 s`) {
		t.Fatalf("after two failures: %d %s", code, body)
	}
	if code, body := call(t, http.DefaultClient, url, "alice", "alice-password"); code != 200 {
		t.Fatalf("another user from the same address: %d %s", code, body)
	}
	l := logs()
	failed := logLines(l, "login failed")
	if len(failed) != 2 || failed[0]["user"] != "admin" || failed[0]["addr"] != "127.0.0.1" || failed[0]["level"] != "warn" {
		t.Fatalf("failed logins logged as %v\n%s", failed, l)
	}
	if refused := logLines(l, "login refused: too many failed logins"); len(refused) != 1 || refused[0]["addr"] != "127.0.0.1" {
		t.Fatalf("the refusal logged as %v", refused)
	}
	if strings.Contains(l, "guess-one") || strings.Contains(l, "guess-two") {
		t.Fatalf("a tried password is in the log:\n%s", l)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

func TestServesHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, cert := selfSigned(t, dir)
	addr, _ := startServe(t, nil, "--data", dir, "--admin-password", "admin-password", "--tls-cert", certFile, "--tls-key", keyFile)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := func(min, max uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: min, MaxVersion: max}}}
	}
	// TLS 1.2 and 1.3 only.
	for _, tt := range []struct {
		name     string
		min, max uint16
		ok       bool
	}{
		{"TLS 1.0-1.1", tls.VersionTLS10, tls.VersionTLS11, false},
		{"TLS 1.2", tls.VersionTLS12, tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, true},
	} {
		resp, err := client(tt.min, tt.max).Get("https://" + addr + "/")
		if !tt.ok {
			if err == nil || !strings.Contains(err.Error(), "protocol version") {
				t.Errorf("%s: %v, want refused for its protocol version", tt.name, err)
			}
			if err == nil {
				resp.Body.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		resp.Body.Close()
		if resp.TLS == nil || resp.TLS.Version != tt.max {
			t.Errorf("%s: negotiated %v", tt.name, resp.TLS)
		}
	}
	c := client(0, 0)
	if code, body := call(t, c, "https://"+addr, "admin", "admin-password"); code != 200 || !strings.Contains(body, "getRepositoriesResponse") {
		t.Fatalf("over HTTPS: %d %s", code, body)
	}
	// The WSDL names https addresses when served over TLS.
	resp, err := c.Get("https://" + addr + "/services/RepositoryService?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `location="https://`+addr+`/services/RepositoryService"`) {
		t.Fatalf("WSDL addresses are not https://%s: %s", addr, b[:min(len(b), 400)])
	}
}

// Every request gets its log line, however many come in a second (zap's
// production config would keep the first 100 a second, then every 100th).
func TestEveryRequestIsLogged(t *testing.T) {
	srv := startServer(t, nil, "--data", t.TempDir(), "--admin-password", "admin-password")
	addr := srv.addr
	const n = 400
	for i := range n {
		resp, err := http.Get("http://" + addr + "/no-such-page")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	var got int
	for i := 0; i < 100; i++ { // the last lines may still be on their way
		got = 0
		for _, m := range logLines(srv.logged(), "request") {
			if m["path"] == "/no-such-page" {
				got++
			}
		}
		if got == n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d requests gave %d request log lines", n, got)
}
