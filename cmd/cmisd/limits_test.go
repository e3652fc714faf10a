package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
)

// upload is an MTOM createDocument of name in the root, n random bytes.
func upload(c *loadgen.Client, name string, n int) (body []byte, contentType string) {
	content := make([]byte, n)
	const cid = "limits@test"
	env := c.Envelope(c.CreateDocumentXML(c.Root, name, "application/octet-stream", int64(n), loadgen.Include(cid)))
	return loadgen.MTOM(env, loadgen.Part{ContentID: cid, Data: content})
}

// startHalf sends the head and the first half of an upload over a raw
// connection and returns it with the rest of the body.
func startHalf(t *testing.T, addr string, body []byte, ct string) (net.Conn, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /services/ObjectService HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", addr, ct, len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	return conn, body[len(body)/2:]
}

// absent checks that no object has the path, that the content store has
// files files, and that nothing is left half-written.
func absent(t *testing.T, c *loadgen.Client, data, name string, files int) {
	t.Helper()
	_, err := c.Call(context.Background(), "ObjectService", "getObjectByPath", `<cmism:getObjectByPath><cmism:repositoryId>`+
		c.Repo+`</cmism:repositoryId><cmism:path>/`+name+`</cmism:path></cmism:getObjectByPath>`)
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("/%s: %v, want objectNotFound", name, err)
	}
	if n := len(contentFilesOrNone(t, data)); n != files {
		t.Errorf("%d content files, want %d", n, files)
	}
	for _, dir := range []string{filepath.Join(data, "content", "tmp"), filepath.Join(data, "tmp")} {
		if !waitFor(func() bool { left, _ := os.ReadDir(dir); return len(left) == 0 }) {
			left, _ := os.ReadDir(dir)
			t.Errorf("%s still holds %v", dir, left)
		}
	}
}

func contentFilesOrNone(t *testing.T, data string) []string {
	if entries, _ := os.ReadDir(filepath.Join(data, "content")); len(entries) <= 1 {
		return nil // content/tmp only
	}
	return contentFiles(t, data)
}

// --read-stall-timeout reaches the server: an upload that stops half way
// is dropped after it, and nothing of it is stored.
func TestStalledUploadStoresNothing(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword, "--read-stall-timeout", "1s")
	c := adminClient(t, srv.addr)
	body, ct := upload(c, "stalled.bin", 2<<20)
	conn, _ := startHalf(t, srv.addr, body, ct)
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("a stalled upload succeeded: %s", b)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("held for %v", d)
	}
	absent(t, c, data, "stalled.bin", 0)
}

// --max-uploads reaches the server: past it an upload gets a runtime
// fault at once and stores nothing; the held one then completes.
func TestUploadLimitStoresNothing(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword, "--max-uploads", "1")
	c := adminClient(t, srv.addr)
	body, ct := upload(c, "held.bin", 1<<20)
	conn, rest := startHalf(t, srv.addr, body, ct)
	if !waitFor(func() bool { return metric(t, "http://"+srv.addr, "cmisd_requests_in_flight") == 1 }) {
		t.Fatal("the held upload is not in flight")
	}
	_, err := c.CreateDocument(context.Background(), c.Root, "refused.bin", "application/octet-stream", make([]byte, 1000))
	if err == nil || !strings.Contains(err.Error(), "too many uploads in progress") || !strings.Contains(err.Error(), "at most 1") {
		t.Fatalf("past the limit: %v", err)
	}
	conn.Write(rest)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the held upload: %v %v", resp, err)
	}
	absent(t, c, data, "refused.bin", 1) // the held upload's file only
}

// --rate-limit reaches the server: past the burst an upload is answered
// 429 before its body is read, and stores nothing.
func TestRateLimitStoresNothing(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword, "--rate-limit", "0.1", "--rate-burst", "2")
	c := adminClient(t, srv.addr) // two requests: the burst
	_, err := c.CreateDocument(context.Background(), c.Root, "limited.bin", "application/octet-stream", make([]byte, 1000))
	if err == nil || !strings.Contains(err.Error(), "HTTP 429") {
		t.Fatalf("past the burst: %v", err)
	}
	if !waitFor(func() bool {
		lines := logLines(srv.logged(), "request")
		return len(lines) == 3 && lines[2]["outcome"] == "rateLimited" && lines[2]["bytes_in"] == 0.0
	}) {
		t.Errorf("the refusal is not logged as rateLimited before its body was read:\n%s", srv.logged())
	}
	if n := len(contentFilesOrNone(t, data)); n != 0 {
		t.Errorf("%d content files after a refused upload", n)
	}
}
