package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of a run.
const (
	MaxClients  = 1024
	MaxDuration = 10 * time.Minute
)

// RunOptions shape a run.
type RunOptions struct {
	Clients  int           // keep-alive clients, each with one request in flight
	Warmup   time.Duration // sent first, not recorded
	Duration time.Duration // the measured interval
	Requests int64         // with Requests > 0, the measured part stops after that many
	// Server, when set, is measured over the measured interval.
	Server *ServerProbe
	// More are clients of further instances serving the same repository:
	// client i of the run sends to instance i mod (1 + len(More)). Their
	// servers, when measured, are in MoreServers: the CPU time is the sum.
	More        []*Client
	MoreServers []*ServerProbe
}

// Result is what a run measured.
type Result struct {
	Op              string  `json:"op"`
	Clients         int     `json:"clients"`
	Seconds         float64 `json:"seconds"`
	Requests        int64   `json:"requests"` // answered correctly
	Errors          int64   `json:"errors"`
	HTTPErrors      int64   `json:"http_errors"`      // status other than 200 (SOAP faults are 500)
	TransportErrors int64   `json:"transport_errors"` // connection, timeout
	BadBodies       int64   `json:"bad_bodies"`       // 200 without what the operation must answer
	FirstError      string  `json:"first_error,omitempty"`
	RPS             float64 `json:"rps"`
	MeanMs          float64 `json:"mean_ms"`
	P50Ms           float64 `json:"p50_ms"`
	P90Ms           float64 `json:"p90_ms"`
	P99Ms           float64 `json:"p99_ms"`
	MaxMs           float64 `json:"max_ms"`
	BytesPerReply   int64   `json:"bytes_per_reply"`
	// The cost of a request, over the measured interval: the client's
	// (this process) always, the server's when RunOptions.Server is set
	// (Allocs only with its debug listener); -1 when not measured.
	ClientCPUMs  float64 `json:"client_cpu_ms_per_req"`
	ServerCPUMs  float64 `json:"server_cpu_ms_per_req"`
	ServerAllocs float64 `json:"server_allocs_per_req"`
}

type worker struct {
	lat                           []time.Duration
	ok, httpErr, transErr, badBdy int64
	bytes                         int64
	firstErr                      string
}

// runner sends one operation's requests.
type runner struct {
	cs  []*Client // one per instance
	op  *Op
	seq atomic.Int64
}

// one sends a request through c and notes its outcome in w.
func (r *runner) one(ctx context.Context, c *Client, w *worker, buf *bytes.Buffer) (time.Duration, bool) {
	start := time.Now()
	req, err := c.Request(ctx, r.op.Service, r.op.Action, r.op.Body(r.seq.Add(1)))
	status := 0
	if err == nil {
		status, err = c.Do(req, buf)
	}
	d := time.Since(start)
	fail := func(n *int64, msg string) {
		*n++
		if w.firstErr == "" {
			w.firstErr = msg
		}
	}
	switch {
	case err != nil:
		fail(&w.transErr, err.Error())
		return d, false
	case status != 200:
		fail(&w.httpErr, r.op.Check(status, buf.Bytes()).Error())
		return d, false
	}
	if err := r.op.Check(status, buf.Bytes()); err != nil {
		fail(&w.badBdy, err.Error())
		return d, false
	}
	w.bytes += int64(buf.Len())
	return d, true
}

// phase runs clients until the deadline (or limit requests, when > 0).
func (r *runner) phase(ctx context.Context, clients int, deadline time.Time, limit int64) []*worker {
	workers := make([]*worker, clients)
	var issued atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{lat: make([]time.Duration, 0, 4096)}
		workers[i] = w
		c := r.cs[i%len(r.cs)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if limit > 0 && issued.Add(1) > limit {
					return
				}
				if d, ok := r.one(ctx, c, w, &buf); ok {
					w.ok++
					w.lat = append(w.lat, d)
				}
			}
		}()
	}
	wg.Wait()
	return workers
}

