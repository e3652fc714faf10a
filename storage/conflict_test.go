package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// raceWriters runs write(0) and write(1) at the same moment, released
// together by a barrier, and returns their errors.
func raceWriters(write func(w int) error) [2]error {
	errs := raceWritersN(2, write)
	return [2]error{errs[0], errs[1]}
}

// raceWritersN is raceWriters with n writers.
func raceWritersN(n int, write func(w int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for w := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[w] = write(w)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// winner checks that exactly one of two racing writes succeeded and the
// other is updateConflict, and returns the one that won.
func winner(t *testing.T, what string, errs [2]error) int {
	t.Helper()
	ok := -1
	for w, err := range errs {
		switch {
		case err == nil && ok < 0:
			ok = w
		case err == nil:
			t.Fatalf("%s: both writers won with one change token", what)
		case cmis.ErrorTypeOf(err) != cmis.ErrUpdateConflict:
			t.Fatalf("%s: writer %d: %v, want updateConflict", what, w, err)
		}
	}
	if ok < 0 {
		t.Fatalf("%s: neither writer won: %v", what, errs)
	}
	return ok
}

// Two writers holding the same change token write at the same moment:
// the compare-and-increment lets exactly one through, every time, and
// what is stored is the winner's.
func TestChangeTokenRace(t *testing.T) {
	db, repo := openTest(t)
	ctx := context.Background()
	d := mustCreate(t, db, document(repo, "d"), repo.RootFolderID, stream("first"))
	ops := []struct {
		name   string
		write  func(token *int64, value string) error
		stored func(*cmis.Object) string
	}{
		{"update properties", func(token *int64, v string) error {
			_, err := db.UpdateObject(ctx, repo.ID, d.ID, token, cmis.Change{Properties: map[string][]cmis.Value{"x:v": {v}}}, v)
			return err
		}, func(o *cmis.Object) string { return fmt.Sprint(o.Properties["x:v"]) }},
		{"set content", func(token *int64, v string) error {
			_, err := db.SetContent(ctx, repo.ID, d.ID, token, stream(v), true, false, v)
			return err
		}, func(o *cmis.Object) string { return "[" + contentOf(t, db, repo, o.ID) + "]" }},
	}
	for _, op := range ops {
		for round := range 50 {
			before, err := db.Object(ctx, repo.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			token := before.ChangeToken
			value := func(w int) string { return fmt.Sprintf("round%d-writer%d", round, w) }
			what := fmt.Sprintf("%s, round %d", op.name, round)
			w := winner(t, what, raceWriters(func(w int) error { return op.write(&token, value(w)) }))
			after, err := db.Object(ctx, repo.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := op.stored(after); got != "["+value(w)+"]" || after.LastModifiedBy != value(w) || after.ChangeToken != token+1 {
				t.Fatalf("%s: stored %s by %s, token %d; want the winner's %s, token %d", what, got, after.LastModifiedBy, after.ChangeToken, value(w), token+1)
			}
		}
	}
	if n := contentFiles(t, db); n != 1 {
		t.Errorf("%d streams after the races, want the last winner's only", n)
	}
}
