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
	env  []string // the flags the environment may set
	data *string  // --data, for the commands that work on the store
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

// storeFlags returns the flags of a command that works on the store, with
// its --data flag.
func storeFlags(name string) *flags {
	fs := newFlags(name)
	fs.data = fs.String("data", "./data", "data directory: database and content")
	fs.fromEnv("data")
	return fs
}

// openStore opens the store --data names, after parsing.
func (fs *flags) openStore(ctx context.Context) (*storage.DB, error) {
	db, _, err := datadir.Open(ctx, *fs.data, storage.Options{SweepGrace: storage.DefaultSweepGrace})
	return db, err
}

// openNamed parses "NAME [flags]" and opens the store.
func (fs *flags) openNamed(ctx context.Context, args []string) (string, *storage.DB, error) {
	name, err := fs.parseNamed(args)
	if err != nil {
		return "", nil, err
	}
	db, err := fs.openStore(ctx)
	return name, db, err
}
