package main

import (
	"fmt"
	"os"

	"github.com/cmisd/cmisd/internal/check"
	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/storage"
)

// checkCmd: cmisd check --data DIR [--repair], beside a running server or
// not. It prints a report and fails when anything is wrong.
func checkCmd(args []string) error {
	fs := storeFlags("check")
	var opt check.Options
	fs.BoolVar(&opt.Repair, "repair", false, "remove orphaned content files (never anything the database references)")
	fs.DurationVar(&opt.Grace, "grace", storage.DefaultSweepGrace, "content files younger than this may be uploads in flight: not orphans yet")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("check: unexpected %q", fs.Arg(0))
	}
	ctx, stop := interruptible()
	defer stop()
	if err := defaultContentOnly("check", *fs.content); err != nil {
		return err
	}
	db, content, err := datadir.OpenExisting(ctx, *fs.data, *fs.db)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := check.Run(ctx, db, content, opt)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if err := r.Write(os.Stdout); err != nil {
		return err
	}
	if n := len(r.Findings); n > 0 {
		return fmt.Errorf("check: %d findings in %s", n, *fs.data)
	}
	return nil
}
