// Package storetest opens stores for tests the way cmisd serve lays out
// its data directory: the SQLite database in it, content files under
// content/.
package storetest

import (
	"context"
	"testing"

	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/storage"
)

// Open opens a fresh store in a temporary directory, closed when the
// test ends.
func Open(tb testing.TB) *storage.DB {
	tb.Helper()
	return OpenIn(tb, tb.TempDir())
}

// OpenIn opens (creating if needed) the store in dir, closed when the
// test ends.
func OpenIn(tb testing.TB, dir string) *storage.DB {
	tb.Helper()
	return OpenWith(tb, dir, storage.Options{SweepGrace: storage.DefaultSweepGrace})
}

// OpenWith is OpenIn with options (a low count bound, a short time
// limit).
func OpenWith(tb testing.TB, dir string, opt storage.Options) *storage.DB {
	tb.Helper()
	db, _, err := datadir.Open(context.Background(), dir, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
