package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
)

var testLimits = Limits{FirstDelay: 250 * time.Millisecond, MaxDelay: 2 * time.Second,
	MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}

// One story of password guessing, step by step on a fake clock: how long
// each answer waited, whether the password was checked, and what the log
// said.
func TestPasswordGuessing(t *testing.T) {
	h := newHarness(t, testLimits)
	h.store.set(t, "alice", "alice-password")
	h.store.set(t, "bob", "bob-password")
	const (
		invalid = "invalid user name or password"
		failed  = "login failed"
		refused = "login refused: too many failed logins"
	)
	// Every connection has its own port; only the IP counts.
	a := func(port int) string { return fmt.Sprintf("192.0.2.1:%d", port) }
	const b, c = "198.51.100.7:40000", "[2001:db8::1]:443"
	steps := []struct {
		name                 string
		advance              time.Duration // the clock moves on first
		user, password, addr string
		fault                string        // "": let in
		delay                time.Duration // of a failure's answer; other answers never wait
		checked              bool          // bcrypt ran
		log                  string        // the one log message, if any
	}{
		{"first failure is answered at once", 0, "alice", "guess-1", a(1), invalid, 0, true, failed},
		{"the right password after one failure gets in at once", 0, "alice", "alice-password", a(2), "", 0, true, ""},
		{"second failure waits the first delay", 0, "alice", "guess-2", a(3), invalid, 250 * time.Millisecond, true, failed},
		{"then twice as long", 0, "alice", "guess-3", a(4), invalid, 500 * time.Millisecond, true, failed},
		{"and again", 0, "alice", "guess-4", a(5), invalid, time.Second, true, failed},
		{"up to the maximum", 0, "alice", "guess-5", a(6), invalid, 2 * time.Second, true, failed},
		{"the fifth failure of the pair locks it", 0, "alice", "guess-6", a(7), invalid, 2 * time.Second, true, failed},
		{"locked: even the right password is refused unchecked", 0, "alice", "alice-password", a(8),
			`too many failed logins for user "alice" from this address; try again in 898 s`, 0, false, refused},
		{"the same user from another address gets in", 0, "alice", "alice-password", b, "", 0, false, ""},
		{"another user from the locked address gets in", 0, "bob", "bob-password", a(9), "", 0, true, ""},
		{"but the address's failures slow his", 0, "bob", "guess", a(10), invalid, 2 * time.Second, true, failed},
		{"and do not lock him out", 0, "bob", "bob-password", a(11), "", 0, false, ""},
		{"an unknown user elsewhere is answered at once", 0, "carol", "guess", c, invalid, 0, true, failed},
		{"after the lockout the pair gets in", 15 * time.Minute, "alice", "alice-password", a(12), "", 0, true, ""},
		{"and a failure counts from nothing", 0, "alice", "guess-7", a(13), invalid, 0, true, failed},
	}
	passwords := []string{"alice-password", "bob-password", "guess"}
	for i, s := range steps {
		h.advance(s.advance)
		compares, slept := h.counts()
		u, err := h.login(s.user, s.password, s.addr)
		compares2, slept2 := h.counts()
		switch {
		case s.fault == "" && (err != nil || u.Name != s.user):
			t.Fatalf("step %d (%s): %v, want %s let in", i+1, s.name, err, s.user)
		case s.fault != "" && (cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied || !strings.Contains(err.Error(), s.fault)):
			t.Fatalf("step %d (%s): %v, want permissionDenied %q", i+1, s.name, err, s.fault)
		}
		waited := slept2[len(slept):]
		if s.fault == invalid {
			if len(waited) != 1 || waited[0] != s.delay {
				t.Errorf("step %d (%s): waited %v, want %v", i+1, s.name, waited, s.delay)
			}
		} else if len(waited) != 0 {
			t.Errorf("step %d (%s): waited %v, want no wait", i+1, s.name, waited)
		}
		if checked := compares2 > compares; checked != s.checked {
			t.Errorf("step %d (%s): password checked %v, want %v", i+1, s.name, checked, s.checked)
		}
		entries := h.logs.TakeAll()
		if s.log == "" {
			if len(entries) != 0 {
				t.Errorf("step %d (%s): logged %v", i+1, s.name, entries)
			}
			continue
		}
		if len(entries) != 1 || entries[0].Message != s.log {
			t.Fatalf("step %d (%s): logged %v, want one %q", i+1, s.name, entries, s.log)
		}
		fields := entries[0].ContextMap()
		if fields["user"] != s.user || fields["addr"] != hostOf(s.addr) {
			t.Errorf("step %d (%s): log fields %v, want user %s and addr %s", i+1, s.name, fields, s.user, hostOf(s.addr))
		}
		if line := fmt.Sprint(entries[0].Message, fields); containsAny(line, passwords) {
			t.Errorf("step %d (%s): a password is in the log: %s", i+1, s.name, line)
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Guesses sent at once all get past the lockout check before any has
// failed; a right one that is checked after the lockout began is refused
// all the same, so sending at once buys no more guesses.
func TestGuessFinishingAfterLockoutIsRefused(t *testing.T) {
	h := newHarness(t, Limits{MaxFailures: 2, Window: time.Minute, Lockout: time.Minute})
	h.store.set(t, "alice", "alice-password")
	inCompare, release := make(chan struct{}), make(chan struct{})
	compare := h.compare
	h.compare = func(hash, password []byte) error {
		if string(password) == "alice-password" {
			close(inCompare)
			<-release
		}
		return compare(hash, password)
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.login("alice", "alice-password", "192.0.2.1:1")
		done <- err
	}()
	<-inCompare
	for i := range 2 {
		if _, err := h.login("alice", fmt.Sprint("guess-", i), "192.0.2.1:2"); err == nil {
			t.Fatal("a wrong password got in")
		}
	}
	close(release)
	if err := <-done; cmis.ErrorTypeOf(err) != cmis.ErrPermissionDenied || !strings.Contains(err.Error(), "too many failed logins") {
		t.Fatalf("the right guess checked after the lockout: %v", err)
	}
	h.compare = compare
	if _, err := h.login("alice", "alice-password", "192.0.2.1:3"); err == nil {
		t.Fatal("the refused guess was remembered as verified")
	}
}

// An attacker with many names and addresses cannot grow the bookkeeping
// past its bound, and what has expired goes.
func TestGuardIsBounded(t *testing.T) {
	g := newGuard(Limits{FirstDelay: time.Second, MaxDelay: time.Second, Window: time.Minute, MaxTracked: 30})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		g.failed(fmt.Sprint("user", i), fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
		if n := g.tracking(); n > 30 {
			t.Fatalf("%d entries after %d failures, more than the bound 30", n, i+1)
		}
	}
	// The most recent failures are the ones kept.
	if f := g.failed("user999", "10.0.3.231", now); f.count != 2 {
		t.Fatalf("the latest pair's failures: %d, want 2", f.count)
	}
	g.failed("someone", "10.9.9.9", now.Add(time.Minute))
	if n := g.tracking(); n != 3 {
		t.Fatalf("%d entries after the window passed, want the 3 of the last failure", n)
	}
}

func (g *guard) tracking() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.order.Len()
}

func TestLimitsDelay(t *testing.T) {
	l := Limits{FirstDelay: 250 * time.Millisecond, MaxDelay: 3 * time.Second}
	want := []time.Duration{0, 0, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	for n, w := range want {
		if d := l.delay(n); d != w {
			t.Errorf("failure %d: delay %v, want %v", n, d, w)
		}
	}
	if d := l.delay(1 << 30); d != 3*time.Second {
		t.Errorf("failure 2^30: delay %v", d)
	}
	if d := (Limits{}).delay(5); d != 0 {
		t.Errorf("without delays: %v", d)
	}
}

func TestLimitsValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		l    Limits
		ok   bool
	}{
		{"defaults", DefaultLimits, true},
		{"nothing limited", Limits{}, true},
		{"negative", Limits{FirstDelay: -1}, false},
		{"maximum below first", Limits{FirstDelay: time.Second, MaxDelay: time.Millisecond, Window: time.Minute}, false},
		{"delays without a window", Limits{FirstDelay: time.Second, MaxDelay: time.Second}, false},
		{"lockout without a duration", Limits{MaxFailures: 3, Window: time.Minute}, false},
	} {
		if err := tt.l.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if _, err := New(&accountMap{}, Limits{MaxFailures: -1}, nil); err == nil {
		t.Error("New took invalid limits")
	}
}
