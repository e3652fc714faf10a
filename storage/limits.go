package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// DefaultQueryTimeout is how long a query or listing may run unless the
// store is opened with another limit (Options.QueryTimeout).
const DefaultQueryTimeout = 30 * time.Second

// SetLimits sets the bound of counts and the time limit of queries and
// listings, as Options does: 0 means the default, a negative value no
// bound or no limit.
func (s *DB) SetLimits(maxCount int64, queryTimeout time.Duration) {
	switch {
	case maxCount == 0:
		s.maxCount = DefaultMaxCount
	case maxCount < 0:
		s.maxCount = -1
	default:
		s.maxCount = maxCount
	}
	switch {
	case queryTimeout == 0:
		s.queryTimeout = DefaultQueryTimeout
	case queryTimeout < 0:
		s.queryTimeout = 0
	default:
		s.queryTimeout = queryTimeout
	}
}

// limited runs fn, the reads of one query or listing, under the store's
// time limit. Past it the context ends, and the driver interrupts the
// statement in progress inside the engine (go-sqlite3 calls
// sqlite3_interrupt when a statement's context is done), so that a
// runaway statement stops using the CPU rather than finishing unseen;
// the caller gets a runtime error that names the limit, with a
// *cmis.TimeLimitError as its cause. what names the operation.
func (s *DB) limited(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	if s.queryTimeout <= 0 {
		return fn(ctx)
	}
	// start is taken before the deadline is set, so that the elapsed time
	// reported is never less than the limit, however long this goroutine
	// waits between the two.
	start := time.Now()
	stop := &cmis.TimeLimitError{Operation: what, Limit: s.queryTimeout}
	ctx, cancel := context.WithTimeoutCause(ctx, s.queryTimeout, stop)
	defer cancel()
	err := fn(ctx)
	// Whatever failed once the limit passed (the interrupted statement,
	// or the transaction the context's end rolled back) failed because
	// of it.
	if err == nil || context.Cause(ctx) != stop {
		return err
	}
	stop.Elapsed = time.Since(start)
	return &cmis.Error{Type: cmis.ErrRuntime, Err: stop,
		Message: fmt.Sprintf("%s ran longer than the time limit of %v and was stopped", what, s.queryTimeout)}
}

// readLimited runs the reads of a query or listing in one snapshot,
// under the time limit; fn gets the limited context.
func (s *DB) readLimited(ctx context.Context, what string, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return s.limited(ctx, what, func(ctx context.Context) error {
		return s.inReadTx(ctx, func(tx *sqlx.Tx) error { return fn(ctx, tx) })
	})
}
