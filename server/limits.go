package server

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

// Limits on what clients may take of the server at once: concurrent
// uploads (globally and per user), and the request rate per address.
// Past a limit a request is refused at once, never queued.

// uploads counts the requests carrying content that are in progress. A
// limit below zero is no limit.
type uploads struct {
	max, perUser int

	mu    sync.Mutex
	n     int
	users map[string]int
}

func newUploads(max, perUser int) *uploads {
	return &uploads{max: max, perUser: perUser, users: map[string]int{}}
}

// slot is the upload state of one request.
func (u *uploads) slot() *uploadSlot { return &uploadSlot{u: u} }

// uploadSlot is one request's share: the global slot from the moment the
// request turns out to carry content, the user's once the user is known.
type uploadSlot struct {
	u      *uploads
	global bool
	user   string // set when the user's slot is held
}

// begin takes a global slot; it is the body reader's OnContent hook, so it
// runs before the first byte of content is spooled or handed out.
func (s *uploadSlot) begin() error {
	u := s.u
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.max >= 0 && u.n >= u.max {
		return cmis.Errorf(cmis.ErrRuntime,
			"too many uploads in progress: the server takes at most %d at a time (max-uploads); try again later", u.max)
	}
	u.n++
	s.global = true
	return nil
}

// forUser takes the user's slot if the request is an upload.
func (s *uploadSlot) forUser(name string) error {
	if !s.global || s.user != "" {
		return nil
	}
	u := s.u
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.perUser >= 0 && u.users[name] >= u.perUser {
		return cmis.Errorf(cmis.ErrRuntime,
			"user %s has %d uploads in progress, the most one user may have at a time (max-uploads-per-user); try again later", name, u.users[name])
	}
	u.users[name]++
	s.user = name
	return nil
}

// release gives back what the request held.
func (s *uploadSlot) release() {
	u := s.u
	u.mu.Lock()
	defer u.mu.Unlock()
	if s.user != "" {
		if u.users[s.user]--; u.users[s.user] <= 0 {
			delete(u.users, s.user)
		}
		s.user = ""
	}
	if s.global {
		u.n--
		s.global = false
	}
}

// rateLimiter is a token bucket per client address: rate tokens a second
// up to burst, one per request. Memory is bounded: an address whose
// bucket has filled up again is forgotten (it would start full anyway),
// and at maxAddrs the least recently seen address goes.
type rateLimiter struct {
	rate, burst float64
	maxAddrs    int
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

const (
	rateMaxAddrs   = 16384
	rateSweepEvery = time.Minute
)

func newRateLimiter(rate float64, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), maxAddrs: rateMaxAddrs, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for addr; when there is none it says how long until
// there is.
func (l *rateLimiter) allow(addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[addr]
	if b == nil {
		if now.Sub(l.swept) > rateSweepEvery || len(l.buckets) >= l.maxAddrs {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[addr] = b
	}
	b.tokens = l.refilled(b, now)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

func (l *rateLimiter) refilled(b *bucket, now time.Time) float64 {
	return math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
}

// sweep forgets the addresses whose buckets are full again, and if that
// frees no room, the least recently seen one.
func (l *rateLimiter) sweep(now time.Time) {
	l.swept = now
	var oldest string
	for a, b := range l.buckets {
		if l.refilled(b, now) >= l.burst {
			delete(l.buckets, a)
		} else if oldest == "" || b.last.Before(l.buckets[oldest].last) {
			oldest = a
		}
	}
	if len(l.buckets) >= l.maxAddrs && oldest != "" {
		delete(l.buckets, oldest)
	}
}

// limitRate answers 429 Too Many Requests, with Retry-After, when the
// client's address has used up its requests; it reports whether it did.
func (s *Server) limitRate(w http.ResponseWriter, r *http.Request, x *exchange) bool {
	if s.rate == nil {
		return false
	}
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ok, wait := s.rate.allow(addr)
	if ok {
		return false
	}
	x.outcome = "rateLimited"
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	http.Error(w, "429 too many requests: this address is limited to "+
		strconv.FormatFloat(s.rate.rate, 'f', -1, 64)+" requests a second (rate-limit)", http.StatusTooManyRequests)
	return true
}
