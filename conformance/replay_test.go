package conformance

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "record missing and changed responses as the new expected ones")

// newServer starts a fresh in-process cmisd with the users the recordings
// use (test/test, and admin); see newServerWithData.
func newServer(t *testing.T) (base string, repositoryID, rootID string) {
	base, repositoryID, rootID, _ = newServerWithData(t)
	return base, repositoryID, rootID
}

// TestReplay replays every case directory in cases/ against a fresh
// server, in order, comparing each answer with the recorded one.
func TestReplay(t *testing.T) {
	dirs, err := filepath.Glob("cases/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no conformance cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { replayCase(t, dir) })
	}
}

func replayCase(t *testing.T, dir string) {
	exchanges, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := readAccounts(filepath.Join(dir, "users.txt"))
	if err != nil {
		t.Fatal(err)
	}
	base, repoID, rootID, _ := newServerFor(t, accounts)
	b := Bindings{}
	pending, err := readBindings(filepath.Join(dir, "bindings.txt"), b, map[string]string{
		"repositoryId": repoID, "rootFolderId": rootID})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, x := range exchanges {
		now := time.Now().UTC()
		raw := Substitute(x.Request, b, now.Format("2006-01-02T15:04:05Z"), now.Add(5*time.Minute).Format("2006-01-02T15:04:05Z"))
		req, err := ParseRequest(raw, base)
		if err != nil {
			t.Fatalf("%s: %v", x.Name, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", x.Name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", x.Name, err)
		}
		ct := resp.Header.Get("Content-Type")
		got, err := Envelope(ct, body)
		if err != nil {
			t.Fatalf("%s: response: %v\n%s", x.Name, err, body)
		}
		// Ids the recording's stand-in endpoint handed out are bound to
		// those this server answers with.
		if recorded, ok := pending[x.Name]; ok {
			if id := firstObjectID(got); id != "" {
				b[recorded] = id
			}
		}
		if x.Response == nil {
			if !*update {
				t.Fatalf("%s: no recorded response; run go test ./conformance -update and review it", x.Name)
			}
			writeResponse(t, dir, x.Name, resp.StatusCode, ct, body)
			continue
		}
		wantStatus, wantHeader, wantBody, err := ParseResponse(x.Response)
		if err != nil {
			t.Fatalf("%s: recorded response: %v", x.Name, err)
		}
		diffs := []string{}
		if wantStatus != resp.StatusCode {
			diffs = append(diffs, fmt.Sprintf("status %d, got %d", wantStatus, resp.StatusCode))
		}
		wantMultipart := strings.HasPrefix(wantHeader.Get("Content-Type"), "multipart/")
		if wantMultipart != strings.HasPrefix(ct, "multipart/") {
			diffs = append(diffs, fmt.Sprintf("content type %q, got %q", wantHeader.Get("Content-Type"), ct))
		}
		want, err := Envelope(wantHeader.Get("Content-Type"), wantBody)
		if err != nil {
			t.Fatalf("%s: recorded response: %v", x.Name, err)
		}
		wn, err := Parse(want)
		if err != nil {
			t.Fatalf("%s: recorded response: %v", x.Name, err)
		}
		gn, err := Parse(got)
		if err != nil {
			t.Fatalf("%s: response is not XML: %v\n%s", x.Name, err, got)
		}
		diffs = append(diffs, Compare(wn, gn, b)...)
		wantParts, err := Attachments(wantHeader.Get("Content-Type"), wantBody)
		if err != nil {
			t.Fatalf("%s: recorded attachments: %v", x.Name, err)
		}
		gotParts, err := Attachments(ct, body)
		if err != nil {
			t.Fatalf("%s: attachments: %v", x.Name, err)
		}
		if strings.Join(wantParts, ",") != strings.Join(gotParts, ",") {
			diffs = append(diffs, fmt.Sprintf("attachments (SHA-256) %v, got %v", wantParts, gotParts))
		}
		if len(diffs) > 0 {
			if *update {
				writeResponse(t, dir, x.Name, resp.StatusCode, ct, body)
				continue
			}
			t.Errorf("%s differs from the recorded exchange:\n  %s\ngot:\n%s", x.Name, strings.Join(diffs, "\n  "), got)
		}
	}
}

// readBindings reads "recorded-value fact" lines. A fact names a value of
// the live server (repositoryId, rootFolderId), bound at once, or
// "response:<exchange>": the objectId that exchange answers with, bound
// when it arrives (returned as pending, keyed by exchange name).
func readBindings(path string, b Bindings, facts map[string]string) (map[string]string, error) {
	pending := map[string]string{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return pending, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		if ex, ok := strings.CutPrefix(fields[1], "response:"); ok {
			pending[ex] = fields[0]
			continue
		}
		v, ok := facts[fields[1]]
		if !ok {
			return nil, fmt.Errorf("%s: unknown fact %q", path, fields[1])
		}
		b[fields[0]] = v
	}
	return pending, sc.Err()
}

// firstObjectID is the text of the first objectId element of a response.
func firstObjectID(env []byte) string {
	n, err := Parse(env)
	if err != nil {
		return ""
	}
	if id := firstDesc(n, "objectId"); id != nil {
		return id.Text
	}
	return ""
}

// writeResponse stores a response with only the headers that matter for
// comparison; Date and Content-Length change every run.
func writeResponse(t *testing.T, dir, name string, status int, ct string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", status, http.StatusText(status), ct, len(body))
	buf.Write(body)
	if err := os.WriteFile(filepath.Join(dir, name+".response.http"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s/%s", dir, name)
}

// readAccounts reads a case's users.txt ("name password" lines); nil when
// the case has none (it was recorded against the stand-in endpoint).
func readAccounts(path string) ([]account, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []account
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			out = append(out, account{f[0], f[1]})
		}
	}
	return out, nil
}
