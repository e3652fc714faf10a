package conformance

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/pgtest"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"
)

// TestCrashConsistency proves the store's crash promise against the real
// binary: a SIGKILL at any moment leaves neither committed metadata
// without its content nor content orphaned for good.
//
// Six workers upload documents (64 KiB – 8 MiB, log-uniform; MTOM and
// inline base64 in turn) into one folder and replace the content of
// documents already acknowledged. After a random 200–1500 ms the server
// is killed with uploads in flight and restarted on the same data
// directory (--content-sweep-grace 0s, so the start-up sweep takes every
// orphan). Then:
//   - every acknowledged document exists and getContentStream returns
//     exactly its bytes (SHA-256, length, cmis:contentStreamLength); a
//     replacement that was in flight may have happened or not;
//   - every document in the folder has complete content equal to a
//     payload some worker sent under its name (nothing partial is
//     visible);
//   - the content files under <data>/content (tmp/ excluded) are exactly
//     the rows of contents, which are exactly the contents the documents
//     reference; <data>/content/tmp is empty.
//
// Beside them, four workers create folders as fast as they are answered:
// small writes that share commits (storage/groupcommit.go). Every folder
// acknowledged before the kill must be there after the restart, under
// its name. (A kill cannot tell a commit that reached the disk from one
// still in the page cache; it catches an answer sent before the commit.)
//
// CMISD_CRASH_ROUNDS (default 3) and CMISD_CRASH_SEED repeat a run.
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: kills and restarts the server over several rounds of uploads; run without -short")
	}
	rounds := envInt(t, "CMISD_CRASH_ROUNDS", 3)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CMISD_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CMISD_CRASH_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (CMISD_CRASH_SEED=%d repeats the random choices; the timing of kills cannot be repeated)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	bin := cmisdBinary(t)
	data := t.TempDir()
	const password = "crash-secret"
	proc := startCmisd(t, bin, data, password)
	ctx := context.Background()
	c := &cmisClient{base: proc.base, user: "admin", password: password, hc: newCrashHTTPClient()}
	repo, root, err := c.repositoryInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.repo = repo
	r, err := c.call(ctx, "ObjectService", createFolderXML(repo, root, "crash"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ok(); err != nil {
		t.Fatalf("createFolder: %v", err)
	}
	folder := objectIDOf(r)
	r, err = c.call(ctx, "ObjectService", createFolderXML(repo, root, "crash-folders"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ok(); err != nil {
		t.Fatalf("createFolder: %v", err)
	}
	folders := &ackedFolders{parent: objectIDOf(r), ids: map[string]string{}}

	m := newCrashModel()
	for round := 1; round <= rounds; round++ {
		runCtx, cancel := context.WithCancel(ctx)
		hc := newCrashHTTPClient()
		var wg sync.WaitGroup
		var inflight atomic.Int64
		for i := 0; i < 6; i++ {
			w := &crashWorker{
				id: i, round: round, m: m, folder: folder, inflight: &inflight, t: t,
				c:   &cmisClient{base: proc.base, user: "admin", password: password, repo: repo, hc: hc},
				rng: rand.New(rand.NewPCG(seed, uint64(round*100+i))),
				src: rand.NewChaCha8(chachaSeed(seed, round, i)),
			}
			wg.Add(1)
			go func() { defer wg.Done(); w.run(runCtx) }()
		}
		for i := 0; i < 4; i++ {
			fc := &cmisClient{base: proc.base, user: "admin", password: password, repo: repo, hc: hc}
			wg.Add(1)
			go func() { defer wg.Done(); folders.create(runCtx, t, fc, fmt.Sprintf("r%d-w%d", round, i)) }()
		}
		delay := time.Duration(200+rng.IntN(1301)) * time.Millisecond
		time.Sleep(delay)
		n := inflight.Load()
		proc.kill()
		cancel()
		wg.Wait()
		hc.CloseIdleConnections()
		left := fmt.Sprintf("%d content files (%s), %d in content/tmp, %d spool files",
			len(contentFiles(t, data)), unreferencedBeforeRestart(t, data),
			len(dirFiles(t, filepath.Join(data, "content", "tmp"))), len(dirFiles(t, filepath.Join(data, "tmp"))))
		st := m.roundStats()
		t.Logf("round %d: SIGKILL after %v with %d requests in flight; %s; left behind: %s", round, delay, n, st, left)

		proc = startCmisd(t, bin, data, password)
		c.base = proc.base
		c.hc.CloseIdleConnections()
		verifyAfterCrash(t, ctx, c, data, folder, m)
		folders.verify(t, ctx, c, round)
		if t.Failed() {
			proc.dumpLogs(t)
			t.FailNow()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.totalAcked == 0 {
		t.Errorf("no upload was acknowledged in %d rounds: the test proved nothing", rounds)
	}
	t.Logf("%d documents in the end; %d creates and %d replacements acknowledged over %d rounds",
		len(m.docs), m.totalAcked, m.totalReplaced, rounds)
}

// ackedFolders are the folders created in parent whose creation was
// acknowledged: name -> id.
type ackedFolders struct {
	parent string
	mu     sync.Mutex
	ids    map[string]string
	acked  int // this round
}

// create makes folders named prefix-1, prefix-2, … until ctx ends or the
// server dies, and records those acknowledged.
func (f *ackedFolders) create(ctx context.Context, t *testing.T, c *cmisClient, prefix string) {
	for n := 1; ctx.Err() == nil; n++ {
		name := fmt.Sprintf("%s-%d", prefix, n)
		r, err := c.call(ctx, "ObjectService", createFolderXML(c.repo, f.parent, name))
		if err != nil {
			return // the server died under the request: unknown outcome
		}
		if err := r.ok(); err != nil {
			t.Errorf("createFolder %s on a live server: %v", name, err)
			return
		}
		f.mu.Lock()
		f.ids[name] = objectIDOf(r)
		f.acked++
		f.mu.Unlock()
	}
}

// verify checks that every acknowledged folder is there, with its id.
func (f *ackedFolders) verify(t *testing.T, ctx context.Context, c *cmisClient, round int) {
	t.Helper()
	kids, err := c.children(ctx, f.parent)
	if err != nil {
		t.Errorf("after restart: %v", err)
		return
	}
	listed := map[string]string{}
	for _, k := range kids {
		listed[k.get("cmis:name")] = k.get("cmis:objectId")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, id := range f.ids {
		if got, ok := listed[name]; !ok {
			t.Errorf("folder %s (%s) was acknowledged but is gone after the restart", name, id)
		} else if got != id {
			t.Errorf("folder %s: id %s after the restart, acknowledged as %s", name, got, id)
		}
	}
	t.Logf("round %d: %d folders acknowledged (%d in all), %d listed after the restart", round, f.acked, len(f.ids), len(kids))
	if f.acked == 0 {
		t.Errorf("round %d: no folder was acknowledged: the folders proved nothing", round)
	}
	f.acked = 0
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		t.Fatalf("%s=%q: want a number from 1 to 1000", name, v)
	}
	return n
}

func chachaSeed(seed uint64, round, worker int) [32]byte {
	var s [32]byte
	for i := 0; i < 8; i++ {
		s[i] = byte(seed >> (8 * i))
	}
	s[8], s[9] = byte(round), byte(worker)
	return s
}

func newCrashHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 8,
			DisableCompression:  true,
		},
	}
}

// ---------------------------------------------------------------------------
// What the workers were told

type crashDoc struct {
	id, name string
	sha      string
	length   int
	// Replacements sent since the content was last confirmed, without an
	// acknowledgement: each may or may not have happened.
	pending map[string]int
	owner   int // worker that may replace it; -1 for a document nobody acknowledged
}

type crashModel struct {
	mu   sync.Mutex
	docs map[string]*crashDoc      // by object id
	sent map[string]map[string]int // name -> SHA-256 -> length of every payload sent for it

	acked, replaced, unacked, faults int // this round
	totalAcked, totalReplaced        int
}

func (m *crashModel) noteSent(name, sha string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent[name] == nil {
		m.sent[name] = map[string]int{}
	}
	m.sent[name][sha] = n
}

func (m *crashModel) roundStats() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := fmt.Sprintf("%d creates and %d replacements acknowledged, %d unacknowledged", m.acked, m.replaced, m.unacked)
	m.totalAcked += m.acked
	m.totalReplaced += m.replaced
	m.acked, m.replaced, m.unacked, m.faults = 0, 0, 0, 0
	return s
}

type crashWorker struct {
	id, round int
	c         *cmisClient
	m         *crashModel
	folder    string
	rng       *rand.Rand
	src       *rand.ChaCha8
	inflight  *atomic.Int64
	t         *testing.T
	seq       int
}

func (w *crashWorker) run(ctx context.Context) {
	for i := 0; i < 10000 && ctx.Err() == nil; i++ {
		w.step(ctx, i%2 == w.id%2)
	}
}

// step is one request of a worker's loop: a create, or a replacement of
// one of its documents.
func (w *crashWorker) step(ctx context.Context, mtom bool) {
	if id := w.pickOwn(); id != "" && w.rng.IntN(3) == 0 {
		w.replace(ctx, id, mtom)
	} else {
		w.create(ctx, mtom)
	}
}

// payload is random content of 64 KiB – 8 MiB, log-uniform so that
// small uploads finish between kills and big ones are cut short.
func (w *crashWorker) payload() []byte {
	lo, hi := math.Log(64<<10), math.Log(8<<20)
	n := int(math.Exp(lo + w.rng.Float64()*(hi-lo)))
	n = min(max(n, 64<<10), 8<<20)
	b := make([]byte, n)
	w.src.Read(b)
	return b
}

func (w *crashWorker) pickOwn() string {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	var own []string
	for id, d := range w.m.docs {
		if d.owner == w.id {
			own = append(own, id)
		}
	}
	if len(own) == 0 {
		return ""
	}
	sort.Strings(own)
	return own[w.rng.IntN(len(own))]
}

// send posts a request carrying content, inline or as an attachment.
func (w *crashWorker) send(ctx context.Context, build func(stream string) string, name string, content []byte, mtom bool) (*soapReply, error) {
	w.inflight.Add(1)
	defer w.inflight.Add(-1)
	if mtom {
		return w.c.callMTOM(ctx, "ObjectService", build(contentStreamXML(int64(len(content)), name, xopIncludeOf(mtomContentCID))), content)
	}
	return w.c.call(ctx, "ObjectService", build(contentStreamXML(int64(len(content)), name, base64.StdEncoding.EncodeToString(content))))
}

// outcome classifies an answer: acknowledged, or not (a transport error
// while the server dies). A fault from a live server is a failure.
func (w *crashWorker) outcome(ctx context.Context, op string, r *soapReply, err error) bool {
	if err == nil && r.status == http.StatusOK && r.fault() == nil && objectIDOf(r) != "" {
		return true
	}
	w.m.mu.Lock()
	w.m.unacked++
	w.m.mu.Unlock()
	if err == nil && r.fault() != nil && ctx.Err() == nil {
		w.t.Errorf("worker %d: %s answered with a fault while the server was up: %s", w.id, op, r)
	}
	return false
}

func (w *crashWorker) create(ctx context.Context, mtom bool) {
	w.seq++
	name := fmt.Sprintf("r%d-w%d-%04d.bin", w.round, w.id, w.seq)
	content := w.payload()
	sha := sha256Hex(content)
	w.m.noteSent(name, sha, len(content))
	r, err := w.send(ctx, func(cs string) string { return createDocumentXML(w.c.repo, w.folder, name, cs) }, name, content, mtom)
	if !w.outcome(ctx, "createDocument "+name, r, err) {
		return
	}
	id := objectIDOf(r)
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	if _, dup := w.m.docs[id]; dup {
		w.t.Errorf("createDocument %s answered with the id of an existing document %s", name, id)
		return
	}
	w.m.docs[id] = &crashDoc{id: id, name: name, sha: sha, length: len(content), owner: w.id, pending: map[string]int{}}
	w.m.acked++
}

func (w *crashWorker) replace(ctx context.Context, id string, mtom bool) {
	content := w.payload()
	sha := sha256Hex(content)
	w.m.mu.Lock()
	d := w.m.docs[id]
	name := d.name
	d.pending[sha] = len(content)
	w.m.mu.Unlock()
	w.m.noteSent(name, sha, len(content))
	r, err := w.send(ctx, func(cs string) string { return setContentStreamXML(w.c.repo, id, "", cs) }, name, content, mtom)
	if !w.outcome(ctx, "setContentStream "+name, r, err) {
		return
	}
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	if got := objectIDOf(r); got != id {
		w.t.Errorf("setContentStream %s answered with object id %s", id, got)
	}
	d.sha, d.length, d.pending = sha, len(content), map[string]int{}
	w.m.replaced++
}

// ---------------------------------------------------------------------------
// Verification after a restart

func verifyAfterCrash(t *testing.T, ctx context.Context, c *cmisClient, data, folder string, m *crashModel) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	kids, err := c.children(ctx, folder)
	if err != nil {
		t.Errorf("after restart: %v", err)
		return
	}
	listed := map[string]cmisObject{}
	names := map[string]string{}
	contentIDs := map[string]bool{}
	for _, k := range kids {
		id, name := k.get("cmis:objectId"), k.get("cmis:name")
		if other, dup := names[name]; dup {
			t.Errorf("two documents named %s: %s and %s", name, other, id)
		}
		names[name] = id
		listed[id] = k
	}
	// Every acknowledged (or earlier confirmed) document survived.
	for id, d := range m.docs {
		k, ok := listed[id]
		if !ok {
			t.Errorf("document %s (%s, %d bytes) was acknowledged but is gone after the restart", id, d.name, d.length)
			continue
		}
		if got := k.get("cmis:name"); got != d.name {
			t.Errorf("document %s: name %q, want %q", id, got, d.name)
		}
	}
	for _, k := range kids {
		id, name := k.get("cmis:objectId"), k.get("cmis:name")
		if k.get("cmis:baseTypeId") != "cmis:document" {
			t.Errorf("%s (%s) in the folder is a %s", name, id, k.get("cmis:baseTypeId"))
			continue
		}
		propLen, err := strconv.Atoi(k.get("cmis:contentStreamLength"))
		if err != nil {
			t.Errorf("%s (%s) has no cmis:contentStreamLength (%q): a document without its content", name, id, k.get("cmis:contentStreamLength"))
			continue
		}
		contentIDs[k.get("cmis:contentStreamId")] = true
		got, declared, err := c.content(ctx, id)
		if err != nil {
			t.Errorf("%s (%s): %v", name, id, err)
			continue
		}
		sha := sha256Hex(got)
		if len(got) != propLen || (declared >= 0 && declared != int64(propLen)) {
			t.Errorf("%s (%s): %d bytes of content, cmis:contentStreamLength %d, declared length %d", name, id, len(got), propLen, declared)
		}
		if n, ok := m.sent[name][sha]; !ok || n != len(got) {
			t.Errorf("%s (%s): content (%d bytes, sha256 %s) is none of the %d payloads sent for this name", name, id, len(got), sha, len(m.sent[name]))
			continue
		}
		d, known := m.docs[id]
		if !known {
			// Committed, but the answer was lost in the kill: adopt it.
			m.docs[id] = &crashDoc{id: id, name: name, sha: sha, length: len(got), owner: -1, pending: map[string]int{}}
			continue
		}
		if _, pend := d.pending[sha]; sha != d.sha && !pend {
			t.Errorf("%s (%s): content %s (%d bytes) is neither the acknowledged %s (%d bytes) nor an unacknowledged replacement",
				name, id, sha, len(got), d.sha, d.length)
			continue
		}
		// Whatever it is now is what must survive the next crash.
		d.sha, d.length, d.pending = sha, len(got), map[string]int{}
	}

	// The content directory holds exactly the referenced content.
	files := contentFiles(t, data)
	rows, refs := contentRows(t, data)
	if !sameSet(files, rows) || !sameSet(rows, refs) || !sameSet(refs, keys(contentIDs)) || len(files) != len(kids) {
		t.Errorf("after the start-up sweep: %d content files, %d contents rows, %d referenced by objects, %d documents listed\n"+
			"  files not in contents: %v\n  rows without a file: %v\n  rows no object references: %v",
			len(files), len(rows), len(refs), len(kids), minus(files, rows), minus(rows, files), minus(rows, refs))
	}
	if left := dirFiles(t, filepath.Join(data, "content", "tmp")); len(left) > 0 {
		t.Errorf("content/tmp holds %d files after the start-up sweep: %v", len(left), left)
	}
	// Inline base64 is decoded into spool files under <data>/tmp while a
	// request is read; a kill leaves them behind.
	if left := dirFiles(t, filepath.Join(data, "tmp")); len(left) > 0 {
		spoolOrphans(t, left)
	}
	t.Logf("verified: %d documents, %d content files, content/tmp empty", len(kids), len(files))
}

