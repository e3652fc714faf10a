package loadgen

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// allowedCPUs is the Cpus_allowed_list of /proc/<pid>[/task/<tid>]/status.
func allowedCPUs(t *testing.T, proc string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + proc + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Cpus_allowed_list in /proc/%s/status", proc)
	return ""
}

// TestCPUPlacement holds -isolate's two halves to their CPUs: the child
// startOn starts runs on its CPU alone and the starting thread gets its
// own CPUs back; runOn restricts every thread of the process.
func TestCPUPlacement(t *testing.T) {
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		t.Fatal(err)
	}
	var all []int
	for i := 0; i < len(own)*64; i++ {
		if own.IsSet(i) {
			all = append(all, i)
		}
	}
	first, last := all[0], all[len(all)-1]
	before := allowedCPUs(t, "self")

	cmd := exec.Command("sleep", "30")
	if err := startOn(cmd, []int{first}); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if got := allowedCPUs(t, strconv.Itoa(cmd.Process.Pid)); got != strconv.Itoa(first) {
		t.Errorf("the child may run on CPUs %s, want %d", got, first)
	}
	if got := allowedCPUs(t, "self"); got != before {
		t.Errorf("after the start this process may run on CPUs %s, want %s as before", got, before)
	}

	if err := runOn([]int{last}); err != nil {
		t.Fatal(err)
	}
	defer runOn(all)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if got := allowedCPUs(t, "self/task/"+task.Name()); got != strconv.Itoa(last) {
			t.Errorf("thread %s may run on CPUs %s, want %d", task.Name(), got, last)
		}
	}
}
