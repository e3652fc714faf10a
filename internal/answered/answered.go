// Package answered tells a request's handlers when its answer has been
// written: memory a response points into (services' property blocks) can
// then be used again by the next request instead of being left to the
// collector.
package answered

import (
	"context"
	"sync"
)

type key struct{}

type scope struct {
	mu   sync.Mutex
	done bool
	fs   []func()
}

// New returns ctx with a scope whose functions (After) run when written
// is called: once the whole answer is out. A request that never calls
// written leaves its memory to the collector, which is always safe.
func New(ctx context.Context) (context.Context, func()) {
	s := &scope{}
	return context.WithValue(ctx, key{}, s), s.written
}

// After arranges for f to run once the answer of ctx's request is written.
// It reports false, and f will not run, when ctx has no scope (a caller
// that is not the server, such as a test) or its answer is out already.
func After(ctx context.Context, f func()) bool {
	s, ok := ctx.Value(key{}).(*scope)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	s.fs = append(s.fs, f)
	return true
}

func (s *scope) written() {
	s.mu.Lock()
	fs := s.fs
	s.done, s.fs = true, nil
	s.mu.Unlock()
	for _, f := range fs {
		f()
	}
}
