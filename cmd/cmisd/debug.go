package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/metrics"
	"time"

	"go.uber.org/zap"
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // the named profiles: heap, allocs, goroutine, …
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/allocs", serveAllocs)
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      5 * time.Minute, // a CPU profile takes ?seconds=N
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          zap.NewStdLog(logger.Named("debug")),
	}
	go func() {
		if err := hs.Serve(ln); err != http.ErrServerClosed {
			logger.Warn("debug listener", zap.Error(err))
		}
	}()
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	logger.Info("debug serving", zap.String("addr", ln.Addr().String()))
	return nil
}

// allocMetrics count heap allocations since the start: tiny ones apart,
// so both together are what testing's allocs/op counts (MemStats.Mallocs)
// without stopping the world.
var allocMetrics = []string{"/gc/heap/allocs:objects", "/gc/heap/tiny/allocs:objects", "/gc/heap/allocs:bytes"}

// serveAllocs answers {"objects": N, "bytes": M}: the heap allocations so
// far. A benchmark reads it before and after a measured interval.
func serveAllocs(w http.ResponseWriter, _ *http.Request) {
	s := make([]metrics.Sample, len(allocMetrics))
	for i, name := range allocMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]uint64{
		"objects": s[0].Value.Uint64() + s[1].Value.Uint64(),
		"bytes":   s[2].Value.Uint64(),
	})
}
