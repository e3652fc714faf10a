package auth

import (
	"container/list"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// Limits slow password guessing down and then stop it.
//
// Failed logins are counted within Window per user name, per client
// address and per pair of the two. The answer to a failure waits: the
// first within the window goes out at once, the second waits FirstDelay,
// each further one twice as long as the one before, up to MaxDelay; the
// larger of the user name's and the address's count decides, so neither
// many addresses against one name nor one address against many names
// escape it. A correct password is never delayed.
//
// After MaxFailures failures of one user name from one address within
// Window, that pair is refused for Lockout without its password being
// checked. The same user from another address, and other users from this
// one, are not refused.
type Limits struct {
	FirstDelay  time.Duration
	MaxDelay    time.Duration
	MaxFailures int // 0: no lockout
	Window      time.Duration
	Lockout     time.Duration
	// MaxTracked bounds the bookkeeping: entries for user names,
	// addresses and pairs with failures in their window. Past it, the
	// least recently failed entry is forgotten. 0: DefaultMaxTracked.
	MaxTracked int
}

// DefaultMaxTracked keeps the bookkeeping under 30 MB (27 MB measured when
// full).
const DefaultMaxTracked = 100_000

// DefaultLimits are what cmisd serve uses unless told otherwise.
var DefaultLimits = Limits{
	FirstDelay:  250 * time.Millisecond,
	MaxDelay:    4 * time.Second,
	MaxFailures: 10,
	Window:      15 * time.Minute,
	Lockout:     15 * time.Minute,
	MaxTracked:  DefaultMaxTracked,
}

// Validate says what is wrong with l, if anything.
func (l Limits) Validate() error {
	switch {
	case l.FirstDelay < 0 || l.MaxDelay < 0 || l.Window < 0 || l.Lockout < 0 || l.MaxFailures < 0 || l.MaxTracked < 0:
		return errors.New("login limits must not be negative")
	case l.MaxDelay < l.FirstDelay:
		return errors.New("the maximum login delay is shorter than the first")
	case (l.FirstDelay > 0 || l.MaxFailures > 0) && l.Window == 0:
		return errors.New("failed logins are counted within a window, which must be longer than 0")
	case l.MaxFailures > 0 && l.Lockout == 0:
		return errors.New("a lockout after failed logins must be longer than 0")
	}
	return nil
}

// delay is how long the answer to the n-th failure in a window waits.
func (l Limits) delay(n int) time.Duration {
	if n < 2 || l.FirstDelay <= 0 {
		return 0
	}
	d := l.FirstDelay
	for i := 2; i < n && d < l.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.MaxDelay)
}

// What a failure is counted against.
const (
	byUser = 'u'
	byAddr = 'a'
	byPair = 'p'
)

// trackKey is a digest, so an entry's size does not depend on how long a
// user name an attacker sends.
type trackKey [sha256.Size]byte

func keyOf(kind byte, user, addr string) trackKey {
	h := sha256.New()
	h.Write([]byte{kind})
	if kind != byAddr {
		h.Write([]byte(user))
	}
	h.Write([]byte{0})
	if kind != byUser {
		h.Write([]byte(addr))
	}
	var k trackKey
	h.Sum(k[:0])
	return k
}

type tracked struct {
	key         trackKey
	failures    int       // within the window that began at since
	since       time.Time // start of the window
	lockedUntil time.Time // pairs only
}

func (e *tracked) expired(lim Limits, now time.Time) bool {
	return now.Sub(e.since) >= lim.Window && !now.Before(e.lockedUntil)
}

// guard keeps the failed logins; it is safe for concurrent use.
type guard struct {
	lim     Limits
	mu      sync.Mutex
	entries map[trackKey]*list.Element
	order   *list.List // of *tracked, most recently failed at the front
}

func newGuard(lim Limits) *guard {
	if lim.MaxTracked == 0 {
		lim.MaxTracked = DefaultMaxTracked
	}
	return &guard{lim: lim, entries: map[trackKey]*list.Element{}, order: list.New()}
}

// lockedFor is how long the pair is still refused; 0 when it is not.
func (g *guard) lockedFor(user, addr string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pruneLocked(now)
	if el, ok := g.entries[keyOf(byPair, user, addr)]; ok {
		if until := el.Value.(*tracked).lockedUntil; now.Before(until) {
			return until.Sub(now)
		}
	}
	return 0
}

// failure is what one failed login led to.
type failure struct {
	count  int           // failures of the pair within its window
	delay  time.Duration // how long its answer waits
	locked bool          // this failure locked the pair out
}

// failed counts a failed login.
func (g *guard) failed(user, addr string, now time.Time) failure {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pruneLocked(now)
	u := g.countLocked(keyOf(byUser, user, addr), now)
	a := g.countLocked(keyOf(byAddr, user, addr), now)
	p := g.countLocked(keyOf(byPair, user, addr), now)
	f := failure{count: p.failures, delay: g.lim.delay(max(u.failures, a.failures, p.failures))}
	if g.lim.MaxFailures > 0 && p.failures >= g.lim.MaxFailures && !now.Before(p.lockedUntil) {
		p.lockedUntil = now.Add(g.lim.Lockout)
		// After the lockout, the pair starts again from nothing.
		p.failures, p.since = 0, now
		f.locked = true
	}
	return f
}

// succeeded forgets the pair's failures: a user who mistyped and then got
// it right starts again from nothing.
func (g *guard) succeeded(user, addr string) {
	k := keyOf(byPair, user, addr)
	g.mu.Lock()
	defer g.mu.Unlock()
	if el, ok := g.entries[k]; ok {
		g.order.Remove(el)
		delete(g.entries, k)
	}
}

// countLocked adds a failure to the entry for k, making room for it if
// it is new.
func (g *guard) countLocked(k trackKey, now time.Time) *tracked {
	el, ok := g.entries[k]
	if !ok {
		for g.order.Len() >= g.lim.MaxTracked {
			g.removeLocked(g.order.Back())
		}
		el = g.order.PushFront(&tracked{key: k, since: now})
		g.entries[k] = el
	}
	g.order.MoveToFront(el)
	e := el.Value.(*tracked)
	if now.Sub(e.since) >= g.lim.Window {
		e.failures, e.since = 0, now
	}
	e.failures++
	return e
}

// pruneLocked drops expired entries from the least recently failed end;
// an expired entry further in goes when it gets there or is looked up.
func (g *guard) pruneLocked(now time.Time) {
	for el := g.order.Back(); el != nil && el.Value.(*tracked).expired(g.lim, now); el = g.order.Back() {
		g.removeLocked(el)
	}
}

func (g *guard) removeLocked(el *list.Element) {
	g.order.Remove(el)
	delete(g.entries, el.Value.(*tracked).key)
}
