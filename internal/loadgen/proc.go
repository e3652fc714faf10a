package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ServerProbe reads what a server process has spent so far.
type ServerProbe struct {
	PID int // its process id on this machine (CPU time from /proc)
	// Debug is the base URL of cmisd's --debug-listen ("" for none);
	// its /debug/allocs counts the heap allocations.
	Debug string
}

// Cost is a server's spending so far.
type Cost struct {
	CPU    time.Duration // user + system
	Allocs int64         // heap allocations (objects); -1 unknown
}

// Read reads the server's CPU time and allocation count.
func (p *ServerProbe) Read(ctx context.Context) (Cost, error) {
	cpu, err := ProcCPU(p.PID)
	if err != nil {
		return Cost{}, err
	}
	c := Cost{CPU: cpu, Allocs: -1}
	if p.Debug != "" {
		if c.Allocs, err = ReadAllocs(ctx, p.Debug); err != nil {
			return Cost{}, err
		}
	}
	return c, nil
}

// ProcCPU is the user+system CPU time a process has used, from fields
// 14 and 15 of /proc/PID/stat (clock ticks; USER_HZ is 100 on Linux for
// every architecture Go runs on).
func ProcCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	// The command name may hold spaces and parentheses: count from the
	// last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	// After the command: state(0) … utime(11) stime(12).
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// SelfCPU is the CPU time this process has used.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Allocs is the answer of cmisd's /debug/allocs.
type Allocs struct {
	Objects int64 `json:"objects"` // heap allocations since start, as testing's allocs/op counts them
	Bytes   int64 `json:"bytes"`
}

// ReadAllocs reads the allocation counter of a cmisd debug listener
// (base: http://host:port).
func ReadAllocs(ctx context.Context, base string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/debug/allocs", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("allocation counter: %w", err)
	}
	defer resp.Body.Close()
	var a Allocs
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("allocation counter: %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil {
		return 0, fmt.Errorf("allocation counter: %w", err)
	}
	return a.Objects, nil
}
