//go:build !linux

package loadgen

import (
	"errors"
	"os/exec"
)

var errIsolate = errors.New("-isolate needs Linux (CPU affinity)")

func splitCPUs() (server, clients []int, err error) { return nil, nil, errIsolate }
func startOn(cmd *exec.Cmd, cpus []int) error       { return errIsolate }
func runOn(cpus []int) error                        { return errIsolate }
