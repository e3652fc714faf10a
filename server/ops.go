package server

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// The endpoints of those who run the server: GET /healthz (the process
// serves), GET /readyz (it can take requests: every Check passes and it
// is not shutting down) and, with Config.ServeMetrics, GET /metrics. They
// need no authentication and tell nothing of the repository; they are
// not logged, counted or rate-limited, so that probes and scrapes every
// few seconds neither fill the log nor get refused.

// Check is one condition of readiness, e.g. "database" and a function
// that pings it. Its error is logged, never sent.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// readyTimeout bounds the checks of one /readyz.
const readyTimeout = 5 * time.Second

func (s *Server) opsRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { plain(w, http.StatusOK, "ok") })
	m.HandleFunc("GET /readyz", s.handleReady)
	if s.cfg.ServeMetrics {
		m.Handle("GET /metrics", s.metrics.Handler())
	}
	return m
}

// isOps reports whether r is for one of the operations endpoints.
func (s *Server) isOps(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/readyz":
		return true
	case "/metrics":
		return s.cfg.ServeMetrics
	}
	return false
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		plain(w, http.StatusServiceUnavailable, "not ready: shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	for _, c := range s.cfg.Readiness {
		if err := c.Check(ctx); err != nil {
			s.log.Warn("not ready", zap.String("check", c.Name), zap.Error(err))
			plain(w, http.StatusServiceUnavailable, "not ready: "+c.Name)
			return
		}
	}
	plain(w, http.StatusOK, "ready")
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}

// drainPoll is how often Drain looks at the requests in flight.
const drainPoll = 20 * time.Millisecond

// Drain begins the shutdown: /readyz answers 503 from now on, so that a
// load balancer sends no more; requests keep being served. It returns
// when no request is in flight (the /healthz, /readyz and /metrics
// endpoints aside), or with ctx's error when ctx ends first. The caller
// then shuts the http.Server down, which waits for what came in meanwhile.
func (s *Server) Drain(ctx context.Context) error {
	s.draining.Store(true)
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for s.inFlight.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// InFlight is the number of requests being served, the operations
// endpoints aside.
func (s *Server) InFlight() int64 { return s.inFlight.Load() }
