package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// recordedDir holds the requests recorded from real clients, one copy for
// the whole module (see its README).
const recordedDir = "../conformance/recorded"

// recorded is a request recorded from a real client (recordedDir).
type recorded struct {
	name   string
	client string
	op     string
	method string
	uri    string
	header http.Header
	body   []byte
}

func loadRecorded(t testing.TB, path string) recorded {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatalf("%s: body: %v", path, err)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".http")
	client := filepath.Base(filepath.Dir(path))
	op := base[strings.LastIndexByte(base, '-')+1:]
	return recorded{name: base, client: client, op: op, method: req.Method, uri: req.RequestURI, header: req.Header, body: body}
}

// recordedFiles lists recordedDir/*/*-<op>.http, sorted.
func recordedFiles(t testing.TB, ops ...string) []string {
	t.Helper()
	var out []string
	for _, op := range ops {
		m, err := filepath.Glob(filepath.Join(recordedDir, "*", "*-"+op+".http"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatalf("no recordings for %v", ops)
	}
	return out
}

// recordingTime is when the recordings were made: their WS-Security
// timestamps are valid then.
var recordingTime = time.Date(2026, 11, 29, 7, 20, 0, 0, time.UTC)

// testAuth accepts test/test and admin/secret.
type testAuth struct{}

func (testAuth) Authenticate(_ context.Context, c cmis.Credentials) (*cmis.User, error) {
	switch {
	case c.Username == "test" && c.Password == "test":
		return &cmis.User{Name: "test"}, nil
	case c.Username == "admin" && c.Password == "secret":
		return &cmis.User{Name: "admin", Admin: true}, nil
	}
	return nil, cmis.Errorf(cmis.ErrPermissionDenied, "wrong user name or password")
}

// fakeRepo answers the repository service; the methods it does not define
// panic through the nil embedded interface (and are recovered).
type fakeRepo struct {
	generated.RepositoryServicePort
	mu      sync.Mutex
	reqs    []any
	user    string
	version cmis.Version // of the last request
}

func (f *fakeRepo) saw(ctx context.Context, req any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	f.version = cmis.VersionFromContext(ctx)
	if u := cmis.UserFromContext(ctx); u != nil {
		f.user = u.Name
	}
}

func (f *fakeRepo) last() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		return nil
	}
	return f.reqs[len(f.reqs)-1]
}

func (f *fakeRepo) GetRepositoriesContext(ctx context.Context, req *generated.GetRepositories) (*generated.GetRepositoriesResponse, error) {
	f.saw(ctx, req)
	return &generated.GetRepositoriesResponse{Repositories: []*generated.CmisRepositoryEntryType{
		{RepositoryId: "A1", RepositoryName: "Test <repo> & more"},
	}}, nil
}

func (f *fakeRepo) GetRepositoryInfoContext(ctx context.Context, req *generated.GetRepositoryInfo) (*generated.GetRepositoryInfoResponse, error) {
	f.saw(ctx, req)
	if req.RepositoryId != "A1" {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "repository %s does not exist", req.RepositoryId)
	}
	return &generated.GetRepositoryInfoResponse{RepositoryInfo: &generated.CmisRepositoryInfoType{
		RepositoryId: "A1", RepositoryName: "Test", RootFolderId: "root",
	}}, nil
}

func (f *fakeRepo) GetTypeChildrenContext(ctx context.Context, req *generated.GetTypeChildren) (*generated.GetTypeChildrenResponse, error) {
	f.saw(ctx, req)
	return &generated.GetTypeChildrenResponse{Types: &generated.CmisTypeDefinitionListType{HasMoreItems: false}}, nil
}

