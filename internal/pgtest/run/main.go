// Command run starts a throwaway PostgreSQL cluster (package pgtest), runs
// a command with the cluster's URL in CMISD_TEST_PG, stops the cluster
// and exits as the command did:
//
//	go run ./internal/pgtest/run -- go test ./storage
//
// make test runs its tests under it. The cluster is stopped and removed
// whatever the command's outcome, and on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/cmisd/cmisd/internal/pgtest"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: run [--] COMMAND [ARG…]")
		os.Exit(2)
	}
	os.Exit(run(args))
}

func run(args []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	start := time.Now()
	c, err := pgtest.Start(ctx, "")
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: start a PostgreSQL cluster:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL cluster in %s, up in %s\n", c.Dir, time.Since(start).Round(time.Millisecond))
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stop:", err)
		}
	}()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), pgtest.URLVar+"="+c.URL)
	// A signal goes on to the command; run waits for it and stops the
	// cluster after.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if exit.ExitCode() < 0 {
			return 1
		}
		return exit.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "pgtest:", err)
	return 1
}
