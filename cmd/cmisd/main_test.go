package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cmisd-test")
	if err != nil {
		panic(err)
	}
	binary = os.Getenv("CMISD_BIN")
	if binary == "" {
		binary = filepath.Join(dir, "cmisd")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// serve starts cmisd and returns the address it listens on and its log
// lines so far (read after stop).
func startServe(t *testing.T, env []string, args ...string) (addr string, logs func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	done := make(chan struct{})
	addrc := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			buf.Write(append(sc.Bytes(), '\n'))
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "serving" {
				addrc <- fmt.Sprint(m["addr"])
			}
		}
	}()
	stop := func() {
		cancel()
		cmd.Wait()
		<-done
	}
	t.Cleanup(stop)
	select {
	case addr = <-addrc:
	case <-time.After(20 * time.Second):
		stop()
		t.Fatalf("cmisd did not start:\n%s", buf.String())
	}
	return addr, func() string { stop(); return buf.String() }
}

const getRepositories = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>
<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
<wsse:UsernameToken><wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password></wsse:UsernameToken>
</wsse:Security></soap:Header><soap:Body><getRepositories xmlns="http://docs.oasis-open.org/ns/cmis/messaging/200908/"/></soap:Body></soap:Envelope>`

func call(t *testing.T, client *http.Client, url, user, password string) (int, string) {
	t.Helper()
	resp, err := client.Post(url+"/services/RepositoryService", "text/xml; charset=utf-8",
		strings.NewReader(fmt.Sprintf(getRepositories, user, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGeneratedAdminPasswordIsLoggedOnce(t *testing.T) {
	data := t.TempDir()
	addr, logs := startServe(t, []string{"CMISD_ADMIN_PASSWORD="}, "--data", data)
	l := logs()
	var password string
	for _, line := range strings.Split(l, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["password"] != nil {
			password = fmt.Sprint(m["password"])
		}
	}
	if len(password) < 16 {
		t.Fatalf("no generated password in the log:\n%s", l)
	}
	// The password works, and a second start does not log it again.
	addr, logs = startServe(t, nil, "--data", data)
	if code, body := call(t, http.DefaultClient, "http://"+addr, "admin", password); code != 200 {
		t.Fatalf("generated password refused: %d %s", code, body)
	}
	if strings.Contains(logs(), password) {
		t.Fatal("the generated password was logged again")
	}
	_ = addr
}

func TestSettingsFromEnvironment(t *testing.T) {
	data := t.TempDir()
	addr, _ := startServe(t, []string{"CMISD_DATA=" + data, "CMISD_ADMIN_PASSWORD=from-env"})
	if code, body := call(t, http.DefaultClient, "http://"+addr, "admin", "from-env"); code != 200 {
		t.Fatalf("CMISD_ADMIN_PASSWORD not used: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(data, "cmisd.db")); err != nil {
		t.Fatalf("CMISD_DATA not used: %v", err)
	}
}

func TestUserAndGroupCommands(t *testing.T) {
	data := t.TempDir()
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(binary, append(args, "--data", data)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	steps := []struct {
		stdin string
		args  []string
		fail  bool
		want  string
	}{
		{"", []string{"user", "add", "alice", "--password", "pw1"}, false, ""},
		{"", []string{"user", "add", "alice", "--password", "pw1"}, true, "exists"},
		{"pw2\n", []string{"user", "add", "bob", "--password-stdin"}, false, ""},
		{"", []string{"group", "add", "staff"}, false, ""},
		{"", []string{"group", "members", "staff", "--add", "alice", "--add", "bob"}, false, "alice\nbob\n"},
		{"", []string{"group", "members", "staff", "--remove", "bob"}, false, "alice\n"},
		{"", []string{"user", "list"}, false, "alice\tstaff\nbob\t\n"},
		{"", []string{"user", "passwd", "alice", "--password", "pw3"}, false, ""},
		{"", []string{"user", "del", "bob"}, false, ""},
		{"", []string{"user", "del", "bob"}, true, "no user"},
		{"", []string{"group", "del", "staff"}, false, ""},
		{"", []string{"user", "add", "carol", "--password", ""}, true, "empty password"},
	}
	for _, s := range steps {
		out, err := run(s.stdin, s.args...)
		if (err != nil) != s.fail || !strings.Contains(out, s.want) {
			t.Fatalf("cmisd %v: err=%v out=%q, want fail=%v containing %q", s.args, err, out, s.fail, s.want)
		}
	}
	// The stored password is what the server checks.
	addr, _ := startServe(t, nil, "--data", data, "--admin-password", "adminpw")
	if code, _ := call(t, http.DefaultClient, "http://"+addr, "alice", "pw3"); code != 200 {
		t.Fatalf("alice's new password refused: %d", code)
	}
	if code, body := call(t, http.DefaultClient, "http://"+addr, "alice", "pw1"); code != 500 || !strings.Contains(body, "permissionDenied") {
		t.Fatalf("alice's old password: %d %s", code, body)
	}
	if db, _ := os.ReadFile(filepath.Join(data, "cmisd.db")); bytes.Contains(db, []byte("pw3")) {
		t.Fatal("a password is stored in plain text")
	}
}

func TestServesHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	addr, _ := startServe(t, nil, "--data", dir, "--admin-password", "pw", "--tls-cert", certFile, "--tls-key", keyFile)
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, body := call(t, client, "https://"+addr, "admin", "pw"); code != 200 || !strings.Contains(body, "getRepositoriesResponse") {
		t.Fatalf("over HTTPS: %d %s", code, body)
	}
	// The WSDL names https addresses when served over TLS.
	resp, err := client.Get("https://" + addr + "/services/RepositoryService?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `location="https://`+addr+`/services/RepositoryService"`) {
		t.Fatalf("WSDL addresses are not https://%s: %s", addr, b[:min(len(b), 400)])
	}
}
