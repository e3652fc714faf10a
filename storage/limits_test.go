package storage

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// processCPU is the CPU time this process has used.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A statement that runs past the time limit is interrupted inside
// SQLite, not merely abandoned: the call returns at the limit with a
// runtime error naming it, the process stops using the CPU, and the
// same connection (the pool holds one) answers the next statement at
// once.
func TestTimeLimitInterruptsTheStatement(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	const limit = 200 * time.Millisecond
	db.SetLimits(0, limit)
	db.db.SetMaxOpenConns(1)
	// Counting to ten billion: minutes of CPU if nothing stops it.
	const slow = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) SELECT COUNT(*) FROM n`
	start := time.Now()
	err := db.readLimited(ctx, "the slow statement", func(ctx context.Context, tx *sqlx.Tx) error {
		var n int64
		return tx.GetContext(ctx, &n, slow)
	})
	took := time.Since(start)
	var stopped *cmis.TimeLimitError
	if cmis.ErrorTypeOf(err) != cmis.ErrRuntime || !errors.As(err, &stopped) || stopped.Limit != limit ||
		!strings.Contains(err.Error(), "time limit of 200ms") || !strings.Contains(err.Error(), "the slow statement") {
		t.Fatalf("after %v: %v, want a runtime error naming the 200ms limit", took, err)
	}
	if took > limit+2*time.Second {
		t.Fatalf("the statement ran %v past a limit of %v", took, limit)
	}
	if stopped.Elapsed < limit || stopped.Elapsed > took {
		t.Errorf("reported elapsed %v, limit %v, measured %v", stopped.Elapsed, limit, took)
	}

	// Nothing keeps computing once the call has returned.
	cpu := processCPU(t)
	time.Sleep(500 * time.Millisecond)
	if used := processCPU(t) - cpu; used > 150*time.Millisecond {
		t.Errorf("the process used %v of CPU in the 500ms after the statement was stopped", used)
	}

	// The one connection is free and works.
	quick, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start = time.Now()
	var one int
	if err := db.db.GetContext(quick, &one, `SELECT 1`); err != nil || one != 1 {
		t.Fatalf("the connection after the interruption: %v", err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("the next statement waited %v", d)
	}
}

// A statement within the limit is not disturbed, and a caller's own
// cancellation is not reported as the time limit.
func TestTimeLimitLeavesOtherErrorsAlone(t *testing.T) {
	db, repo := openTest(t)
	db.SetLimits(0, time.Minute)
	if _, _, err := db.Children(context.Background(), repo.ID, cmis.ChildrenQuery{FolderID: repo.RootFolderID}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := db.Children(ctx, repo.ID, cmis.ChildrenQuery{FolderID: repo.RootFolderID})
	var stopped *cmis.TimeLimitError
	if err == nil || errors.As(err, &stopped) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled caller: %v", err)
	}
}

// Read connections map the database file (see sqliteReader).
func TestReadConnectionsMapTheFile(t *testing.T) {
	db, _ := openTest(t)
	var mapped int64
	if err := db.db.Get(&mapped, `PRAGMA mmap_size`); err != nil || mapped < 1<<30 {
		t.Fatalf("mmap_size of a read connection: %d %v", mapped, err)
	}
}
