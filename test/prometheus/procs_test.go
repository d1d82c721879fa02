package prometheus

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// portAttempts bounds how often one process is started again after a port
// chosen for it was taken by another process first; a clash needs someone
// to bind that very port within milliseconds, so one more try nearly
// always does.
const portAttempts = 5

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
// test of the retry), and returns those addresses
// once the process itself listens on all of them. The program takes
// port numbers, not sockets, so another process can bind a chosen port
// before it does; it then says "address already in use" and is started
// again on new ports. Waiting for the process's own sockets, not for an
// answer on the port, keeps a stranger on the port from passing for it.
func startListening(t *testing.T, name string, n int, pick func(n int) ([]int, error), args func(addrs []string) ([]string, error)) []string {
	t.Helper()
	var addrs []string
	err := freeport.Retry(portAttempts, func() error {
		ports, err := pick(n)
		if err != nil {
			return err
		}
		addrs = make([]string, n)
		for i, port := range ports {
			addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
		}
		flags, err := args(addrs)
		if err != nil {
			return err
		}
		p := startProc(t, name, flags...)
		if err := freeport.Await(p.Child(), ports, 30*time.Second); err != nil {
			p.Kill()
			return fmt.Errorf("%s on %v: %w\n%s", filepath.Base(name), addrs, err, p.Output())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return addrs
}
