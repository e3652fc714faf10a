// Package datadir is the layout of cmisd's data directory, in one place:
// the SQLite database (storage.DatabaseFile) unless --db names a
// PostgreSQL one, content files under content/ (filecontent), request
// spool files under tmp/. Every command, the tools (backup, restore,
// check) and the tests open a store through it.
package datadir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/storage"
)

// Names in the data directory.
const (
	Content = "content" // content files (filecontent)
	Spool   = "tmp"     // request bodies being read (server)
)

// Open opens (creating if needed) the store in dir: the database db
// names (--db: "" for SQLite in dir, or a postgres:// URL), and the
// content files under content/.
func Open(ctx context.Context, dir, db string, opt storage.Options) (*storage.DB, *filecontent.Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	content, err := filecontent.Open(filepath.Join(dir, Content))
	if err != nil {
		return nil, nil, err
	}
	store, err := storage.Open(ctx, db, dir, content, opt)
	return store, content, err
}

// OpenExisting opens the store in dir (and db) for a tool: a SQLite
// store must hold a database already, and nothing is swept.
func OpenExisting(ctx context.Context, dir, db string) (*storage.DB, *filecontent.Store, error) {
	if _, err := os.Stat(filepath.Join(dir, storage.DatabaseFile)); err != nil && db == "" {
		return nil, nil, fmt.Errorf("%s is not a cmisd data directory: %w", dir, err)
	}
	return Open(ctx, dir, db, storage.Options{NoSweep: true})
}
