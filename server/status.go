package server

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/internal/metrics"
	"github.com/cmisd/cmisd/wsdl"
)

// The page at /: what a person looks at first. Version and uptime, the
// repository's name and counts, the database and content store, the
// endpoints with their WSDL URLs, and how to connect from Java, .NET and
// Python. It needs no authentication, so it shows nothing of the
// repository beyond its name and counts. Plain HTML and CSS: no script.

// Status is what the page says of the server.
type Status struct {
	Version      string
	Started      time.Time
	Database     string           // e.g. "SQLite 3.50.4"
	ContentStore string           // e.g. "files in the data directory"
	Stats        cmis.StatsReader // the counts; nil: none shown
}

// statsTTL is how long the page's counts are reused: counting is a scan
// of the objects' index, too much for every view of a large store.
const statsTTL = 10 * time.Second

// statsCache keeps the last counts.
type statsCache struct {
	mu    sync.Mutex
	at    time.Time
	stats cmis.StoreStats
	err   error
}

func (c *statsCache) get(ctx context.Context, r cmis.StatsReader) (cmis.StoreStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) > statsTTL {
		c.stats, c.err = r.Stats(ctx)
		c.at = time.Now()
	}
	return c.stats, c.err
}

// statusEndpoint is one service's row on the page.
type statusEndpoint struct{ Service, URL string }

type statusGroup struct {
	Name      string
	Endpoints []statusEndpoint
}

type statusPage struct {
	Repository    string
	Version       string
	Uptime        string
	Started       string
	Counts        bool
	Objects       int64
	Streams       int64
	Bytes         string
	Database      string
	ContentStore  string
	Groups        []statusGroup
	WSDL          string // the WSDL of the first face's RepositoryService
	Base          string
	Services      []string
	Metrics       bool
	CountsMissing bool
}

// handleIndex serves / and a face's path (/services, /services10): the
// face's WSDL with ?wsdl (libcmis adds ?wsdl to whatever URL it was
// given), OpenCMIS' ?core and ?msg, else the status page.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request, f *face) {
	switch {
	case hasQuery(r, "wsdl"):
		s.serveWSDL(w, r, f)
		return
	case hasQuery(r, "core"):
		s.serveFile(w, r, f, wsdl.CoreXSD)
		return
	case hasQuery(r, "msg"):
		s.serveFile(w, r, f, wsdl.MessagingXSD)
		return
	}
	exchangeFrom(w).operation = metrics.OpPage
	var b bytes.Buffer
	if err := statusTemplate.Execute(&b, s.statusPage(r)); err != nil {
		s.log.Error("status page", zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

func (s *Server) statusPage(r *http.Request) statusPage {
	st := s.cfg.Status
	base := s.baseURL(r)
	p := statusPage{Repository: s.cfg.RepositoryName, Version: st.Version, Database: st.Database,
		ContentStore: st.ContentStore, Base: base, Services: ServiceNames, Metrics: s.cfg.ServeMetrics}
	if !st.Started.IsZero() {
		p.Uptime = uptime(time.Since(st.Started))
		p.Started = st.Started.UTC().Format("2006-01-02 15:04 MST")
	}
	if st.Stats != nil {
		c, err := s.stats.get(r.Context(), st.Stats)
		if err != nil {
			s.log.Warn("status page counts", zap.Error(err))
			p.CountsMissing = true
		} else {
			p.Counts, p.Objects, p.Streams, p.Bytes = true, c.Objects, c.ContentStreams, byteSize(c.ContentBytes)
		}
	}
	for _, f := range faces {
		g := statusGroup{Name: "CMIS " + string(f.Version)}
		for _, n := range ServiceNames {
			g.Endpoints = append(g.Endpoints, statusEndpoint{n, base + f.Path + "/" + n})
		}
		p.Groups = append(p.Groups, g)
	}
	p.WSDL = p.Groups[0].Endpoints[0].URL + "?wsdl"
	return p
}

// uptime says how long, to the two largest units.
func uptime(d time.Duration) string {
	d = d.Round(time.Second)
	days, h, m, sec := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, h)
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case m > 0:
		return fmt.Sprintf("%d min %d s", m, sec)
	}
	return fmt.Sprintf("%d s", sec)
}

// byteSize says n bytes in binary units.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

//go:embed status.html
var statusHTML string

var statusTemplate = template.Must(template.New("status").Parse(statusHTML))
