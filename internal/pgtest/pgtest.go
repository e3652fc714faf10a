// Package pgtest gives tests a database of their own on the PostgreSQL
// server CMISD_TEST_POSTGRES names (make test starts a throwaway one).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// Server returns the URL of the test server, or, if there is none, skips
// or fails tb as testenv.Require says.
func Server(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("CMISD_TEST_POSTGRES")
	testenv.Require(tb, testenv.Postgres, u != "", "CMISD_TEST_POSTGRES is not set")
	return u
}

// Database creates an empty database for tb, dropped when tb ends, and
// returns its URL.
func Database(tb testing.TB) string {
	tb.Helper()
	return DatabaseOn(tb, Server(tb))
}

// DatabaseOn is Database on the server at the URL server.
func DatabaseOn(tb testing.TB, server string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "cmisd_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		tb.Fatalf("CMISD_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, server); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
