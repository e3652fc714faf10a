package auth

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// noLimits leaves failed logins alone, for the tests of the cache.
var noLimits = Limits{}

func mustLogin(t *testing.T, h *harness, user, password string) {
	t.Helper()
	u, err := h.login(user, password, "192.0.2.1")
	if err != nil || u.Name != user {
		t.Fatalf("%s: %v", user, err)
	}
}

func mustBeDenied(t *testing.T, h *harness, user, password string) {
	t.Helper()
	if _, err := h.login(user, password, "192.0.2.1"); cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied {
		t.Fatalf("%s/%s: %v, want permissionDenied", user, password, err)
	}
}

func TestVerifiedCredentialsAreRemembered(t *testing.T) {
	h := newHarness(t, noLimits)
	h.store.set(t, "alice", "s3cret-enough")
	for range 5 {
		mustLogin(t, h, "alice", "s3cret-enough")
	}
	if n, _ := h.counts(); n != 1 {
		t.Fatalf("bcrypt ran %d times for 5 requests with one credential", n)
	}
	mustBeDenied(t, h, "alice", "wrong")
	mustBeDenied(t, h, "nobody", "s3cret-enough")
	if n, _ := h.counts(); n != 3 {
		t.Fatalf("bcrypt ran %d times, want 3: a wrong password and an unknown user cost one each", n)
	}
	// Misses: the first login and the wrong password (an unknown user
	// has no cache to miss).
	if hits, misses := h.CacheStats(); hits != 4 || misses != 2 {
		t.Fatalf("cache stats: %d hits, %d misses; want 4 and 2", hits, misses)
	}
	h.store.remove("alice")
	mustBeDenied(t, h, "alice", "s3cret-enough")
}

// The cache is checked against the stored hash on every request: a new
// hash, even of the same password (bcrypt salts), makes the next request
// check the password again, and an old password is refused at once.
func TestChangedPasswordInvalidatesCache(t *testing.T) {
	h := newHarness(t, noLimits)
	h.store.set(t, "alice", "first-password")
	mustLogin(t, h, "alice", "first-password")
	h.store.set(t, "alice", "first-password")
	mustLogin(t, h, "alice", "first-password")
	if n, _ := h.counts(); n != 2 {
		t.Fatalf("bcrypt ran %d times, want 2: the re-hashed password is checked again", n)
	}
	h.store.set(t, "alice", "second-password")
	mustBeDenied(t, h, "alice", "first-password")
	mustLogin(t, h, "alice", "second-password")
}

// Requests that bring the same credential at once, as a pool of clients
// sharing an account does on its first requests and whenever the cache
// entry expires, wait for one comparison; a wrong password brought at
// once fails, and counts as a failed login, for each of them.
func TestConcurrentLoginsCompareOnce(t *testing.T) {
	const clients = 8
	h := newHarness(t, noLimits)
	h.store.set(t, "svc", "shared-secret")
	counted := h.compare
	var release chan struct{}
	h.compare = func(hash, password []byte) error {
		<-release
		return counted(hash, password)
	}
	for _, c := range []struct {
		password string
		ok       bool
	}{{"shared-secret", true}, {"wrong-secret", false}} {
		before, _ := h.counts()
		failedBefore := h.logs.FilterMessage("login failed").Len()
		_, missesBefore := h.CacheStats()
		release = make(chan struct{})
		errs := make(chan error, clients)
		for range clients {
			go func() {
				_, err := h.login("svc", c.password, "127.0.0.1:1")
				errs <- err
			}()
		}
		// Every request has missed the cache, and so waits for the one
		// comparison (or runs it) when it is let go.
		for _, misses := h.CacheStats(); misses-missesBefore < clients; _, misses = h.CacheStats() {
			time.Sleep(time.Millisecond)
		}
		close(release)
		for range clients {
			if err := <-errs; (err == nil) != c.ok {
				t.Errorf("%s: %v", c.password, err)
			}
		}
		if n, _ := h.counts(); n-before != 1 {
			t.Errorf("%s: bcrypt ran %d times for %d requests at once, want once", c.password, n-before, clients)
		}
		// Each refused request is a failed login of its own, though
		// one comparison refused them all.
		failed, want := h.logs.FilterMessage("login failed").Len()-failedBefore, 0
		if !c.ok {
			want = clients
		}
		if failed != want {
			t.Errorf("%s: %d failed logins logged, want %d", c.password, failed, want)
		}
	}
}

func TestVerifiedCredentialsExpire(t *testing.T) {
	h := newHarness(t, noLimits)
	h.store.set(t, "alice", "s3cret-enough")
	mustLogin(t, h, "alice", "s3cret-enough")
	h.advance(verifiedTTL - 1)
	mustLogin(t, h, "alice", "s3cret-enough")
	if n, _ := h.counts(); n != 1 {
		t.Fatalf("bcrypt ran %d times within the time to live, want 1", n)
	}
	h.advance(1)
	mustLogin(t, h, "alice", "s3cret-enough")
	if n, _ := h.counts(); n != 2 {
		t.Fatalf("bcrypt ran %d times once the time to live was over, want 2", n)
	}
	mustLogin(t, h, "alice", "s3cret-enough")
	if n, _ := h.counts(); n != 2 {
		t.Fatalf("bcrypt ran %d times, want 2: the new check is remembered again", n)
	}
}

func TestVerifiedCredentialsAreBounded(t *testing.T) {
	h := newHarness(t, noLimits)
	h.maxVerified = 3
	for i := range 10 {
		user := fmt.Sprintf("user%d", i)
		h.store.set(t, user, "s3cret-enough")
		mustLogin(t, h, user, "s3cret-enough")
		h.Authenticator.mu.Lock()
		n := len(h.verified)
		h.Authenticator.mu.Unlock()
		if n > 3 {
			t.Fatalf("after %d users the cache holds %d credentials, more than its bound 3", i+1, n)
		}
	}
	// What was dropped is checked again.
	before, _ := h.counts()
	mustLogin(t, h, "user0", "s3cret-enough")
	if n, _ := h.counts(); n != before+1 {
		t.Fatalf("bcrypt ran %d more times for a dropped credential, want 1", n-before)
	}
}

// A cancelled request does not wait out its delay (else this never returns).
func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sleep(ctx, 1<<62)
}

// The cache key tells every user and password apart (the user name's end
// included), is the same for the same pair, differs between processes
// (each Authenticator's own key), and costs no allocation.
func TestCacheKey(t *testing.T) {
	a, b := newHarness(t, noLimits).Authenticator, newHarness(t, noLimits).Authenticator
	if a.cacheKey("alice", "pw") != a.cacheKey("alice", "pw") {
		t.Error("one credential, two keys")
	}
	for _, other := range [][2]string{{"alic", "epw"}, {"alice", "pW"}, {"alice", ""}, {"", "alicepw"}} {
		if a.cacheKey("alice", "pw") == a.cacheKey(other[0], other[1]) {
			t.Errorf("alice/pw and %s/%s share a key", other[0], other[1])
		}
	}
	if a.cacheKey("alice", "pw") == b.cacheKey("alice", "pw") {
		t.Error("two Authenticators derive the same key")
	}
	if n := testing.AllocsPerRun(100, func() { a.cacheKey("alice", "a long passphrase") }); n != 0 && !raceEnabled {
		t.Errorf("cacheKey allocates %.0f times", n)
	}
}
