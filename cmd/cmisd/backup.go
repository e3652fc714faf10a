package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/cmisd/cmisd/internal/backup"
	"github.com/cmisd/cmisd/internal/datadir"
)

// backupCmd: cmisd backup --data DIR --to DEST, beside a running server or not.
func backupCmd(args []string) error {
	fs := storeFlags("backup")
	to := fs.String("to", "", "directory to write the backup into; it must be empty or not exist")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *to == "" {
		return errors.New("usage: cmisd backup --data DIR --to DEST")
	}
	if *fs.db != "" {
		return errors.New("backup: a store on PostgreSQL is backed up with pg_dump, and its --data directory (content) copied beside it")
	}
	ctx, stop := interruptible()
	defer stop()
	if err := defaultContentOnly("backup", *fs.content); err != nil {
		return err
	}
	db, content, err := datadir.OpenExisting(ctx, *fs.data, *fs.db)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := backup.Backup(ctx, db, content, *to, version, func(msg string) { fmt.Fprintln(os.Stderr, "backup:", msg) })
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Printf("backed up %s into %s: the database as of %s and %d content streams (%d bytes), each checked against its SHA-256\n",
		*fs.data, *to, m.Created.Format("2006-01-02 15:04:05 MST"), m.ContentStreams, m.ContentBytes)
	return nil
}
