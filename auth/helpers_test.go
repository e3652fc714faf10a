package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/crypto/bcrypt"
)

// accountMap is an in-memory cmis.AccountReader.
type accountMap struct {
	mu sync.Mutex
	m  map[string]cmis.Account
}

func (s *accountMap) Account(_ context.Context, name string) (*cmis.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[name]
	if !ok {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "no user %q", name)
	}
	return &a, nil
}

// set gives name the password, hashed at bcrypt's lowest cost: the tests
// count comparisons, not time them.
func (s *accountMap) set(t testing.TB, name, password string) {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]cmis.Account{}
	}
	s.m[name] = cmis.Account{Name: name, PasswordHash: string(h)}
}

func (s *accountMap) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
}

// harness is an Authenticator on a fake clock: a delay is recorded and
// moves the clock on instead of being waited for. It counts bcrypt's
// comparisons and keeps the log.
type harness struct {
	*Authenticator
	store *accountMap
	logs  *observer.ObservedLogs

	mu       sync.Mutex
	clock    time.Time
	slept    []time.Duration
	compares int
}

func newHarness(t testing.TB, lim Limits) *harness {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	h := &harness{store: &accountMap{}, logs: logs, clock: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	a, err := New(h.store, lim, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	a.now = h.now
	a.sleep = func(_ context.Context, d time.Duration) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.slept = append(h.slept, d)
		h.clock = h.clock.Add(d)
	}
	compare := a.compare
	a.compare = func(hash, password []byte) error {
		h.mu.Lock()
		h.compares++
		h.mu.Unlock()
		return compare(hash, password)
	}
	h.Authenticator = a
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clock
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = h.clock.Add(d)
}

// counts returns the comparisons so far and the delays so far.
func (h *harness) counts() (compares int, slept []time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.compares, append([]time.Duration(nil), h.slept...)
}

func (h *harness) login(user, password, addr string) (*cmis.User, error) {
	return h.Authenticate(context.Background(), cmis.Credentials{Username: user, Password: password, RemoteAddr: addr})
}
