package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"time"

	"github.com/cmisd/cmisd/auth"
	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/internal/metrics"
	"github.com/cmisd/cmisd/internal/zapbuf"
	"github.com/cmisd/cmisd/server"
	"github.com/cmisd/cmisd/services"
	"github.com/cmisd/cmisd/storage"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The repository this server exposes.
const (
	repositoryID          = "default"
	repositoryName        = "cmisd"
	repositoryDescription = "cmisd CMIS 1.1 repository"
)

type serveConfig struct {
	listen, data, db, content, adminPassword string
	externalURL                              string
	tlsCert, tlsKey, logLevel, record        string
	debugListen, metricsListen               string
	allowWeakAdminPassword                   bool
	maxXMLBytes                              int64
	sweepGrace, readStall, shutdownTimeout   time.Duration
	queryTimeout                             time.Duration
	maxCount                                 int64
	gcPercent                                int
	maxUploads, maxUploadsPerUser, rateBurst int
	rateLimit                                float64
	login                                    auth.Limits
}

// parseServeFlags reads serve's flags; every one of them can come from
// the environment too.
func parseServeFlags(args []string) (serveConfig, error) {
	c := serveConfig{login: auth.DefaultLimits}
	fs := newFlags("serve")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.data, "data", "./data", dataUsage)
	fs.StringVar(&c.db, "db", "", dbUsage)
	fs.StringVar(&c.content, "content", "", contentUsage)
	fs.StringVar(&c.adminPassword, "admin-password", "", fmt.Sprintf("password of the admin user, at least %d characters; on a fresh store one is generated and logged once if empty", auth.MinPasswordLength))
	fs.BoolVar(&c.allowWeakAdminPassword, "allow-weak-admin-password", false, fmt.Sprintf("take an admin password shorter than %d characters", auth.MinPasswordLength))
	fs.StringVar(&c.externalURL, "external-url", "", "base URL clients reach this server at, for the WSDL's addresses (default: from each request)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file: serve HTTPS (TLS 1.2 and 1.3)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS key file")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.record, "record", "", "directory to record every request/response pair into, as conformance cases")
	fs.DurationVar(&c.readStall, "read-stall-timeout", server.DefaultReadStallTimeout, "drop a client whose request body makes no progress for this long")
	fs.IntVar(&c.maxUploads, "max-uploads", server.DefaultMaxUploads, "uploads in progress at once, past which an upload gets a runtime fault; -1: no limit")
	fs.IntVar(&c.maxUploadsPerUser, "max-uploads-per-user", server.DefaultMaxUploadsPerUser, "uploads in progress at once per user; -1: no limit")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "requests a second per client address, past which a request is answered 429; 0: off")
	fs.IntVar(&c.rateBurst, "rate-burst", 0, "requests a client address may send at once under --rate-limit; 0: twice the rate, at least 10")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "address to serve /metrics on instead of the main listener (which then has none)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM or SIGINT, how long requests in flight (uploads included) may take to finish before they are cut off")
	fs.StringVar(&c.debugListen, "debug-listen", "", "loopback address to serve net/http/pprof (/debug/pprof/) and the allocation counter (/debug/allocs) on; off when empty")
	fs.Int64Var(&c.maxXMLBytes, "max-xml-bytes", server.DefaultMaxXMLBytes, "size limit of a request's XML, content streams excluded")
	fs.Int64Var(&c.maxCount, "max-count", storage.DefaultMaxCount,
		"how many items a query or listing counts at most for its numItems; past it numItems is left out (hasMoreItems stays exact); -1: count everything")
	fs.DurationVar(&c.queryTimeout, "query-timeout", storage.DefaultQueryTimeout,
		"how long a query or listing may run before it is stopped with a runtime fault; -1s: no limit")
	fs.IntVar(&c.gcPercent, "gc-percent", defaultGCPercent,
		"how far the heap may grow past what is live before the garbage collector runs, in percent (Go's GOGC; this flag sets it); a higher value trades memory for CPU")
	fs.DurationVar(&c.sweepGrace, "content-sweep-grace", storage.DefaultSweepGrace,
		"at start-up, remove content files no object references once they are this old (younger ones may be another process's upload in flight)")
	fs.DurationVar(&c.login.FirstDelay, "login-delay", c.login.FirstDelay, "how long the answer to a second failed login waits; each further one waits twice as long")
	fs.DurationVar(&c.login.MaxDelay, "login-max-delay", c.login.MaxDelay, "the longest an answer to a failed login waits")
	fs.IntVar(&c.login.MaxFailures, "login-max-failures", c.login.MaxFailures, "failed logins of one user from one address within --login-window that lock the pair out (0: never)")
	fs.DurationVar(&c.login.Window, "login-window", c.login.Window, "how long failed logins count")
	fs.DurationVar(&c.login.Lockout, "login-lockout", c.login.Lockout, "how long a user is refused from an address after too many failed logins")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	fs.fromEnv(names...)
	if err := fs.parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected %q", fs.Arg(0))
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("--tls-cert and --tls-key go together")
	}
	if c.adminPassword != "" && !c.allowWeakAdminPassword {
		if err := auth.CheckPasswordLength(c.adminPassword); err != nil {
			return c, fmt.Errorf("admin password (--admin-password, CMISD_ADMIN_PASSWORD): %w (--allow-weak-admin-password takes it anyway)", err)
		}
	}
	if c.maxCount == 0 || c.queryTimeout == 0 {
		return c, errors.New("--max-count and --query-timeout must not be 0 (-1 and -1s turn them off)")
	}
	if err := c.login.Validate(); err != nil {
		return c, fmt.Errorf("--login-*: %w", err)
	}
	if c.shutdownTimeout <= 0 {
		return c, errors.New("--shutdown-timeout must be above zero")
	}
	if c.gcPercent < 25 {
		return c, errors.New("--gc-percent must be at least 25")
	}
	return c, nil
}

