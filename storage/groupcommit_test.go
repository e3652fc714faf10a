package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// committerDB is a SQLite database with a table t(k) written through a
// committer, as the store's writes are, and a pool that reads what
// committed.
func committerDB(t *testing.T) (*committer, *sqlx.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.db")
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000"
	w := sqlx.MustOpen("sqlite3", dsn+"&_txlock=immediate")
	w.SetMaxOpenConns(1)
	r := sqlx.MustOpen("sqlite3", dsn)
	t.Cleanup(func() { w.Close(); r.Close() })
	if _, err := w.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return newCommitter(w), r
}

func insert(k string) func(ctx context.Context, tx *sqlx.Tx) error {
	return func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t (k) VALUES (?)`, k)
		return err
	}
}

var errRefused = errors.New("refused")

// runGroup runs the writes as one group, in order: each waits in its
// savepoint until the next is queued, so none commits before the last.
func runGroup(t *testing.T, c *committer, ctxs []context.Context, writes ...func(ctx context.Context, tx *sqlx.Tx) error) []error {
	t.Helper()
	errs := make([]error, len(writes))
	entered := make(chan struct{})
	var wg sync.WaitGroup
	for i, w := range writes {
		ctx := context.Background()
		if ctxs != nil {
			ctx = ctxs[i]
		}
		returned := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(returned)
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("panicked: %v", p)
				}
			}()
			errs[i] = c.run(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
				entered <- struct{}{}
				for i < len(writes)-1 && c.waiting.Load() == 0 {
					time.Sleep(100 * time.Microsecond)
				}
				return w(ctx, tx)
			})
		}()
		if ctx.Err() == nil {
			<-entered
			continue
		}
		// It will not enter its savepoint: on to the next once it is
		// queued, or done.
		for queued := false; !queued; {
			select {
			case <-returned:
				queued = true
			default:
				queued = c.waiting.Load() > 0
				time.Sleep(100 * time.Microsecond)
			}
		}
	}
	wg.Wait()
	return errs
}

func committed(t *testing.T, r *sqlx.DB) []string {
	t.Helper()
	var ks []string
	if err := r.Select(&ks, `SELECT k FROM t ORDER BY k`); err != nil {
		t.Fatal(err)
	}
	return ks
}

// Writes queued behind one another share a commit; each stays atomic:
// one that fails leaves nothing and the others keep their work, and all
// learn the outcome of the commit that holds them.
func TestGroupCommit(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	insertThenFail := func(ctx context.Context, tx *sqlx.Tx) error {
		if err := insert("b")(ctx, tx); err != nil {
			return err
		}
		return errRefused
	}
	tests := []struct {
		name    string
		ctxs    []context.Context
		writes  []func(ctx context.Context, tx *sqlx.Tx) error
		want    []string // committed
		wantErr []string // per write: "" for nil, else a substring
		commits int64
	}{
		{name: "all commit together",
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), insert("b"), insert("c")},
			want:   []string{"a", "b", "c"}, wantErr: []string{"", "", ""}, commits: 1},
		{name: "a failed write leaves nothing, the others commit",
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), insertThenFail, insert("c")},
			want:   []string{"a", "c"}, wantErr: []string{"", "refused", ""}, commits: 1},
		{name: "a failed statement rolls back its write only",
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), func(ctx context.Context, tx *sqlx.Tx) error {
				if err := insert("b")(ctx, tx); err != nil {
					return err
				}
				return insert("a")(ctx, tx) // a duplicate key
			}, insert("c")},
			want: []string{"a", "c"}, wantErr: []string{"", "UNIQUE", ""}, commits: 1},
		{name: "the first write fails, the next commit",
			writes: []func(context.Context, *sqlx.Tx) error{insertThenFail, insert("c")},
			want:   []string{"c"}, wantErr: []string{"refused", ""}, commits: 1},
		{name: "the last write fails and commits the others",
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), insertThenFail},
			want:   []string{"a"}, wantErr: []string{"", "refused"}, commits: 1},
		{name: "a write whose client is gone does not run",
			// Last: it does not enter its savepoint, so it cannot wait there.
			ctxs:   []context.Context{bg, bg, cancelled},
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), insert("c"), insert("b")},
			want:   []string{"a", "c"}, wantErr: []string{"", "", "canceled"}, commits: 1},
		{name: "a panic fails the whole group",
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), func(ctx context.Context, tx *sqlx.Tx) error {
				insert("b")(ctx, tx)
				panic("boom")
			}, insert("c")},
			want: []string{"c"}, wantErr: []string{"panicked", "panicked: boom", ""}, commits: 2},
		{name: "a transaction lost under the group fails every write in it",
			writes: []func(context.Context, *sqlx.Tx) error{insert("a"), func(ctx context.Context, tx *sqlx.Tx) error {
				// What SQLite does itself on an I/O error or a full disk.
				_, err := tx.ExecContext(ctx, `ROLLBACK`)
				return err
			}, insert("c")},
			want: []string{"c"}, wantErr: []string{"commit", "savepoint", ""}, commits: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r := committerDB(t)
			errs := runGroup(t, c, tt.ctxs, tt.writes...)
			for i, err := range errs {
				switch want := tt.wantErr[i]; {
				case want == "" && err != nil:
					t.Errorf("write %d: %v", i, err)
				case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
					t.Errorf("write %d: got %v, want an error with %q", i, err, want)
				}
			}
			if got := committed(t, r); !slices.Equal(got, tt.want) {
				t.Errorf("committed %q, want %q", got, tt.want)
			}
			if got := c.commits.Load(); got != tt.commits {
				t.Errorf("%d transactions, want %d", got, tt.commits)
			}
		})
	}
}

// A group ends at maxGroup writes even while more wait.
func TestGroupCommitBounded(t *testing.T) {
	c, r := committerDB(t)
	c.maxGroup = 2
	errs := runGroup(t, c, nil, insert("a"), insert("b"), insert("c"), insert("d"), insert("e"))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if w, got := c.writes.Load(), c.commits.Load(); w != 5 || got != 3 {
		t.Errorf("%d commits of %d writes, want 3 of 5", got, w)
	}
	if got := committed(t, r); len(got) != 5 {
		t.Errorf("committed %q", got)
	}
}

// With one P, writes that are ready to run at once still share commits:
// the ones not yet running reach the queue before the first commits
// alone (a commit's cgo call holds the only P).
func TestGroupCommitOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	c, r := committerDB(t)
	const n = 8
	for round := range 5 {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = c.run(context.Background(), insert(fmt.Sprint(round, "/", i)))
			})
		}
		// Busy for a while without a system call, the runtime's monitor
		// backs off to its longest tick: then it hands no P over during
		// a commit, as in a server after a spell of reads.
		for deadline := time.Now().Add(30 * time.Millisecond); time.Now().Before(deadline); {
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	if got := committed(t, r); len(got) != 5*n {
		t.Errorf("committed %d rows, want %d", len(got), 5*n)
	}
	if w, got := c.writes.Load(), c.commits.Load(); got > w/2 {
		t.Errorf("%d commits of %d writes, want at most half as many", got, w)
	}
}

// Until its group commits, a write is neither answered nor visible.
func TestGroupCommitVisibleAtCommit(t *testing.T) {
	c, r := committerDB(t)
	seen := make(chan []string, 1)
	errs := runGroup(t, c, nil, insert("a"), func(ctx context.Context, tx *sqlx.Tx) error {
		var mine []string
		if err := tx.SelectContext(ctx, &mine, `SELECT k FROM t`); err != nil {
			return err
		}
		if got := committed(t, r); len(got) != 0 {
			return fmt.Errorf("committed before the group's commit: %q", got)
		}
		seen <- mine
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := <-seen; !slices.Equal(got, []string{"a"}) {
		t.Errorf("the second write of a group saw %q, want the first's row", got)
	}
}

// Ids made later sort later (they share index pages with the ids made
// beside them), and ids made in the same millisecond still differ in 80
// random bits.
func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.UnixMilli(1_780_000_000_000)
	a, b, c := newIDAt(t0), newIDAt(t0), newIDAt(t0.Add(time.Millisecond))
	for _, id := range []string{a, b, c} {
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("id %q: want 32 hex digits", id)
		}
	}
	if a[:12] != b[:12] || a == b || a[12:] == b[12:] {
		t.Errorf("same millisecond: %s %s", a, b)
	}
	if !(a < c && b < c) {
		t.Errorf("a later id sorts first: %s %s < %s", a, b, c)
	}
}
