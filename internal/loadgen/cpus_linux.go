package loadgen

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// splitCPUs divides the CPUs this process may run on in two: the first
// half for the server, the rest for the load generator.
func splitCPUs() (server, clients []int, err error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, nil, fmt.Errorf("affinity: %w", err)
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	if len(cpus) < 2 {
		return nil, nil, fmt.Errorf("-isolate needs at least 2 CPUs, this process may use %d", len(cpus))
	}
	return cpus[:len(cpus)/2], cpus[len(cpus)/2:], nil
}

func cpuSet(cpus []int) *unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return &set
}

// startOn starts cmd restricted to cpus. A child inherits the affinity of
// the thread that forks it, and the calling goroutine's thread forks it
// (os/exec), so that thread is locked and restricted for the start, and
// given its own back after.
func startOn(cmd *exec.Cmd, cpus []int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		return fmt.Errorf("affinity: %w", err)
	}
	if err := unix.SchedSetaffinity(0, cpuSet(cpus)); err != nil {
		return fmt.Errorf("affinity: %w", err)
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &own); rerr != nil && err == nil {
		err = fmt.Errorf("affinity: %w", rerr)
	}
	return err
}

// runOn restricts every thread of this process to cpus; threads it
// makes later inherit the restriction from the ones that make them. A
// thread made while runOn runs, by one not yet restricted, is not in the
// list runOn read: so it reads the list again until it finds no thread it
// has not restricted.
func runOn(cpus []int) error {
	set := cpuSet(cpus)
	done := map[int]bool{}
	for {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		found := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			found, done[tid] = true, true
			if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("affinity of thread %d: %w", tid, err)
			}
		}
		if !found {
			return nil
		}
	}
}