// spoolOrphans fails on spool files a killed server left in <data>/tmp
// that the start-up sweep did not remove: uploaded bytes orphaned for good.
func spoolOrphans(t *testing.T, left []string) {
	t.Helper()
	t.Errorf("<data>/tmp holds %d spool files of killed requests after the restart: %v", len(left), left)
}

// unreferencedBeforeRestart says how many content files no contents row
// names while the server is down: files of an upload killed between its
// rename and its commit, or replaced content killed before its removal.
// Evidence only; the database may need recovery, which a read-only
// connection may refuse.
func unreferencedBeforeRestart(t *testing.T, data string) string {
	rows, _, err := queryContentRows(pgtest.StoreDB(t, data), data)
	if err != nil {
		return "unreferenced: unknown, " + err.Error()
	}
	return fmt.Sprintf("%d unreferenced", len(minus(contentFiles(t, data), rows)))
}

// contentRows reads, from the database, the ids of the contents rows and
// the content ids objects reference.
func contentRows(t *testing.T, data string) (rows, refs []string) {
	t.Helper()
	rows, refs, err := queryContentRows(pgtest.StoreDB(t, data), data)
	if err != nil {
		t.Fatal(err)
	}
	return rows, refs
}

// queryContentRows reads them from the store's database: dbURL, or
// SQLite's in data when it is empty.
func queryContentRows(dbURL, data string) (rows, refs []string, err error) {
	driver, dsn := "pgx", dbURL
	if dbURL == "" {
		driver = "sqlite3"
		dsn = "file:" + (&url.URL{Path: filepath.Join(data, "cmisd.db")}).EscapedPath() + "?mode=ro&_busy_timeout=10000"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	query := func(q string) ([]string, error) {
		rs, err := db.Query(q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
		defer rs.Close()
		var out []string
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		sort.Strings(out)
		return out, rs.Err()
	}
	if rows, err = query(`SELECT id FROM contents`); err != nil {
		return nil, nil, err
	}
	refs, err = query(`SELECT DISTINCT content_id FROM objects WHERE content_id IS NOT NULL`)
	return rows, refs, err
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	return len(minus(a, b)) == 0 && len(minus(b, a)) == 0
}

// minus is what a holds and b does not.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}
