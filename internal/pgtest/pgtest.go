package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/cmisd/cmisd/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// The variables a test run is told about PostgreSQL by.
const (
	// URLVar holds the URL of a PostgreSQL database tests may use
	// (internal/pgtest/run sets it).
	URLVar = "CMISD_TEST_PG"
	// EngineVar, set to "postgres", makes tests open their stores on
	// PostgreSQL.
	EngineVar = "CMISD_TEST_ENGINE"
)

// OnPostgres reports whether tests open their stores on PostgreSQL.
func OnPostgres() bool { return os.Getenv(EngineVar) == "postgres" }

// URL returns the test database's URL; without one the test fails or
// skips, as testenv.Postgres says.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(URLVar)
	testenv.Require(tb, testenv.Postgres, u != "", URLVar+" is not set")
	return u
}

// Schema makes a fresh schema in the test database, dropped when the
// test ends, and returns the URL of a store in it: every connection made
// with it works in that schema (search_path).
func Schema(tb testing.TB) string {
	tb.Helper()
	return SchemaOn(tb, URL(tb))
}

// SchemaOn is Schema in the database at base (a cluster of the test's
// own, say).
func SchemaOn(tb testing.TB, base string) string {
	tb.Helper()
	var b [8]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	execSQL(tb, base, `CREATE SCHEMA `+name)
	tb.Cleanup(func() { execSQL(tb, base, `DROP SCHEMA `+name+` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", URLVar, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// execSQL runs one statement on its own connection.
func execSQL(tb testing.TB, dbURL, stmt string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
}

// storeFile remembers, in a test's data directory, the schema its store
// lives in, so that the store opens again where it was (a restart, a
// second process on the same data).
const storeFile = ".cmisd-test-db"

// StoreDB is the --db value of the test store whose data directory is
// dir: "" (SQLite in dir) unless tests run on PostgreSQL, else the URL of
// the store's own schema, made the first time dir is asked about.
func StoreDB(tb testing.TB, dir string) string {
	tb.Helper()
	if !OnPostgres() {
		return ""
	}
	path := filepath.Join(dir, storeFile)
	if b, err := os.ReadFile(path); err == nil {
		return string(b)
	}
	u := Schema(tb)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(u), 0o600); err != nil {
		tb.Fatal(err)
	}
	return u
}