func (f *fakeRepo) GetTypeDefinitionContext(ctx context.Context, req *generated.GetTypeDefinition) (*generated.GetTypeDefinitionResponse, error) {
	f.saw(ctx, req)
	switch req.TypeId {
	case "panic":
		panic("boom in handler")
	case "internal":
		return nil, io.ErrUnexpectedEOF
	case "timelimit": // as the store reports a statement it stopped
		return nil, &cmis.Error{Type: cmis.ErrRuntime, Message: "query ran longer than the time limit of 30s and was stopped",
			Err: &cmis.TimeLimitError{Operation: "query", Limit: 30 * time.Second, Elapsed: 30001 * time.Millisecond}}
	case "nil":
		return nil, nil
	case "item":
		// What CMIS 1.0 cannot say: its writers refuse it.
		return &generated.GetTypeDefinitionResponse{Type_: &generated.CmisTypeDefinitionType{
			Id: "item", BaseId: "cmis:item", XsiType: generated.XsiCmisTypeItemDefinitionType}}, nil
	case "slow":
		// Longer than the stall timeout of TestHTTPServerTimeouts.
		select {
		case <-time.After(1200 * time.Millisecond):
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, cmis.Errorf(cmis.ErrObjectNotFound, "type %s\x00\x1b does not exist", req.TypeId)
}

// fakeObject stores uploaded content by digest and serves content.
type fakeObject struct {
	generated.ObjectServicePort
	mu      sync.Mutex
	content map[string][]byte // objectId -> content
	readErr error
	stream  io.Reader        // the last stream received
	served  []*closeRecorder // streams handed to the server
	hashed  map[string]int64 // hex sha256 -> length, for "hash-only" uploads
}

func (f *fakeObject) CreateDocumentContext(ctx context.Context, req *generated.CreateDocument) (*generated.CreateDocumentResponse, error) {
	if req.ContentStream == nil || req.ContentStream.Stream == nil || req.ContentStream.Stream.Reader == nil {
		return nil, cmis.Errorf(cmis.ErrConstraint, "no content")
	}
	f.mu.Lock()
	f.stream = req.ContentStream.Stream.Reader
	f.mu.Unlock()
	if fn := req.ContentStream.Filename; fn != nil && *fn == "hash-only" {
		// Large content: digest it while it streams.
		h := sha256.New()
		n, err := io.Copy(h, req.ContentStream.Stream.Reader)
		if err != nil {
			return nil, err
		}
		id := hex.EncodeToString(h.Sum(nil))
		f.mu.Lock()
		if f.hashed == nil {
			f.hashed = map[string]int64{}
		}
		f.hashed[id] = n
		f.mu.Unlock()
		return &generated.CreateDocumentResponse{ObjectId: id}, nil
	}
	data, err := io.ReadAll(req.ContentStream.Stream.Reader) // test fake: small content
	if err != nil {
		f.mu.Lock()
		f.readErr = err
		f.mu.Unlock()
		return nil, err
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:8])
	f.mu.Lock()
	if f.content == nil {
		f.content = map[string][]byte{}
	}
	f.content[id] = data
	f.mu.Unlock()
	return &generated.CreateDocumentResponse{ObjectId: id}, nil
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

func (f *fakeObject) GetContentStreamContext(ctx context.Context, req *generated.GetContentStream) (*generated.GetContentStreamResponse, error) {
	if req.ObjectId == "broken" {
		// Content that fails half way, after the answer has started.
		r := io.MultiReader(bytes.NewReader(make([]byte, 200_000)), iotest.ErrReader(errors.New("disk gone")))
		return &generated.GetContentStreamResponse{ContentStream: &generated.CmisContentStreamType{Stream: &xsd.Stream{Reader: r}}}, nil
	}
	f.mu.Lock()
	data, ok := f.content[req.ObjectId]
	f.mu.Unlock()
	if !ok {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "no object %s", req.ObjectId)
	}
	mt := "application/octet-stream"
	n := int64(len(data))
	cr := &closeRecorder{Reader: bytes.NewReader(data)}
	f.mu.Lock()
	f.served = append(f.served, cr)
	f.mu.Unlock()
	return &generated.GetContentStreamResponse{ContentStream: &generated.CmisContentStreamType{
		Length: &n, MimeType: &mt, Stream: &xsd.Stream{Reader: cr},
	}}, nil
}

type testEnv struct {
	srv  *Server
	repo *fakeRepo
	obj  *fakeObject
	logs *observer.ObservedLogs
}

func newTestServer(t testing.TB, mod func(*Config)) *testEnv {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	env := &testEnv{repo: &fakeRepo{}, obj: &fakeObject{}, logs: logs}
	cfg := Config{
		Ports:          &generated.Ports{Repository: env.repo, Object: env.obj},
		Auth:           testAuth{},
		Logger:         zap.New(core),
		SpoolDir:       t.TempDir(),
		RepositoryName: "Test Repository",
		Now:            func() time.Time { return recordingTime },
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.srv = srv
	return env
}

var propIDRE = regexp.MustCompile(`propertyDefinitionId="([^"]+)"`)

func mustMarshal(v any) string {
	b, err := xml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// eventually waits for cond: the server finishes an exchange (log line,
// recording, cleanup) after the client has the whole response.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
