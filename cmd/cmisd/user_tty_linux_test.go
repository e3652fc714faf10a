package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo-terminal's two ends.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// typeAtPrompts runs cmisd on a terminal and answers each prompt once
// the terminal has stopped echoing. It returns what the terminal showed
// and the exit code.
func typeAtPrompts(t *testing.T, args []string, prompts, answers []string) (string, int) {
	t.Helper()
	master, tty := openPTY(t)
	var mu sync.Mutex
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 256)
		for {
			n, err := master.Read(b)
			mu.Lock()
			screen.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string {
		mu.Lock()
		defer mu.Unlock()
		return screen.String()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the terminal shows %q", what, shown())
			}
		}
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i, answer := range answers {
		waitFor("prompt "+prompts[i], func() bool { return strings.Count(shown(), prompts[i]) == 1 })
		// The prompt comes before echo is turned off: typing at once
		// could be echoed still.
		waitFor("echo off", func() bool {
			tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			return err == nil && tio.Lflag&unix.ECHO == 0
		})
		if _, err := master.Write([]byte(answer + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	err := cmd.Wait()
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
	}
	// With the last terminal end closed, the master reads what is left, then fails.
	tty.Close()
	<-done
	return shown(), code
}

func TestUserPasswordPrompt(t *testing.T) {
	data := t.TempDir()
	prompts := []string{"Password for erin: ", "Again: "}
	screen, code := typeAtPrompts(t, []string{"user", "add", "erin", "--data", data}, prompts,
		[]string{"typed-without-echo", "typed-without-echo"})
	if code != 0 {
		t.Fatalf("user add at a terminal: exit %d\n%s", code, screen)
	}
	if strings.Contains(screen, "typed-without-echo") {
		t.Fatalf("the password was echoed: %q", screen)
	}
	screen, code = typeAtPrompts(t, []string{"user", "passwd", "erin", "--password-stdin", "--data", data}, prompts,
		[]string{"first-attempt-typed", "second-attempt-typed"})
	if code != 1 || !strings.Contains(screen, "the two passwords differ") {
		t.Fatalf("different passwords at the two prompts: exit %d %q", code, screen)
	}
	addr, _ := startServe(t, nil, "--data", data, "--admin-password", "admin-password")
	if code, body := call(t, http.DefaultClient, "http://"+addr, "erin", "typed-without-echo"); code != 200 {
		t.Fatalf("the password typed at the prompt: %d %s", code, body)
	}
}
