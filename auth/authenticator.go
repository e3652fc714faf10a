// Package auth is how cmisd knows who is asking: password hashes, and the
// Authenticator that checks a request's credentials against them and
// holds password guessing back.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
)

// Authenticator checks passwords against the bcrypt hashes in the store.
//
// Every SOAP request carries the password, and bcrypt is meant to be slow
// (tens of milliseconds), so a verified credential is remembered: keyed by
// an HMAC of user and password under a per-process random key (no
// password is kept in memory), and valid only while the stored hash is the
// one it was verified against. The account is read through
// cmis.AccountReader on every request, so a changed password or a deleted
// user (from any process sharing the store) takes effect at once; a reader
// that caches accounts can stand in for the store without changing this.
//
// Failed logins are held back as Limits says.
type Authenticator struct {
	accounts cmis.AccountReader
	log      *zap.Logger
	guard    *guard
	key      [32]byte
	ttl      time.Duration
	// maxVerified bounds the cache; past it, the cache is dropped whole.
	maxVerified int

	// Fields so tests can use a fake clock and count bcrypt's calls.
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration)
	compare func(hash, password []byte) error

	mu       sync.Mutex
	verified map[[32]byte]verifiedEntry
	// checking are the bcrypt comparisons under way, by cache key: a
	// request whose credential is being checked waits for that check
	// instead of running its own. Clients that share an account (a
	// service account's pool of connections) send it at once, on their
	// first requests and each time its cache entry expires: eight
	// comparisons where one does, 60 ms of CPU each.
	checking map[[32]byte]*check

	keyHashes sync.Pool // of *keyHash (cacheKey)

	hits, misses atomic.Uint64 // of the cache, for CacheStats
}

type verifiedEntry struct {
	hash    string
	expires time.Time
}

// check is one bcrypt comparison of a password with hash; err is its
// result once done is closed.
type check struct {
	hash string
	done chan struct{}
	err  error
}

// Defaults of the verified-credential cache.
const (
	verifiedTTL = 10 * time.Minute
	maxVerified = 10000
)

// New returns an Authenticator over accounts that limits failed logins as
// lim says and logs each of them to log (nil: not logged).
func New(accounts cmis.AccountReader, lim Limits, log *zap.Logger) (*Authenticator, error) {
	if err := lim.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	a := &Authenticator{accounts: accounts, log: log, guard: newGuard(lim),
		ttl: verifiedTTL, maxVerified: maxVerified,
		now: time.Now, sleep: sleep, compare: bcrypt.CompareHashAndPassword,
		verified: map[[32]byte]verifiedEntry{}, checking: map[[32]byte]*check{}}
	if _, err := rand.Read(a.key[:]); err != nil {
		return nil, err
	}
	return a, nil
}

var _ cmis.Authenticator = (*Authenticator)(nil)

// errMismatch is an unknown user or a wrong password.
var errMismatch = errors.New("invalid user name or password")

// Authenticate implements cmis.Authenticator.
func (a *Authenticator) Authenticate(ctx context.Context, c cmis.Credentials) (*cmis.User, error) {
	addr := hostOf(c.RemoteAddr)
	if wait := a.guard.lockedFor(c.Username, addr, a.now()); wait > 0 {
		return nil, a.refuse(c.Username, addr, wait)
	}
	k := a.cacheKey(c.Username, c.Password)
	acct, cached, err := a.verify(ctx, c.Username, c.Password, k)
	switch {
	case errors.Is(err, errMismatch):
		return nil, a.fail(ctx, c.Username, addr)
	case err != nil:
		return nil, err
	case !cached:
		// Guesses sent at once all pass the first check; those that
		// finish after the lockout began are refused all the same.
		if wait := a.guard.lockedFor(c.Username, addr, a.now()); wait > 0 {
			return nil, a.refuse(c.Username, addr, wait)
		}
		a.remember(k, acct.PasswordHash)
		a.guard.succeeded(c.Username, addr)
	}
	return &cmis.User{Name: acct.Name, Groups: acct.Groups, Admin: acct.Name == cmis.AdminUser}, nil
}

