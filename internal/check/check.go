// Package check verifies a store, offline or beside a running server:
// the database's integrity (SQLite's integrity_check and
// foreign_key_check), every content stream against its row (present, its
// length, its SHA-256), and content files no row references (orphans).
// Repair removes orphans, and nothing else: never data a row references.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/storage"
)

// Kinds of findings.
const (
	Database = "database" // integrity_check or foreign_key_check found something
	Missing  = "missing"  // a row references a stream whose file is not there
	Corrupt  = "corrupt"  // a stream's length or SHA-256 differs from its row
	Orphan   = "orphan"   // a content file no row references
)

// Finding is one thing wrong with the store.
type Finding struct {
	Kind   string
	ID     string // the content id; "" for the database
	Detail string
}

func (f Finding) String() string {
	if f.ID == "" {
		return f.Kind + ": " + f.Detail
	}
	return f.Kind + " " + f.ID + ": " + f.Detail
}

// Options say how to check.
type Options struct {
	// Grace: content files younger than this may be uploads in flight of
	// a running server and are not orphans yet (storage.DefaultSweepGrace).
	Grace time.Duration
	// Repair removes orphans.
	Repair bool
}

// Report is what a check found.
type Report struct {
	Streams  int64 // content streams checked
	Bytes    int64 // and their bytes
	Findings []Finding
	Removed  []string // orphans removed (Repair)
}

// Run checks the store.
func Run(ctx context.Context, db *storage.DB, content *filecontent.Store, opt Options) (*Report, error) {
	r := &Report{}
	lines, err := db.CheckIntegrity(ctx)
	if err != nil {
		// A database too damaged to check is the finding.
		lines = append(lines, err.Error())
	}
	for _, l := range lines {
		r.Findings = append(r.Findings, Finding{Kind: Database, Detail: l})
	}
	if err := db.ContentRefs(ctx, func(ci cmis.ContentInfo) error { return r.stream(ctx, db, content, ci) }); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		r.Findings = append(r.Findings, Finding{Kind: Database, Detail: err.Error()})
	}
	err = db.Orphans(ctx, opt.Grace, func(id string) error {
		if !opt.Repair {
			r.Findings = append(r.Findings, Finding{Kind: Orphan, ID: id, Detail: "no row references this file"})
			return nil
		}
		if err := content.Remove(ctx, id); err != nil {
			r.Findings = append(r.Findings, Finding{Kind: Orphan, ID: id, Detail: "could not be removed: " + err.Error()})
			return nil
		}
		r.Removed = append(r.Removed, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("looking for orphans: %w", err)
	}
	return r, nil
}

// stream checks one content stream against its row.
func (r *Report) stream(ctx context.Context, db *storage.DB, content *filecontent.Store, ci cmis.ContentInfo) error {
	st, err := content.Sum(ctx, ci.ID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Beside a server, the row may have gone since it was read.
		gone, err := db.Unreferenced(ctx, []string{ci.ID})
		if err != nil {
			return err
		}
		if len(gone) == 0 {
			r.Findings = append(r.Findings, Finding{Kind: Missing, ID: ci.ID, Detail: "the database references it; its file is not there"})
		}
		return nil
	case err != nil:
		if ctx.Err() != nil {
			return err
		}
		r.Findings = append(r.Findings, Finding{Kind: Missing, ID: ci.ID, Detail: err.Error()})
		return nil
	}
	r.Streams++
	r.Bytes += st.Length
	switch {
	case st.Length != ci.Length:
		r.Findings = append(r.Findings, Finding{Kind: Corrupt, ID: ci.ID,
			Detail: fmt.Sprintf("%d bytes, the database says %d", st.Length, ci.Length)})
	case st.SHA256 != ci.SHA256:
		r.Findings = append(r.Findings, Finding{Kind: Corrupt, ID: ci.ID,
			Detail: fmt.Sprintf("SHA-256 %s, the database says %s", st.SHA256, ci.SHA256)})
	}
	return nil
}

// Write prints the report: each finding on its line, then a summary.
func (r *Report) Write(w io.Writer) error {
	for _, f := range r.Findings {
		if _, err := fmt.Fprintln(w, f); err != nil {
			return err
		}
	}
	for _, id := range r.Removed {
		fmt.Fprintf(w, "removed orphan %s\n", id)
	}
	_, err := fmt.Fprintf(w, "checked the database and %d content streams (%d bytes): %d findings", r.Streams, r.Bytes, len(r.Findings))
	if err == nil && len(r.Removed) > 0 {
		_, err = fmt.Fprintf(w, ", %d orphans removed", len(r.Removed))
	}
	if err == nil {
		_, err = fmt.Fprintln(w)
	}
	return err
}
