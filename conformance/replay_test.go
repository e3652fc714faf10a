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
	rewritten := 0
	for _, x := range exchanges {
		now := time.Now().UTC()
		raw := Substitute(x.Request, b, now.Format("2006-01-02T15:04:05Z"), now.Add(5*time.Minute).Format("2006-01-02T15:04:05Z"))
		got, err := send(client, raw, base)
		if err != nil {
			t.Fatalf("%s: %v", x.Name, err)
		}
		// Ids the recording's stand-in endpoint handed out are bound to
		// those this server answers with.
		if recorded, ok := pending[x.Name]; ok {
			if id := firstObjectID(got.env); id != "" {
				b[recorded] = id
			}
		}
		if x.Response == nil {
			if !*update {
				t.Fatalf("%s: no recorded response; run go test ./conformance -run TestReplay -update and review it", x.Name)
			}
			rewritten++
			rewrite(t, dir, x.Name, nil, got, b, nil)
			continue
		}
		want, err := parseAnswer(x.Response)
		if err != nil {
			t.Fatalf("%s: recorded response: %v", x.Name, err)
		}
		diffs, err := compareAnswers(want, got, b)
		if err != nil {
			t.Fatalf("%s: %v", x.Name, err)
		}
		switch {
		case len(diffs) == 0:
		case *update:
			rewritten++
			rewrite(t, dir, x.Name, want, got, b, diffs)
		default:
			t.Errorf("%s differs from the recorded exchange:\n  %s\ngot:\n%s", x.Name, strings.Join(diffs, "\n  "), got.env)
		}
	}
	if rewritten > 0 {
		// A passing package's log is not shown: failing is what puts
		// every rewritten answer in front of the one who reviews it.
		t.Errorf("-update rewrote %d answer(s) of %s (each shown above): review them, then run again without -update", rewritten, dir)
	}
}

// answer is an HTTP response as the replay compares it.
type answer struct {
	status int
	ct     string
	body   []byte // the whole body
	env    []byte // the SOAP envelope (the root part of MTOM)
}

// send sends a raw request to base and reads the answer.
func send(client *http.Client, raw []byte, base string) (*answer, error) {
	req, err := ParseRequest(raw, base)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	a := &answer{status: resp.StatusCode, ct: resp.Header.Get("Content-Type")}
	if a.body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	if a.env, err = Envelope(a.ct, a.body); err != nil {
		return nil, fmt.Errorf("response: %v\n%s", err, a.body)
	}
	return a, nil
}

// parseAnswer reads a recorded response.
func parseAnswer(raw []byte) (*answer, error) {
	status, header, body, err := ParseResponse(raw)
	if err != nil {
		return nil, err
	}
	a := &answer{status: status, ct: header.Get("Content-Type"), body: body}
	a.env, err = Envelope(a.ct, body)
	return a, err
}

// compareAnswers lists how got differs from want: status, encoding, the
// normalised envelope (binding volatile values in b) and the attachments.
func compareAnswers(want, got *answer, b Bindings) ([]string, error) {
	var diffs []string
	if want.status != got.status {
		diffs = append(diffs, fmt.Sprintf("status %d, got %d", want.status, got.status))
	}
	if strings.HasPrefix(want.ct, "multipart/") != strings.HasPrefix(got.ct, "multipart/") {
		diffs = append(diffs, fmt.Sprintf("content type %q, got %q", want.ct, got.ct))
	}
	wn, err := Parse(want.env)
	if err != nil {
		return nil, fmt.Errorf("recorded response: %w", err)
	}
	gn, err := Parse(got.env)
	if err != nil {
		return nil, fmt.Errorf("response is not XML: %w\n%s", err, got.env)
	}
	diffs = append(diffs, Compare(wn, gn, b)...)
	wantParts, err := Attachments(want.ct, want.body)
	if err != nil {
		return nil, fmt.Errorf("recorded attachments: %w", err)
	}
	gotParts, err := Attachments(got.ct, got.body)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	if strings.Join(wantParts, ",") != strings.Join(gotParts, ",") {
		diffs = append(diffs, fmt.Sprintf("attachments (SHA-256) %v, got %v", wantParts, gotParts))
	}
	return diffs, nil
}

// rewrite stores got as the expected answer of an exchange and shows what
// changed (rewriteReport).
func rewrite(t *testing.T, dir, name string, old, got *answer, b Bindings, diffs []string) {
	t.Helper()
	writeResponse(t, dir, name, got.status, got.ct, got.body)
	t.Log(rewriteReport(filepath.Join(dir, name+".response.http"), old, got, b, diffs))
}

// rewriteReport says what replacing the answer old (nil: none) by got
// changes: the differences Compare found and a diff of the normalised
// envelopes, with the recorded volatile values read as the live ones.
func rewriteReport(path string, old, got *answer, b Bindings, diffs []string) string {
	normal := func(a *answer) string {
		if a == nil {
			return ""
		}
		n, err := Parse(a.env)
		if err != nil {
			return string(a.env)
		}
		return fmt.Sprintf("HTTP %d %s\n%s", a.status, strings.SplitN(a.ct, ";", 2)[0], n.Format())
	}
	msg := "-update rewrote " + path
	if old == nil {
		msg = "-update recorded " + path + " (there was none)"
	}
	if len(diffs) > 0 {
		msg += ":\n  " + strings.Join(diffs, "\n  ")
	}
	return msg + "\n" + Diff(b.apply(normal(old)), normal(got), 3)
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
