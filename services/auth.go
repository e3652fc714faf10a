package services

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"golang.org/x/crypto/bcrypt"
)

// Authenticator checks passwords against the bcrypt hashes in the store.
//
// Every SOAP request carries the password, and bcrypt is meant to be slow
// (tens of milliseconds), so a verified credential is remembered: keyed by
// an HMAC of user and password under a per-process random key (no
// password is kept in memory), and valid only while the stored hash is the
// one it was verified against. Reading the hash is one indexed query per
// request, so a changed password or a deleted user (from any process
// sharing the store) takes effect at once.
type Authenticator struct {
	users cmis.UserStore
	key   [32]byte
	ttl   time.Duration
	now   func() time.Time
	// compare is bcrypt's check; a field so tests can count its calls.
	compare func(hash, password []byte) error

	mu       sync.Mutex
	verified map[[32]byte]verifiedEntry
}

type verifiedEntry struct {
	hash    string
	expires time.Time
}

// maxVerified bounds the cache; past it, the cache is dropped whole.
const maxVerified = 10000

// NewAuthenticator returns an Authenticator over users.
func NewAuthenticator(users cmis.UserStore) *Authenticator {
	a := &Authenticator{users: users, ttl: 10 * time.Minute, now: time.Now,
		compare: bcrypt.CompareHashAndPassword, verified: map[[32]byte]verifiedEntry{}}
	if _, err := rand.Read(a.key[:]); err != nil {
		panic(err)
	}
	return a
}

var _ cmis.Authenticator = (*Authenticator)(nil)

// Authenticate implements cmis.Authenticator.
func (a *Authenticator) Authenticate(ctx context.Context, username, password string) (*cmis.User, error) {
	denied := cmis.Errorf(cmis.ErrPermissionDenied, "invalid user name or password")
	acct, err := a.users.Account(ctx, username)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		// Spend the same time as for a wrong password: no user enumeration.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	k := a.cacheKey(username, password)
	now := a.now()
	a.mu.Lock()
	e, ok := a.verified[k]
	a.mu.Unlock()
	if !ok || e.hash != acct.PasswordHash || now.After(e.expires) {
		if a.compare([]byte(acct.PasswordHash), []byte(password)) != nil {
			return nil, denied
		}
		a.mu.Lock()
		if len(a.verified) >= maxVerified {
			a.verified = map[[32]byte]verifiedEntry{}
		}
		a.verified[k] = verifiedEntry{hash: acct.PasswordHash, expires: now.Add(a.ttl)}
		a.mu.Unlock()
	}
	return &cmis.User{Name: acct.Name, Groups: acct.Groups, Admin: acct.Name == cmis.AdminUser}, nil
}

func (a *Authenticator) cacheKey(user, password string) [32]byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

// HashPassword returns the bcrypt hash to store for a password.
func HashPassword(password string) (string, error) {
	if len(password) == 0 {
		return "", cmis.Errorf(cmis.ErrInvalidArgument, "empty password")
	}
	if len(password) > 72 {
		// bcrypt ignores bytes past 72; refuse rather than truncate silently.
		return "", cmis.Errorf(cmis.ErrInvalidArgument, "password longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)