// Run puts op on the server: one checked request (a wrong password or id
// fails at once), the warm-up, then the measured interval.
func Run(ctx context.Context, c *Client, op *Op, o RunOptions) (*Result, error) {
	switch {
	case o.Clients < 1 || o.Clients > MaxClients:
		return nil, fmt.Errorf("clients must be 1..%d", MaxClients)
	case o.Duration <= 0 || o.Duration > MaxDuration || o.Warmup < 0 || o.Warmup > MaxDuration:
		return nil, fmt.Errorf("duration and warm-up must be at most %s (and the duration positive)", MaxDuration)
	}
	r := &runner{cs: append([]*Client{c}, o.More...), op: op}
	var probe worker
	var buf bytes.Buffer
	for _, c := range r.cs {
		if _, ok := r.one(ctx, c, &probe, &buf); !ok {
			return nil, fmt.Errorf("first %s: %s", op.Name, probe.firstErr)
		}
	}
	servers := o.MoreServers
	if o.Server != nil {
		servers = append([]*ServerProbe{o.Server}, servers...)
	}
	if o.Warmup > 0 {
		r.phase(ctx, o.Clients, time.Now().Add(o.Warmup), 0)
	}
	before, err := readAll(ctx, servers)
	if err != nil {
		return nil, err
	}
	self0 := SelfCPU()
	start := time.Now()
	workers := r.phase(ctx, o.Clients, start.Add(o.Duration), o.Requests)
	elapsed := time.Since(start)
	self := SelfCPU() - self0
	after, err := readAll(ctx, servers)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := summarize(op.Name, o.Clients, elapsed, workers)
	res.ClientCPUMs, res.ServerCPUMs, res.ServerAllocs = -1, -1, -1
	if res.Requests > 0 {
		n := float64(res.Requests)
		res.ClientCPUMs = ms(self) / n
		if len(servers) > 0 {
			res.ServerCPUMs = ms(after.CPU-before.CPU) / n
			if after.Allocs >= 0 && before.Allocs >= 0 {
				res.ServerAllocs = float64(after.Allocs-before.Allocs) / n
			}
		}
	}
	return res, nil
}

// readAll is the servers' spending added up (Allocs -1 if any is unknown).
func readAll(ctx context.Context, servers []*ServerProbe) (Cost, error) {
	var sum Cost
	for _, p := range servers {
		c, err := p.Read(ctx)
		if err != nil {
			return Cost{}, err
		}
		sum.CPU += c.CPU
		if c.Allocs < 0 || sum.Allocs < 0 {
			sum.Allocs = -1
		} else {
			sum.Allocs += c.Allocs
		}
	}
	return sum, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summarize adds up the workers: counts, rate, latency percentiles.
func summarize(op string, clients int, elapsed time.Duration, workers []*worker) *Result {
	res := &Result{Op: op, Clients: clients, Seconds: elapsed.Seconds()}
	var all []time.Duration
	var bytesIn int64
	for _, w := range workers {
		res.Requests += w.ok
		res.HTTPErrors += w.httpErr
		res.TransportErrors += w.transErr
		res.BadBodies += w.badBdy
		bytesIn += w.bytes
		if res.FirstError == "" {
			res.FirstError = w.firstErr
		}
		all = append(all, w.lat...)
	}
	res.Errors = res.HTTPErrors + res.TransportErrors + res.BadBodies
	res.RPS = float64(res.Requests) / elapsed.Seconds()
	if len(all) == 0 {
		return res
	}
	slices.Sort(all)
	var total time.Duration
	for _, d := range all {
		total += d
	}
	res.MeanMs = ms(total / time.Duration(len(all)))
	res.P50Ms, res.P90Ms, res.P99Ms = ms(Percentile(all, 0.50)), ms(Percentile(all, 0.90)), ms(Percentile(all, 0.99))
	res.MaxMs = ms(all[len(all)-1])
	res.BytesPerReply = bytesIn / int64(len(all))
	return res
}

// Percentile is the nearest-rank p-quantile (0 < p ≤ 1) of sorted.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
