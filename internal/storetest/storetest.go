// Package storetest opens stores for tests the way cmisd serve lays out
// its data directory: content files under content/, and the database in
// it (SQLite), or, when tests run on PostgreSQL (internal/pgtest:
// CMISD_TEST_ENGINE=postgres), in a schema of the test cluster of its own.
package storetest

import (
	"context"
	"testing"

	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/internal/pgtest"
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
	db, _, err := datadir.Open(context.Background(), dir, pgtest.StoreDB(tb, dir), opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// StoreArgs are the flags that give cmisd (serve, user, group) the store
// in dir: --data, and --db when tests run on PostgreSQL.
func StoreArgs(tb testing.TB, dir string) []string {
	tb.Helper()
	args := []string{"--data", dir}
	if db := pgtest.StoreDB(tb, dir); db != "" {
		args = append(args, "--db", db)
	}
	return args
}
