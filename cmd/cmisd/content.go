package main

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/pgcontent"
	"github.com/cmisd/cmisd/storage"
)

// contentInDatabase is the --content value that keeps content streams in
// the PostgreSQL database --db names.
const contentInDatabase = "postgres"

// contentUsage is the --content flag's usage.
const contentUsage = "content store: a directory (several instances may share one mount), or postgres to keep content in the --db database (default DATA/content)"

// openContent opens the content store spec names: postgres (the content
// tables of the PostgreSQL database db), a directory, or, when empty,
// the directory content under the data directory. close releases it.
func openContent(ctx context.Context, spec, data, db string) (_ cmis.ContentStore, close func(), err error) {
	switch spec {
	case contentInDatabase:
		if !storage.IsPostgresURL(db) {
			return nil, nil, errors.New("--content postgres keeps content in the PostgreSQL database: it needs --db postgres://…")
		}
		s, err := pgcontent.Open(ctx, db, pgcontent.Options{})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	case "":
		spec = filepath.Join(data, "content")
	}
	s, err := filecontent.Open(spec)
	if err != nil {
		return nil, nil, err
	}
	return s, func() {}, nil
}
