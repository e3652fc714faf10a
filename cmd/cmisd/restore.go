package main

import (
	"errors"
	"fmt"

	"github.com/cmisd/cmisd/internal/backup"
)

// restoreCmd: cmisd restore --from DEST --data DIR, into an empty DIR.
func restoreCmd(args []string) error {
	fs := storeFlags("restore")
	from := fs.String("from", "", "the backup directory (made by cmisd backup)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *from == "" {
		return errors.New("usage: cmisd restore --from DEST --data DIR")
	}
	if *fs.db != "" {
		return errors.New("restore: a backup holds a SQLite store; a PostgreSQL one is restored with pg_restore")
	}
	ctx, stop := interruptible()
	defer stop()
	m, err := backup.Restore(ctx, *from, *fs.data)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Printf("restored the backup of %s into %s: %d content streams (%d bytes), each checked against its SHA-256\n",
		m.Created.Format("2006-01-02 15:04:05 MST"), *fs.data, m.ContentStreams, m.ContentBytes)
	return nil
}
