package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cmisd/cmisd/storage"
)

// copyCmd copies a whole repository, metadata and content, from one
// store into an empty one: a sidecar's SQLite store onto PostgreSQL, or
// back, or from one content store to another. Every stream's SHA-256 is
// checked as it is written and as it reads back. The source must not be
// served meanwhile.
func copyCmd(args []string) error {
	fs := newFlags("copy")
	from := fs.String("from", "", "the store to copy: a data directory (SQLite) or a postgres:// URL")
	to := fs.String("to", "", "an empty store to copy into: a data directory (SQLite; created if missing) or a postgres:// URL")
	fromContent := fs.String("from-content", "", "the source's content store: a directory, or postgres (default for a data directory: FROM/content)")
	toContent := fs.String("to-content", "", "the destination's content store: a directory, or postgres (default for a data directory: TO/content)")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("copy: unexpected %q", fs.Arg(0))
	case *from == "" || *to == "":
		return errors.New("copy: --from and --to are required")
	case *from == *to:
		return errors.New("copy: --from and --to name the same store")
	}
	ctx, stop := interruptible()
	defer stop()
	src, closeSrc, err := openLocation(ctx, "--from", *from, *fromContent)
	if err != nil {
		return err
	}
	defer closeSrc()
	dst, closeDst, err := openLocation(ctx, "--to", *to, *toContent)
	if err != nil {
		return err
	}
	defer closeDst()
	progress := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "copy: "+format+"\n", args...) }
	stats, err := src.CopyTo(ctx, dst, progress)
	if err != nil {
		return err
	}
	fmt.Printf("copied %d objects, %d content streams (%d bytes, every SHA-256 verified), %d change log events, %d users, %d groups\n",
		stats.Rows["objects"], stats.Streams, stats.Bytes, stats.Rows["change_log"], stats.Rows["users"], stats.Rows["groups"])
	return nil
}

// openLocation opens the store at loc, a data directory or a postgres://
// URL, with its content store: content, or by default the data
// directory's content/ (a URL has no default: its content may be in the
// database or in a shared directory, and a wrong guess would copy
// nothing).
func openLocation(ctx context.Context, flag, loc, content string) (*storage.DB, func(), error) {
	db, data := "", loc
	if storage.IsPostgresURL(loc) {
		if content == "" {
			return nil, nil, fmt.Errorf("%s is a PostgreSQL database: say where its content is with %s-content postgres or %s-content DIR", flag, flag, flag)
		}
		db, data = loc, ""
	}
	s, err := openStoreWith(ctx, data, db, content, storage.Options{SweepGrace: storage.DefaultSweepGrace})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", flag, err)
	}
	return s.DB, func() { s.Close() }, nil
}
