package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/storage"
)

// interruptible is a context that SIGINT and SIGTERM end.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// flags are a command's flags, some of which the environment may set too.
type flags struct {
	*flag.FlagSet
	env     []string // the flags the environment may set
	data    *string  // --data, for the commands that work on the store
	db      *string  // --db, for the same
	content *string  // --content, for the same
}

func newFlags(name string) *flags {
	return &flags{FlagSet: flag.NewFlagSet(name, flag.ExitOnError)}
}

// envName is the environment variable that sets a flag: CMISD_ and the
// flag's name in capitals, "-" as "_" (--tls-cert: CMISD_TLS_CERT).
func envName(flagName string) string {
	return "CMISD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// fromEnv lets the environment set the named flags, and says so in their
// usage.
func (fs *flags) fromEnv(names ...string) {
	for _, name := range names {
		fs.Lookup(name).Usage += " (env " + envName(name) + ")"
	}
	fs.env = append(fs.env, names...)
}

// parse sets flags from the environment (an empty variable counts as
// unset), then parses args: the command line has the last word.
func (fs *flags) parse(args []string) error {
	for _, name := range fs.env {
		if v := os.Getenv(envName(name)); v != "" {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("%s=%q: %w", envName(name), v, err)
			}
		}
	}
	return fs.Parse(args)
}

// parseNamed parses "NAME [flags]", the flags after the name, and returns
// the name.
func (fs *flags) parseNamed(args []string) (string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := fs.parse(args); err != nil { // -h shows the flags
			return "", err
		}
		return "", fmt.Errorf("%s: a name is required", fs.Name())
	}
	if err := fs.parse(args[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("%s: unexpected %q", fs.Name(), fs.Arg(0))
	}
	return args[0], nil
}

// Usage of the flags every command that opens the store has.
const (
	dataUsage = "data directory: content, and the SQLite database unless --db names another"
	dbUsage   = "database: empty for SQLite (cmisd.db in --data), or a postgres:// URL (several instances may share it)"
)

// storeFlags returns the flags of a command that works on the store, with
// its --data, --db and --content flags.
func storeFlags(name string) *flags {
	fs := newFlags(name)
	fs.data = fs.String("data", "./data", dataUsage)
	fs.db = fs.String("db", "", dbUsage)
	fs.content = fs.String("content", "", contentUsage)
	fs.fromEnv("data", "db", "content")
	return fs
}

// openStore opens the store --data, --db and --content name, after
// parsing.
func (fs *flags) openStore(ctx context.Context) (*store, error) {
	return openStoreWith(ctx, *fs.data, *fs.db, *fs.content, storage.Options{SweepGrace: storage.DefaultSweepGrace})
}

// store is an open store and its content store, closed together.
type store struct {
	*storage.DB
	content      contentStore
	closeContent func()
}

func (s *store) Close() error {
	err := s.DB.Close()
	s.closeContent()
	return err
}

// openStoreWith opens the store: the database db names (SQLite in the
// data directory when empty) and the content store content names: by
// default the data directory's (datadir), else openContent's. Every
// command opens the store here.
func openStoreWith(ctx context.Context, data, db, content string, opt storage.Options) (*store, error) {
	if content == "" {
		s, files, err := datadir.Open(ctx, data, db, opt)
		if err != nil {
			return nil, err
		}
		return &store{DB: s, content: files, closeContent: func() {}}, nil
	}
	if data != "" {
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, err
		}
	}
	cs, closeContent, err := openContent(ctx, content, db)
	if err != nil {
		return nil, err
	}
	s, err := storage.Open(ctx, db, data, cs, opt)
	if err != nil {
		closeContent()
		return nil, err
	}
	return &store{DB: s, content: cs, closeContent: closeContent}, nil
}

// engineName says which engine a --db value selects, for logs (the URL
// itself may hold a password).
func engineName(db string) string {
	if db == "" {
		return "sqlite"
	}
	return "postgres"
}

// openNamed parses "NAME [flags]" and opens the store.
func (fs *flags) openNamed(ctx context.Context, args []string) (string, *store, error) {
	name, err := fs.parseNamed(args)
	if err != nil {
		return "", nil, err
	}
	db, err := fs.openStore(ctx)
	return name, db, err
}
