//go:build !sqlite_fts5

package storage

// fullTextBuilt: this build has no FTS5 (built without the sqlite_fts5
// tag), so full-text search is off and repository info says so.
const fullTextBuilt = false
