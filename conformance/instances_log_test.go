package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// changeEvent is one event of getContentChanges.
type changeEvent struct{ objectID, changeType string }

// contentChanges reads one page of the change log from token and returns
// its events and the token to go on from.
func (c *cmisClient) contentChanges(ctx context.Context, token string, max int) ([]changeEvent, string, error) {
	tok := ""
	if token != "" {
		tok = `<m:changeLogToken>` + xesc(token) + `</m:changeLogToken>`
	}
	r, err := c.call(ctx, "DiscoveryService", `<m:getContentChanges xmlns:m="`+nsMessaging+`">`+
		`<m:repositoryId>`+xesc(c.repo)+`</m:repositoryId>`+tok+
		`<m:includeProperties>false</m:includeProperties><m:maxItems>`+strconv.Itoa(max)+`</m:maxItems></m:getContentChanges>`)
	if err != nil {
		return nil, "", err
	}
	if err := r.ok(); err != nil {
		return nil, "", fmt.Errorf("getContentChanges from %q: %w", token, err)
	}
	var out []changeEvent
	list := firstChild(r.body, "objects")
	for _, o := range list.Children {
		if localName(o.Name) != "objects" {
			continue
		}
		out = append(out, changeEvent{readObject(o).get("cmis:objectId"), childText(firstChild(o, "changeEventInfo"), "changeType")})
	}
	return out, childText(r.body, "changeLogToken"), nil
}

// latestChangeLogToken is repository info's latestChangeLogToken.
func (c *cmisClient) latestChangeLogToken(ctx context.Context) (string, error) {
	r, err := c.call(ctx, "RepositoryService", `<m:getRepositoryInfo xmlns:m="`+nsMessaging+`"><m:repositoryId>`+xesc(c.repo)+`</m:repositoryId></m:getRepositoryInfo>`)
	if err != nil {
		return "", err
	}
	if err := r.ok(); err != nil {
		return "", err
	}
	return childText(firstChild(r.body, "repositoryInfo"), "latestChangeLogToken"), nil
}

// A client following the change log from its latest token, alternately
// through two instances, while writers commit through both at once,
// sees every event exactly once and in the log's order: what it read
// page by page is the log as it stands at the end.
func TestInstancesChangeLogFollower(t *testing.T) {
	in := startInstances(t, 2, "postgres", "")
	ctx := context.Background()
	clients := []*cmisClient{in.client(0), in.client(1)}
	start, err := clients[0].latestChangeLogToken(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	writeCtx, stop := context.WithTimeout(ctx, 6*time.Second)
	defer stop()
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := in.client(w % 2)
			for i := 0; writeCtx.Err() == nil; i++ {
				r, err := c.call(ctx, "ObjectService", createFolderXML(in.repo, in.root, fmt.Sprintf("hammer-%d-%d", w, i)))
				if err != nil || r.ok() != nil {
					t.Errorf("writer %d: %v %s", w, err, r)
					return
				}
				mu.Lock()
				acked[objectIDOf(r)] = true
				mu.Unlock()
			}
		}()
	}

	var followed []changeEvent
	token := start
	follow := func(i int) int {
		ev, next, err := clients[i%2].contentChanges(ctx, token, 7)
		if err != nil {
			t.Fatal(err)
		}
		followed = append(followed, ev...)
		token = next
		return len(ev)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	reads := 0
	for following := true; following; reads++ {
		select {
		case <-done:
			following = false
		default:
		}
		follow(reads)
	}
	for follow(reads) > 0 { // drain what the last writes committed
		reads++
	}

	var all []changeEvent // the log as it stands, read in large pages
	for tok := start; ; {
		page, next, err := clients[1].contentChanges(ctx, tok, 500)
		if err != nil {
			t.Fatal(err)
		}
		if all = append(all, page...); len(page) == 0 {
			break
		}
		tok = next
	}
	seen := map[changeEvent]int{}
	for _, e := range followed {
		seen[e]++
	}
	for id := range acked {
		if n := seen[changeEvent{id, "created"}]; n != 1 {
			t.Errorf("folder %s was created (acknowledged) and the follower saw its event %d times", id, n)
		}
	}
	if len(followed) != len(all) {
		t.Errorf("the follower read %d events in %d pages; the log holds %d from the start token", len(followed), reads, len(all))
	}
	for i := range min(len(followed), len(all)) {
		if followed[i] != all[i] {
			t.Fatalf("event %d: the follower read %v, the log holds %v there", i, followed[i], all[i])
		}
	}
	t.Logf("%d creates acknowledged; the follower read %d events in %d pages, the log holds %d", len(acked), len(followed), reads, len(all))
	if len(acked) < 50 {
		t.Errorf("only %d writes in the hammering: the test proved little", len(acked))
	}
}

