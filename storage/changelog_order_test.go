package storage

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/pgtest"
)

// Two instances on one PostgreSQL database: while one has written a
// change log event it has not committed, the other commits one of its
// own. A reader following the log from its latest token must see both
// events, once each: had the second been readable first, the reader's
// next token would have passed over the first.
func TestChangeLogCommitsInTokenOrder(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	one := openOn(t, url, fileContent(t, t.TempDir(), nil))
	repo, err := one.EnsureRepository(ctx, "default", "Test", "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	other := openOn(t, url, fileContent(t, t.TempDir(), nil))
	latest, _, err := other.ChangeLogState(ctx, repo.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, err := strconv.ParseInt(latest, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	token++ // the reader has read the latest event: it resumes after it

	slow, err := one.wdb.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	if err := logChanges(ctx, slow, time.Now().UnixMilli(), changeUpdated, repo.RootFolderID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var quick *cmis.Object
	go func() {
		var err error
		quick, err = other.CreateObject(ctx, folder(repo, "quick"), repo.RootFolderID, nil, nil, nil)
		done <- err
	}()

	var seen []cmis.ChangeEvent
	follow := func() {
		events, next, _, err := other.ContentChanges(ctx, repo.ID, &token, 100)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, events...)
		if token, err = strconv.ParseInt(next, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	finished := false
	select {
	case err := <-done: // without ordering, the later event commits first
		if err != nil {
			t.Fatal(err)
		}
		finished = true
	case <-time.After(500 * time.Millisecond): // with it, the writer waits
	}
	follow()
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	if !finished {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	follow()
	var got []string
	for i, e := range seen {
		got = append(got, e.ObjectID+" "+e.ChangeType)
		if i > 0 && e.Token <= seen[i-1].Token {
			t.Errorf("token %d after %d", e.Token, seen[i-1].Token)
		}
	}
	slices.Sort(got)
	want := []string{repo.RootFolderID + " updated", quick.ID + " created"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the follower read %v, want %v, once each", got, want)
	}
}
