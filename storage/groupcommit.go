package storage

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// SQLite has one writer, and each commit costs a WAL append and an fsync
// that are most of a small write's CPU (createFolder: 44% of it in
// Commit). A committer lets the writes queued behind one another share
// a commit (group commit): each runs in a savepoint of the open
// transaction, and the last of a group commits for all.
//
//   - Each write stays atomic: one that fails rolls back to its savepoint,
//     and the others in its group keep their work.
//   - None is answered before the commit that holds it is durable, and
//     all of a group learn its outcome: if the commit fails, every write
//     in the group fails and none of it is in the store.
//   - A group ends when no write waits, or at maxGroup writes, so a
//     steady stream of writers cannot hold one transaction open forever.
//
// Before it commits alone, a write yields once. A commit is a cgo call
// that holds its thread and the scheduler's P through the fsync, and Go
// hands that P to other goroutines only when its monitor notices, on a
// tick that backs off to 10 ms after a spell with nothing to hand over.
// With one P (one CPU), the other writes could then be runnable but not
// run until the commit was over, so that none was ever queued in time:
// every write committed alone, and it stayed so (createFolder at 8
// clients after a read-only load, in 2 runs of 8: 1 write per commit,
// 0.47 ms of CPU and 1,400 req/s, against 4 writes, 0.29 ms, 2,800).
//
// A write whose client went away still runs (its statements do not see
// the request's cancellation): interrupting a statement of a transaction
// would roll back the writes before it in its group too.
type committer struct {
	db       *sqlx.DB // the one write connection
	maxGroup int

	mu      sync.Mutex // held by the write running its savepoint, or committing
	waiting atomic.Int32
	open    *commitGroup // guarded by mu; nil between groups

	writes  atomic.Int64 // writes run (CommitStats)
	commits atomic.Int64 // transactions ended
}

// commitGroup is one transaction shared by the writes of a group.
type commitGroup struct {
	tx *sqlx.Tx
	n  int // writes that ran in it
	// broken is why the transaction can no longer commit: SQLite rolled
	// it back itself (an I/O error, a full disk), or a write panicked.
	broken error
	done   chan struct{} // closed once err is known
	err    error         // the commit's outcome
}

// maxGroup bounds the writes that share one commit: the first of a group
// waits for all of them (a createFolder runs its savepoint in ~0.3 ms).
const maxGroup = 16

func newCommitter(db *sqlx.DB) *committer { return &committer{db: db, maxGroup: maxGroup} }

var errGroupBroken = errors.New("an earlier write of the same commit failed the transaction")

// run runs fn in a savepoint of the open group's transaction (beginning
// one if none is open) and returns once that transaction committed or
// failed: fn's error, or the commit's.
func (c *committer) run(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) (err error) {
	c.waiting.Add(1)
	c.mu.Lock()
	c.waiting.Add(-1)
	g := c.open
	if g == nil {
		// Not ctx: database/sql rolls a transaction back when the context
		// it began with is done, and later writes of the group use it.
		tx, err := c.db.BeginTxx(context.WithoutCancel(ctx), nil)
		if err != nil {
			c.mu.Unlock()
			return fmt.Errorf("begin: %w", err)
		}
		g = &commitGroup{tx: tx, done: make(chan struct{})}
		c.open = g
	}
	g.n++
	c.writes.Add(1)
	err = c.savepoint(ctx, g, fn)
	joinable := g.broken == nil && g.n < c.maxGroup // another write may join
	if joinable && c.waiting.Load() == 0 {
		runtime.Gosched() // others ready to run queue first (above)
	}
	if joinable && c.waiting.Load() > 0 {
		// The next write goes on in this transaction; the last commits.
		c.mu.Unlock()
		if err != nil {
			return err // rolled back to its savepoint: nothing of it commits
		}
		<-g.done
		return g.err
	}
	c.end(g)
	if err != nil {
		return err
	}
	return g.err
}

// savepoint runs one write in its own savepoint of g's transaction. A
// write that panics fails its group: what it left is unknown.
func (c *committer) savepoint(ctx context.Context, g *commitGroup, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	defer func() {
		if p := recover(); p != nil {
			g.broken = fmt.Errorf("a write panicked: %v", p)
			c.end(g)
			panic(p)
		}
	}()
	if g.broken != nil {
		return errGroupBroken
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	bg := context.WithoutCancel(ctx)
	// Transaction control, like BEGIN and COMMIT: not counted as the
	// write's statements (statements.go).
	control := context.WithValue(bg, txControl{}, true)
	if _, err := g.tx.ExecContext(control, `SAVEPOINT one_write`); err != nil {
		g.broken = fmt.Errorf("savepoint: %w", err)
		return g.broken
	}
	err := fn(bg, g.tx)
	if err != nil {
		// Fails if SQLite rolled the whole transaction back already.
		if _, rerr := g.tx.ExecContext(control, `ROLLBACK TO one_write`); rerr != nil {
			g.broken = fmt.Errorf("rollback to savepoint: %w (after %w)", rerr, err)
			return err
		}
	}
	if _, rerr := g.tx.ExecContext(control, `RELEASE one_write`); rerr != nil {
		g.broken = fmt.Errorf("release savepoint: %w", rerr)
		if err == nil {
			err = g.broken
		}
	}
	return err
}

// end commits g (rolls it back if broken), tells its writes, and lets
// the next write begin a new group. The caller holds mu.
func (c *committer) end(g *commitGroup) {
	c.open = nil
	if g.broken != nil {
		_ = g.tx.Rollback()
		g.err = fmt.Errorf("commit: %w", g.broken)
	} else if err := g.tx.Commit(); err != nil {
		g.err = fmt.Errorf("commit: %w", err)
	}
	c.commits.Add(1)
	close(g.done)
	c.mu.Unlock()
}

// CommitStats reports the writes that ran and the transactions they
// committed in (fewer when writes shared commits); ok is false on an
// engine whose writers do not share commits (PostgreSQL).
func (s *DB) CommitStats() (writes, commits int64, ok bool) {
	if s.group == nil {
		return 0, 0, false
	}
	return s.group.writes.Load(), s.group.commits.Load(), true
}
