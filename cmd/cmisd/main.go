// Command cmisd is a CMIS 1.1 server speaking the Web Services (SOAP)
// binding. It only wires: flags and environment to storage, services and
// server.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/server"
	"github.com/cmisd/cmisd/services"
	"github.com/cmisd/cmisd/storage"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/crypto/bcrypt"
)

// The repository this server exposes.
const (
	repositoryID          = "default"
	repositoryName        = "cmisd"
	repositoryDescription = "cmisd CMIS 1.1 repository"
)

const usage = `cmisd — a CMIS 1.1 server for the Web Services (SOAP) binding

Usage:
  cmisd serve [flags]                      run the server
  cmisd user add|passwd NAME [--password P | --password-stdin]
  cmisd user del NAME
  cmisd user list
  cmisd group add|del NAME
  cmisd group members NAME [--add USER]... [--remove USER]...
  cmisd version

Every command takes --data DIR (env CMISD_DATA, default ./data).
Run 'cmisd serve -h' for the server's flags.
`

var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "user":
		err = userCmd(os.Args[2:])
	case "group":
		err = groupCmd(os.Args[2:])
	case "version":
		fmt.Println("cmisd", version)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "cmisd: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmisd:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

type serveConfig struct {
	listen, data, adminPassword, externalURL string
	tlsCert, tlsKey, logLevel, record        string
	maxXMLBytes                              int64
	sweepGrace                               time.Duration
}

func serve(args []string) error {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	fs.StringVar(&c.listen, "listen", env("CMISD_LISTEN", "127.0.0.1:8080"), "address to listen on (env CMISD_LISTEN)")
	fs.StringVar(&c.data, "data", env("CMISD_DATA", "./data"), "data directory: database and content (env CMISD_DATA)")
	fs.StringVar(&c.adminPassword, "admin-password", env("CMISD_ADMIN_PASSWORD", ""), "password of the admin user; on a fresh store one is generated and logged once if empty (env CMISD_ADMIN_PASSWORD)")
	fs.StringVar(&c.externalURL, "external-url", env("CMISD_EXTERNAL_URL", ""), "base URL clients reach this server at, for the WSDL's addresses (env CMISD_EXTERNAL_URL; default: from each request)")
	fs.StringVar(&c.tlsCert, "tls-cert", env("CMISD_TLS_CERT", ""), "TLS certificate file: serve HTTPS (env CMISD_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", env("CMISD_TLS_KEY", ""), "TLS key file (env CMISD_TLS_KEY)")
	fs.StringVar(&c.logLevel, "log-level", env("CMISD_LOG_LEVEL", "info"), "debug, info, warn or error (env CMISD_LOG_LEVEL)")
	fs.StringVar(&c.record, "record", env("CMISD_RECORD", ""), "directory to record every request/response pair into, as conformance cases")
	fs.Int64Var(&c.maxXMLBytes, "max-xml-bytes", 10<<20, "size limit of a request's XML, content streams excluded")
	fs.DurationVar(&c.sweepGrace, "content-sweep-grace", storage.DefaultSweepGrace,
		"at start-up, remove content files no object references once they are this old (younger ones may be another process's upload in flight)")
	fs.Parse(args)
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}

	logger, err := newLogger(c.logLevel)
	if err != nil {
		return err
	}
	defer logger.Sync()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := openStoreWith(ctx, c.data, storage.Options{SweepGrace: c.sweepGrace})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := ensureAdmin(ctx, db, c.adminPassword, logger); err != nil {
		return err
	}
	if _, err := db.EnsureRepository(ctx, repositoryID, repositoryName, repositoryDescription, cmis.AdminUser); err != nil {
		return err
	}

	spool := filepath.Join(c.data, "tmp")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return err
	}
	// What a crash left behind (spooled uploads, content no transaction
	// committed) goes now and, for what was still too young to be sure
	// of, once more when the grace period has passed. Nothing later needs
	// it: this process's own failed uploads remove their files.
	sweep := func() {
		n, err := server.SweepSpool(spool, c.sweepGrace, time.Now())
		if err != nil {
			logger.Warn("spool sweep", zap.Error(err))
		}
		m, err := db.SweepContent(ctx, c.sweepGrace)
		if err != nil {
			logger.Warn("content sweep", zap.Error(err))
		}
		if n+m > 0 {
			logger.Info("removed files left by interrupted uploads", zap.Int("spool", n), zap.Int("content", m))
		}
	}
	sweep()
	if c.sweepGrace > 0 {
		go func() {
			t := time.NewTimer(c.sweepGrace + time.Second)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
				sweep()
			}
		}()
	}
	srv, err := server.New(server.Config{
		Ports:          services.New(services.Config{Types: db, Objects: db, ACLs: db, Queries: db, Changes: db, ProductVersion: version}),
		Auth:           services.NewAuthenticator(db),
		Logger:         logger,
		ExternalURL:    c.externalURL,
		MaxXMLBytes:    c.maxXMLBytes,
		SpoolDir:       spool,
		RecordDir:      c.record,
		RepositoryName: repositoryName,
	})
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(c.listen)
	// Listen first so that the log names the real address (port 0 works).
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- hs.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	logger.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("data", c.data),
		zap.Bool("tls", c.tlsCert != ""), zap.String("version", version))
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		logger.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := hs.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
	return nil
}

func newLogger(level string) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.EncoderConfig.TimeKey = "time"
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	return cfg.Build()
}

