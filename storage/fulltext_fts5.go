//go:build sqlite_fts5

package storage

// fullTextBuilt: go-sqlite3 was built with FTS5 (the sqlite_fts5 tag,
// which the Makefile always sets).
const fullTextBuilt = true
