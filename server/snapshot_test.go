package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// A request runs in the snapshot its operation asks for: a write's
// (createDocument) in WriteSnapshot, a read's (getRepositoryInfo) in
// Snapshot.
func TestWriteSnapshot(t *testing.T) {
	var mu sync.Mutex
	var used []string
	held := func(name string) func(ctx context.Context, fn func(ctx context.Context) error) error {
		return func(ctx context.Context, fn func(ctx context.Context) error) error {
			mu.Lock()
			used = append(used, name)
			mu.Unlock()
			return fn(ctx)
		}
	}
	env := newTestServer(t, func(c *Config) { c.Snapshot, c.WriteSnapshot = held("read"), held("write") })
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	for _, c := range []struct{ op, want string }{{"createDocument", "write"}, {"getRepositoryInfo", "read"}} {
		rec := loadRecorded(t, recordedFiles(t, c.op)[0])
		used = nil
		if sr := replay(t, ts.URL, rec); sr.status != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", c.op, sr.status, sr.root)
		}
		if len(used) != 1 || used[0] != c.want {
			t.Errorf("%s ran in snapshots %v, want [%s]", c.op, used, c.want)
		}
	}
}

func TestWrites(t *testing.T) {
	for op, want := range map[string]bool{"createFolder": true, "deleteTree": true, "checkOut": true, "applyACL": true,
		"createType": true, "getObject": false, "getContentChanges": false, "query": false, "getRepositories": false} {
		if writes(op) != want {
			t.Errorf("writes(%s) = %v", op, !want)
		}
	}
}