func openStore(ctx context.Context, data string) (*storage.DB, error) {
	return openStoreWith(ctx, data, storage.Options{SweepGrace: storage.DefaultSweepGrace})
}

// openStoreWith opens the store in the data directory: the database, and
// the content files under content/.
func openStoreWith(ctx context.Context, data string, opt storage.Options) (*storage.DB, error) {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	content, err := filecontent.Open(filepath.Join(data, "content"))
	if err != nil {
		return nil, err
	}
	return storage.OpenSQLiteWith(ctx, data, content, opt)
}

// ensureAdmin creates the admin user on a fresh store, with the given
// password or a generated one that is logged once. On a store that has
// one, a given password that differs replaces it, so the setting stays
// the truth.
func ensureAdmin(ctx context.Context, db *storage.DB, password string, logger *zap.Logger) error {
	acct, err := db.Account(ctx, cmis.AdminUser)
	switch {
	case cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound:
		generated := password == ""
		if generated {
			var b [18]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			password = base64.RawURLEncoding.EncodeToString(b[:])
		}
		hash, err := services.HashPassword(password)
		if err != nil {
			return fmt.Errorf("admin password: %w", err)
		}
		if err := db.CreateAccount(ctx, cmis.AdminUser, hash); err != nil {
			return err
		}
		if generated {
			logger.Warn("created user admin with a generated password; it is shown only this once",
				zap.String("user", cmis.AdminUser), zap.String("password", password))
		} else {
			logger.Info("created user admin", zap.String("user", cmis.AdminUser))
		}
		return nil
	case err != nil:
		return err
	case password != "" && bcrypt.CompareHashAndPassword([]byte(acct.PasswordHash), []byte(password)) != nil:
		hash, err := services.HashPassword(password)
		if err != nil {
			return fmt.Errorf("admin password: %w", err)
		}
		logger.Info("admin password set from the configuration", zap.String("user", cmis.AdminUser))
		return db.SetPasswordHash(ctx, cmis.AdminUser, hash)
	}
	return nil
}

// subcommand parses "NAME [flags]" with the flags after the name too.
func subcommand(name string, args []string, define func(*flag.FlagSet)) (string, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	data := fs.String("data", env("CMISD_DATA", "./data"), "data directory (env CMISD_DATA)")
	if define != nil {
		define(fs)
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, fmt.Errorf("%s: a name is required", name)
	}
	target := args[0]
	fs.Parse(args[1:])
	fs.Set("data", *data)
	return target, fs, nil
}

func userCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("user: add, passwd, del or list")
	}
	ctx := context.Background()
	verb, rest := args[0], args[1:]
	if verb == "list" {
		fs := flag.NewFlagSet("user list", flag.ExitOnError)
		data := fs.String("data", env("CMISD_DATA", "./data"), "data directory (env CMISD_DATA)")
		fs.Parse(rest)
		db, err := openStore(ctx, *data)
		if err != nil {
			return err
		}
		defer db.Close()
		accts, err := db.Accounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range accts {
			fmt.Printf("%s\t%s\n", a.Name, strings.Join(a.Groups, ","))
		}
		return nil
	}
	var password string
	var fromStdin bool
	name, fs, err := subcommand("user "+verb, rest, func(fs *flag.FlagSet) {
		if verb == "add" || verb == "passwd" {
			fs.StringVar(&password, "password", "", "the password (visible to other local users: prefer --password-stdin)")
			fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
		}
	})
	if err != nil {
		return err
	}
	db, err := openStore(ctx, fs.Lookup("data").Value.String())
	if err != nil {
		return err
	}
	defer db.Close()
	switch verb {
	case "add", "passwd":
		if fromStdin {
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			password = strings.TrimRight(line, "\r\n")
		}
		hash, err := services.HashPassword(password)
		if err != nil {
			return err
		}
		if verb == "add" {
			return db.CreateAccount(ctx, name, hash)
		}
		return db.SetPasswordHash(ctx, name, hash)
	case "del":
		if name == cmis.AdminUser {
			return errors.New("user del: the admin user cannot be deleted")
		}
		return db.DeleteAccount(ctx, name)
	}
	return fmt.Errorf("user: unknown verb %q", verb)
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func groupCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("group: add, del or members")
	}
	ctx := context.Background()
	verb := args[0]
	var add, remove listFlag
	name, fs, err := subcommand("group "+verb, args[1:], func(fs *flag.FlagSet) {
		if verb == "members" {
			fs.Var(&add, "add", "user to add (repeatable)")
			fs.Var(&remove, "remove", "user to remove (repeatable)")
		}
	})
	if err != nil {
		return err
	}
	db, err := openStore(ctx, fs.Lookup("data").Value.String())
	if err != nil {
		return err
	}
	defer db.Close()
	switch verb {
	case "add":
		return db.CreateGroup(ctx, name)
	case "del":
		return db.DeleteGroup(ctx, name)
	case "members":
		for _, u := range add {
			if err := db.AddGroupMember(ctx, name, u); err != nil {
				return err
			}
		}
		for _, u := range remove {
			if err := db.RemoveGroupMember(ctx, name, u); err != nil {
				return err
			}
		}
		groups, err := db.Groups(ctx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.Name == name {
				for _, m := range g.Members {
					fmt.Println(m)
				}
				return nil
			}
		}
		return fmt.Errorf("no group %q", name)
	}
	return fmt.Errorf("group: unknown verb %q", verb)
}
