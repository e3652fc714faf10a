package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	rtmetrics "runtime/metrics"
	"time"

	"go.uber.org/zap"

	"github.com/cmisd/cmisd/internal/metrics"
)

// startDebug serves, when addr is set, net/http/pprof under /debug/pprof/
// and the runtime's allocation counter at /debug/allocs on a listener of
// its own (never the SOAP one), until ctx ends. The profiles show what
// the process holds, so only a loopback address is accepted; the command
// line (with --admin-password) is not served.
func startDebug(ctx context.Context, addr string, logger *zap.Logger) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--debug-listen %q: only a loopback address (127.0.0.1:PORT, [::1]:PORT, localhost:PORT)", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // the named profiles: heap, allocs, goroutine, …
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/allocs", serveAllocs)
	return serveAside(ctx, addr, "debug", mux, 5*time.Minute, logger) // a CPU profile takes ?seconds=N
}

// startMetrics serves, when addr is set, /metrics on a listener of its
// own (the main one then has none), until ctx ends.
func startMetrics(ctx context.Context, addr string, m *metrics.Metrics, logger *zap.Logger) error {
	if addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return serveAside(ctx, addr, "metrics", mux, time.Minute, logger)
}

// serveAside serves h on a listener of its own at addr until ctx ends,
// and logs "<name> serving" with the address.
func serveAside(ctx context.Context, addr, name string, h http.Handler, writeTimeout time.Duration, logger *zap.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--%s-listen: %w", name, err)
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          zap.NewStdLog(logger.Named(name)),
	}
	go func() {
		if err := hs.Serve(ln); err != http.ErrServerClosed {
			logger.Warn(name+" listener", zap.Error(err))
		}
	}()
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	logger.Info(name+" serving", zap.String("addr", ln.Addr().String()))
	return nil
}

// allocMetrics count heap allocations since the start: tiny ones apart,
// so both together are what testing's allocs/op counts (MemStats.Mallocs)
// without stopping the world.
var allocMetrics = []string{"/gc/heap/allocs:objects", "/gc/heap/tiny/allocs:objects", "/gc/heap/allocs:bytes"}

// serveAllocs answers {"objects": N, "bytes": M}: the heap allocations so
// far. A benchmark reads it before and after a measured interval.
func serveAllocs(w http.ResponseWriter, _ *http.Request) {
	s := make([]rtmetrics.Sample, len(allocMetrics))
	for i, name := range allocMetrics {
		s[i].Name = name
	}
	rtmetrics.Read(s)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]uint64{
		"objects": s[0].Value.Uint64() + s[1].Value.Uint64(),
		"bytes":   s[2].Value.Uint64(),
	})
}