// verify checks the password, from the cache when it can; cached says so.
func (a *Authenticator) verify(ctx context.Context, user, password string, k [32]byte) (acct *cmis.Account, cached bool, err error) {
	acct, err = a.accounts.Account(ctx, user)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		// Spend the same time as for a wrong password: no user enumeration.
		_ = a.compare(dummyHash(), []byte(password))
		return nil, false, errMismatch
	}
	if err != nil {
		return nil, false, err
	}
	a.mu.Lock()
	e, ok := a.verified[k]
	if ok && e.hash == acct.PasswordHash && a.now().Before(e.expires) {
		a.mu.Unlock()
		a.hits.Add(1)
		return acct, true, nil
	}
	c, running := a.checking[k]
	if !running || c.hash != acct.PasswordHash {
		c = &check{hash: acct.PasswordHash, done: make(chan struct{})}
		a.checking[k] = c
		running = false
	}
	a.mu.Unlock()
	a.misses.Add(1)
	if running {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	} else {
		c.err = a.compare([]byte(acct.PasswordHash), []byte(password))
		a.mu.Lock()
		if a.checking[k] == c {
			delete(a.checking, k)
		}
		a.mu.Unlock()
		close(c.done)
	}
	if c.err != nil {
		return nil, false, errMismatch
	}
	return acct, false, nil
}

// CacheStats reports how often a known user's password was verified
// from the cache (hits) and with bcrypt (misses), since New.
func (a *Authenticator) CacheStats() (hits, misses uint64) {
	return a.hits.Load(), a.misses.Load()
}

func (a *Authenticator) remember(k [32]byte, hash string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.verified) >= a.maxVerified {
		a.verified = map[[32]byte]verifiedEntry{}
	}
	a.verified[k] = verifiedEntry{hash: hash, expires: a.now().Add(a.ttl)}
}

// fail counts and logs a failed login and answers it after its delay.
func (a *Authenticator) fail(ctx context.Context, user, addr string) error {
	f := a.guard.failed(user, addr, a.now())
	fields := []zap.Field{zap.String("user", shorten(user)), zap.String("addr", addr),
		zap.Int("failures", f.count), zap.Duration("delay", f.delay)}
	if f.locked {
		fields = append(fields, zap.Duration("lockout", a.guard.lim.Lockout))
	}
	a.log.Warn("login failed", fields...)
	a.sleep(ctx, f.delay)
	return cmis.Errorf(cmis.ErrPermissionDenied, "%s", errMismatch)
}

// refuse answers an attempt of a locked-out pair.
func (a *Authenticator) refuse(user, addr string, wait time.Duration) error {
	secs := int64(math.Ceil(wait.Seconds()))
	a.log.Warn("login refused: too many failed logins", zap.String("user", shorten(user)),
		zap.String("addr", addr), zap.Int64("retry_in_s", secs))
	return cmis.Errorf(cmis.ErrPermissionDenied,
		"too many failed logins for user %q from this address; try again in %d s", shorten(user), secs)
}

// keyHash is a pooled HMAC under the Authenticator's key, with a buffer
// for its input: a new HMAC and the copies of user and password into
// []byte were most of the allocations of authenticating a cached
// credential.
type keyHash struct {
	mac hash.Hash
	in  []byte
	sum []byte
}

func (a *Authenticator) cacheKey(user, password string) [32]byte {
	kh, _ := a.keyHashes.Get().(*keyHash)
	if kh == nil {
		kh = &keyHash{mac: hmac.New(sha256.New, a.key[:])}
	}
	kh.mac.Reset()
	kh.in = append(append(append(kh.in[:0], user...), 0), password...)
	kh.mac.Write(kh.in)
	kh.sum = kh.mac.Sum(kh.sum[:0])
	var k [32]byte
	copy(k[:], kh.sum)
	clear(kh.in) // no password left in memory
	if cap(kh.in) <= 1024 {
		a.keyHashes.Put(kh)
	}
	return k
}

// sleep waits d or until ctx is done, on one timer.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// hostOf leaves the port off an address, if it has one.
func hostOf(addr string) string {
	if _, err := netip.ParseAddr(addr); err == nil {
		return addr // the server passes the IP alone: no error to build
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// shorten keeps what a client sent as a user name to a size fit for a log
// line or a fault message.
func shorten(user string) string {
	const limit = 64
	if len(user) <= limit {
		return user
	}
	r := []rune(user[:limit])
	if len(r) > 1 {
		r = r[:len(r)-1] // the last may be a cut character
	}
	return fmt.Sprintf("%s… (%d bytes)", string(r), len(user))
}