// defaultGCPercent is --gc-percent's default. A request's garbage is
// large next to the little a server keeps live (a getChildren page of
// 100 documents is about 0.7 MB), so at Go's default of 100 the collector
// ran every few requests. make bench, alternating 100 and 400: CPU per
// request down by a quarter (getObject 0.21 -> 0.14 ms) to a half
// (getChildren 3.4 -> 1.9 ms); peak RSS under getChildren load at 8
// clients 50 -> 79 MB.
const defaultGCPercent = 400

// gcPercent is the garbage collector's setting in force, as the runtime
// reports it.
func gcPercent() uint64 {
	m := []rtmetrics.Sample{{Name: "/gc/gogc:percent"}}
	rtmetrics.Read(m)
	if m[0].Value.Kind() != rtmetrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}

func serve(args []string) error {
	c, err := parseServeFlags(args)
	if err != nil {
		return err
	}
	logger, stopLog, err := newLogger(c.logLevel)
	if err != nil {
		return err
	}
	defer stopLog()
	debug.SetGCPercent(c.gcPercent)

	ctx, stop := interruptible()
	defer stop()
	if err := startDebug(ctx, c.debugListen, logger); err != nil {
		return err
	}

	st, err := openStoreWith(ctx, c.data, c.db, c.content,
		storage.Options{SweepGrace: c.sweepGrace, MaxCount: c.maxCount, QueryTimeout: c.queryTimeout})
	if err != nil {
		return err
	}
	defer st.Close()
	db := st.DB
	if err := ensureAdmin(ctx, db, c.adminPassword, logger); err != nil {
		return err
	}
	if _, err := db.EnsureRepository(ctx, repositoryID, repositoryName, repositoryDescription, cmis.AdminUser); err != nil {
		return err
	}
	spool := filepath.Join(c.data, datadir.Spool)
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return err
	}
	m := metrics.New(version, server.ServiceNames)
	m.WatchPools(db.PoolStats)
	if _, _, ok := db.CommitStats(); ok {
		m.WatchCommits(func() (int64, int64) { w, c, _ := db.CommitStats(); return w, c })
	}
	sweepLeftovers(ctx, db, spool, c.sweepGrace, m, logger)

	authenticator, err := auth.New(db, c.login, logger)
	if err != nil {
		return err
	}
	m.WatchCredentialCache(authenticator.CacheStats)
	srv, err := server.New(server.Config{
		Ports:          services.New(services.Config{Types: db, Objects: db, ACLs: db, Queries: db, Changes: db, Tx: db, ProductVersion: version}),
		Auth:           authenticator,
		Snapshot:       db.Read,
		WriteSnapshot:  db.ReadBeforeWrite,
		Logger:         logger,
		ExternalURL:    c.externalURL,
		MaxXMLBytes:    c.maxXMLBytes,
		SpoolDir:       spool,
		RecordDir:      c.record,
		RepositoryName: repositoryName,
		Status: server.Status{Version: version, Started: time.Now(), Stats: db,
			Database: db.Engine(), ContentStore: describeContent(c.content)},

		ReadStallTimeout:  c.readStall,
		MaxUploads:        c.maxUploads,
		MaxUploadsPerUser: c.maxUploadsPerUser,
		RateLimit:         c.rateLimit,
		RateBurst:         c.rateBurst,

		Metrics:      m,
		ServeMetrics: c.metricsListen == "",
		Readiness: []server.Check{
			{Name: "database", Check: db.Ready},
			{Name: "content store", Check: func(context.Context) error { return st.content.CheckWritable() }},
		},
	})
	if err != nil {
		return err
	}
	if err := startMetrics(ctx, c.metricsListen, m, logger); err != nil {
		return err
	}
	return listenAndServe(ctx, stop, srv, c, logger)
}

// contentSweepEvery is how often a running server sweeps again: where
// several instances share a store, another one's crash leaves content
// behind while this one runs.
const contentSweepEvery = time.Hour

