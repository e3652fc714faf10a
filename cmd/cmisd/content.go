package main

import (
	"context"
	"errors"

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

// contentStore is a content store as the commands use it: the store, and
// the readiness probe (can it take content now).
type contentStore interface {
	cmis.ContentStore
	CheckWritable() error
}

var (
	_ contentStore = (*filecontent.Store)(nil)
	_ contentStore = (*pgcontent.Store)(nil)
)

// openContent opens the content store spec names: postgres (the content
// tables of the PostgreSQL database db), or a directory. close releases
// it. (The default, the data directory's, is datadir's.)
func openContent(ctx context.Context, spec, db string) (_ contentStore, close func(), err error) {
	if spec == contentInDatabase {
		if !storage.IsPostgresURL(db) {
			return nil, nil, errors.New("--content postgres keeps content in the PostgreSQL database: it needs --db postgres://…")
		}
		s, err := pgcontent.Open(ctx, db, pgcontent.Options{})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	}
	s, err := filecontent.Open(spec)
	if err != nil {
		return nil, nil, err
	}
	return s, func() {}, nil
}

// describeContent names the content store spec selects, for the status
// page.
func describeContent(spec string) string {
	switch spec {
	case "":
		return "files (content/ in the data directory)"
	case contentInDatabase:
		return "PostgreSQL (content_streams, content_chunks)"
	}
	return "files (" + spec + ")"
}

// defaultContentOnly refuses a --content other than the data directory's,
// for the tools that work on the data directory's files (backup, check).
func defaultContentOnly(tool, content string) error {
	if content != "" {
		return errors.New(tool + " works on the content files in --data; --content is not for it")
	}
	return nil
}
