package storage

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// Concurrent writers. SQLite has one writer at a time (its write
// transactions hold the database's lock from BEGIN), so a write that
// reads, checks and then changes sees nothing change in between.
// PostgreSQL runs many writers at once at READ COMMITTED, where each
// statement sees what committed before it started: a write first locks
// the rows whose state its checks read (objects, the folders of a
// subtree, a version series), and reads them after, so a concurrent
// write of the same rows waits for it or it for that one, and what it
// checked stays true until it commits. Unique keys and foreign keys
// cover the rest (two names in one folder, a child filed in a folder
// being deleted). On SQLite the locks are no statements at all.
//
// A lock is taken before the rows it guards are read: a locking read
// waits for the transaction holding the rows and then returns them as
// that one left them.

// lockMode is how strongly a write locks rows.
type lockMode int

const (
	// lockKeep keeps rows from being deleted, moved or given another ACL
	// (FOR KEY SHARE): a parent folder a new object is filed in, a
	// relationship's ends, the objects a write's permission check read
	// (Levels). Foreign-key checks take the same lock.
	lockKeep lockMode = iota
	// lockChange is for rows a write changes (FOR NO KEY UPDATE): two
	// changes of one object take turns; filing under it goes on.
	lockChange
	// lockRemove is for rows a write deletes, moves or changes the ACL of
	// (FOR UPDATE): it waits for, and then stops, filing under them and
	// checks of permissions on them.
	lockRemove
)

// maxTxAttempts bounds the runs of a write transaction that the database
// aborted to break a deadlock or a serialization conflict.
const maxTxAttempts = 5

// inTxRetry runs a write transaction (inTx), again when the database
// aborted it for a deadlock between writers (each write locks its rows
// in id order, but two writes may meet in other orders): the retried
// run locks and reads again and comes to its own answer.
func (s *DB) inTxRetry(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if !s.runAgain(ctx, err, attempt) {
			return err
		}
	}
}

// runAgain reports whether a write transaction that ended with err on
// its attempt-th run is to run again, after a short random pause.
func (s *DB) runAgain(ctx context.Context, err error, attempt int) bool {
	if err == nil || attempt >= maxTxAttempts || !s.dialect.isTransient(err) || ctx.Err() != nil {
		return false
	}
	time.Sleep(time.Duration(rand.IntN(attempt*10)+1) * time.Millisecond)
	return true
}

// lockObjects locks objects' rows, in id order; rows that do not exist
// are no error (the caller's next read finds them missing).
func (s *DB) lockObjects(ctx context.Context, tx *sqlx.Tx, mode lockMode, ids ...string) error {
	clause := s.dialect.lockClause(mode)
	if clause == "" {
		return nil
	}
	ids = slices.Sorted(slices.Values(ids))
	for len(ids) > 0 { // PostgreSQL takes at most 65,535 parameters
		n := min(len(ids), lockBatch)
		q, args, err := sqlx.In(`SELECT id FROM objects WHERE id IN (?) ORDER BY id`+clause, ids[:n])
		if err != nil {
			return err
		}
		var got []string
		if err := tx.SelectContext(ctx, &got, q, args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// lockBatch is how many rows one locking statement names.
const lockBatch = 10000

// lockFolder locks a folder with mode and returns its path, as
// requireFolder does.
func (s *DB) lockFolder(ctx context.Context, tx *sqlx.Tx, mode lockMode, repo, id string) (string, error) {
	if err := s.lockObjects(ctx, tx, mode, id); err != nil {
		return "", err
	}
	return requireFolder(ctx, tx, repo, id)
}

// lockSubtree locks the folders of the subtree at path, the folder
// itself included (lockRemove): what is filed under them waits, and so
// does any other change of their paths.
func (s *DB) lockSubtree(ctx context.Context, tx *sqlx.Tx, repo, path string) error {
	clause := s.dialect.lockClause(lockRemove)
	if clause == "" {
		return nil
	}
	lo, hi := subtreeRange(path)
	var got []string
	return tx.SelectContext(ctx, &got, `SELECT id FROM objects WHERE repository_id = ? AND (path = ? OR (path >= ? AND path < ?))
		ORDER BY id`+clause, repo, path, lo, hi)
}

// lockSeries locks the rows of a version series (lockChange): check-in,
// check-out, version deletion and filing of one series take turns.
func (s *DB) lockSeries(ctx context.Context, tx *sqlx.Tx, seriesID string) error {
	clause := s.dialect.lockClause(lockChange)
	if clause == "" || seriesID == "" {
		return nil
	}
	var got []string
	return tx.SelectContext(ctx, &got, `SELECT id FROM objects WHERE version_series_id = ? ORDER BY id`+clause, seriesID)
}

// lockTypes makes the type changes of a repository take turns (its row,
// lockChange): two types defining one property differently, each checked
// by checkTypeNames before the other commits, cannot slip in side by
// side. Type changes run it first.
func (s *DB) lockTypes(ctx context.Context, tx *sqlx.Tx, repo string) error {
	clause := s.dialect.lockClause(lockChange)
	if clause == "" {
		return nil
	}
	var got []string
	return tx.SelectContext(ctx, &got, `SELECT id FROM repositories WHERE id = ?`+clause, repo)
}