// An instance whose database goes away answers runtime faults (never a
// wrong answer), and serves again on its own once the database is back.
func TestInstanceSurvivesDatabaseOutage(t *testing.T) {
	// A cluster of its own: the run's shared one stays up for the others.
	pgtest.URL(t) // skips or fails without PostgreSQL, as every PostgreSQL test does
	cluster, err := pgtest.Start(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	// The test cluster trades durability for speed (synchronous_commit
	// off): a commit would not outlive the immediate stop below.
	conn, err := pgx.Connect(context.Background(), cluster.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`ALTER SYSTEM SET synchronous_commit = on`, `SELECT pg_reload_conf()`} {
		if _, err := conn.Exec(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close(context.Background())
	for _, content := range contentStores {
		t.Run(content, func(t *testing.T) {
			in := startInstances(t, 1, content, pgtest.SchemaOn(t, cluster.URL))
			ctx := context.Background()
			c := in.client(0)
			body := []byte("survives the outage")
			doc := mustCreateDoc(t, c, in.root, "before.txt", body)

			if err := cluster.Down(ctx); err != nil {
				t.Fatal(err)
			}
			checks := map[string]func() (*soapReply, error){
				"getProperties": func() (*soapReply, error) {
					return c.call(ctx, "ObjectService", `<m:getProperties xmlns:m="`+nsMessaging+`"><m:repositoryId>`+xesc(in.repo)+
						`</m:repositoryId><m:objectId>`+xesc(doc)+`</m:objectId></m:getProperties>`)
				},
				"getChildren": func() (*soapReply, error) {
					return c.call(ctx, "NavigationService", `<m:getChildren xmlns:m="`+nsMessaging+`"><m:repositoryId>`+xesc(in.repo)+
						`</m:repositoryId><m:folderId>`+xesc(in.root)+`</m:folderId></m:getChildren>`)
				},
				"createDocument": func() (*soapReply, error) {
					return c.callMTOM(ctx, "ObjectService", createDocumentXML(in.repo, in.root, "during.txt",
						contentStreamXML(5, "during.txt", xopIncludeOf(mtomContentCID))), []byte("lost!"))
				},
			}
			for name, call := range checks {
				r, err := call()
				if err != nil {
					t.Fatalf("%s while the database is down: %v", name, err)
				}
				if f := r.fault(); f == nil || f.cmisType != "runtime" || r.status != http.StatusInternalServerError {
					t.Errorf("%s while the database is down: %s; want a runtime fault", name, r)
				}
			}
			if err := cluster.Up(ctx); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				got, _, err := c.content(ctx, doc)
				if err == nil && string(got) == string(body) {
					break
				}
				if time.Now().After(deadline) {
					in.dumpLogs()
					t.Fatalf("30 s after the database came back: %v", err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			mustCreateDoc(t, c, in.root, "after.txt", []byte("after"))
			kids, err := c.children(ctx, in.root)
			if err != nil {
				t.Fatal(err)
			}
			if len(kids) != 2 {
				t.Errorf("the root holds %d objects after the outage, want before.txt and after.txt", len(kids))
			}
		})
	}
}
