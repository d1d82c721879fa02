package prometheus

import (
	"os/exec"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// startProc starts name with args, its output in a log file that the
// test prints when it fails; the process is killed when the test ends.
func startProc(t *testing.T, name string, args ...string) *freeport.Proc {
	t.Helper()
	p, err := freeport.Start(exec.Command(name, args...), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p
}

// startListening starts the program name with the arguments args makes
// from n loopback addresses that pick chooses (freeport.Ports but in the
// test of the retry), and returns those addresses once the process itself
// listens on all of them, started again on new ones when one was taken
// first (freeport.Listen).
func startListening(t *testing.T, name string, n int, pick func(n int) ([]int, error), args func(addrs []string) ([]string, error)) []string {
	t.Helper()
	_, ports, err := freeport.Listen(n, pick, 30*time.Second, func(ports []int) (*freeport.Proc, error) {
		flags, err := args(freeport.Addrs(ports))
		if err != nil {
			return nil, err
		}
		return startProc(t, name, flags...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return freeport.Addrs(ports)
}