// sweepLeftovers removes what a crash left behind (spooled uploads,
// content no transaction committed) now, once more when the grace period
// has passed (for what was still too young to be sure of), and then every
// contentSweepEvery (what instances sharing the store left, uploads whose
// lease ran out since). With no grace only the first, before serving.
func sweepLeftovers(ctx context.Context, db *storage.DB, spool string, grace time.Duration, mt *metrics.Metrics, logger *zap.Logger) {
	sweep := func() {
		n, serr := server.SweepSpool(spool, grace, time.Now())
		if serr != nil {
			logger.Warn("spool sweep", zap.Error(serr))
		}
		m, err := db.SweepContent(ctx, grace)
		if err != nil {
			logger.Warn("content sweep", zap.Error(err))
		}
		mt.Sweep(m, n, serr != nil || err != nil)
		if n+m > 0 {
			logger.Info("removed files left by interrupted uploads", zap.Int("spool", n), zap.Int("content", m))
		}
	}
	sweep()
	if grace <= 0 {
		// Without a grace a sweep would take streams stored but not yet
		// committed: only the one before serving is safe.
		return
	}
	go func() {
		next := time.NewTimer(grace + time.Second)
		defer next.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-next.C:
				sweep()
				next.Reset(contentSweepEvery)
			}
		}
	}()
}

// listenAndServe serves srv until ctx is done, then drains it: /readyz
// turns unready, requests in flight finish (up to --shutdown-timeout), and
// it returns nil. stop restores the signals' default, so that a second
// one ends the process at once.
func listenAndServe(ctx context.Context, stop func(), srv *server.Server, c serveConfig, logger *zap.Logger) error {
	hs := srv.HTTPServer(c.listen)
	if c.tlsCert != "" {
		// Loaded now, so that a bad certificate stops the start.
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		hs.TLSConfig.Certificates = []tls.Certificate{cert}
	}
	// Listen first so that the log names the real address (port 0 works).
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	if c.tlsCert == "" {
		ln = server.Listener(ln) // a small answer goes out in one write
	}
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	logger.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("data", c.data), zap.String("db", engineName(c.db)),
		zap.Bool("tls", c.tlsCert != ""), zap.String("version", version), zap.Uint64("gc_percent", gcPercent()))
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	stop()
	logger.Info("shutting down: draining", zap.Int64("in_flight", srv.InFlight()), zap.Duration("timeout", c.shutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	hs.SetKeepAlivesEnabled(false) // answers from now on close their connection
	err = srv.Drain(shutdownCtx)
	if err == nil {
		err = hs.Shutdown(shutdownCtx)
	}
	if err != nil {
		logger.Warn("shutdown timeout: cutting off the requests still in flight",
			zap.Int64("in_flight", srv.InFlight()), zap.Error(err))
		hs.Close()
		return nil
	}
	logger.Info("stopped")
	return nil
}

// newLogger logs JSON lines to standard error. Info lines (one per
// request) are written in batches, at most 100 ms late (zapbuf): a write
// per line cost a system call per request. Warnings and errors are
// written at once. stop writes out what waits.
func newLogger(level string) (logger *zap.Logger, stop func() error, err error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, nil, fmt.Errorf("--log-level: %w", err)
	}
	// The production config's encoding, without its sampling: past 100
	// lines of one message a second it keeps every 100th, which drops
	// most request lines under load. Every request gets its line.
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "time"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core, stop := zapbuf.New(zapcore.NewJSONEncoder(enc), os.Stderr, zap.NewAtomicLevelAt(lvl), zapcore.WarnLevel)
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.ErrorOutput(zapcore.Lock(os.Stderr))), stop, nil
}

// ensureAdmin creates the admin user on a fresh store, with the given
// password or a generated one that is logged once. On a store that has
// one, a given password that differs replaces it, so the setting stays
// the truth.
func ensureAdmin(ctx context.Context, db *storage.DB, password string, logger *zap.Logger) error {
	return ensureAdminOnce(ctx, db, password, logger, false)
}

func ensureAdminOnce(ctx context.Context, db *storage.DB, given string, logger *zap.Logger, retried bool) error {
	password := given
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
		hash, err := auth.HashPassword(password)
		if err != nil {
			return fmt.Errorf("admin password: %w", err)
		}
		if err := db.CreateAccount(ctx, cmis.AdminUser, hash); err != nil {
			if cmis.ErrorTypeOf(err) == cmis.ErrNameConstraintViolation && !retried {
				// Another instance on the same database made it first.
				return ensureAdminOnce(ctx, db, given, logger, true)
			}
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
	case password != "" && !auth.PasswordMatches(acct.PasswordHash, password):
		hash, err := auth.HashPassword(password)
		if err != nil {
			return fmt.Errorf("admin password: %w", err)
		}
		logger.Info("admin password set from the configuration", zap.String("user", cmis.AdminUser))
		return db.SetPasswordHash(ctx, cmis.AdminUser, hash)
	}
	return nil
}
