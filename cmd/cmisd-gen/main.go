// Command cmisd-gen fills a cmisd store with synthetic documents for
// benchmarks and load tests (see package internal/synthetic for the shape):
//
//	cmisd-gen --data DIR --folders 10000 --docs-per-folder 100
//
// writes 1,000,000 bench:doc documents in 10,000 leaf folders under /bench,
// creating the repository (as cmisd serve would) if the store has none;
//
//	cmisd-gen --data DIR --folders 0 --big-folder 100000
//
// adds /bench-big, a folder of 100,000 documents, to such a store.
// The server is best stopped meanwhile: the generator holds SQLite's write
// lock for long stretches. It only wires flags to the store.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/internal/synthetic"
	"github.com/cmisd/cmisd/storage"
)

// The repository cmisd serves (cmd/cmisd).
const (
	repositoryName        = "cmisd"
	repositoryDescription = "cmisd CMIS 1.1 repository"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cmisd-gen:", err)
		os.Exit(1)
	}
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(args []string) error {
	fs := flag.NewFlagSet("cmisd-gen", flag.ExitOnError)
	data := fs.String("data", env("CMISD_DATA", "./data"), "data directory of the store (env CMISD_DATA)")
	repo := fs.String("repository", "default", "repository id")
	folders := fs.Int("folders", 10000, "leaf folders (1,000 per top folder)")
	docs := fs.Int("docs-per-folder", 100, "documents in each leaf folder")
	big := fs.Int("big-folder", 0, "documents in one more folder, /bench-big (getChildren of a large folder); with --folders 0, added to a store that has the tree")
	seed := fs.Int64("seed", 1, "seed of the property values and words")
	creator := fs.String("creator", cmis.AdminUser, "user the objects are created by")
	batch := fs.Int("batch-rows", 100000, "rows written per transaction (about)")
	every := fs.Duration("progress", 5*time.Second, "how often to print progress")
	fs.Parse(args)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	content, err := filecontent.Open(filepath.Join(*data, "content"))
	if err != nil {
		return err
	}
	db, err := storage.OpenSQLite(ctx, *data, content)
	if err != nil {
		return err
	}
	if _, err := db.EnsureRepository(ctx, *repo, repositoryName, repositoryDescription, cmis.AdminUser); err != nil {
		db.Close()
		return err
	}
	total := *folders**docs + *big
	fmt.Printf("generating %d folders × %d documents and a folder of %d = %d documents into %s (repository %s)\n",
		*folders, *docs, *big, total, *data, *repo)
	start := time.Now()
	var last time.Time
	err = synthetic.Generate(ctx, db, synthetic.Options{
		RepositoryID: *repo, Folders: *folders, DocsPerFolder: *docs, BigFolder: *big, Seed: *seed, Creator: *creator, BatchRows: *batch,
		Progress: func(p synthetic.Progress) {
			if time.Since(last) < *every {
				return
			}
			last = time.Now()
			rate := float64(p.Documents) / p.Elapsed.Seconds()
			fmt.Printf("%8s  %7d/%d folders  %9d/%d documents  %6.0f docs/s\n",
				p.Elapsed.Round(time.Second), p.Folders, p.TotalFolders, p.Documents, p.TotalDocuments, rate)
		},
	})
	took := time.Since(start)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	size := int64(0)
	for _, f := range []string{"cmisd.db", "cmisd.db-wal"} {
		if st, err := os.Stat(filepath.Join(*data, f)); err == nil {
			size += st.Size()
		}
	}
	fmt.Printf("done: %d documents in %s (%.0f docs/s); database %.1f MiB\n",
		total, took.Round(time.Millisecond), float64(total)/took.Seconds(), float64(size)/(1<<20))
	return nil
}
