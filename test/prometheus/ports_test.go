package prometheus

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// takenFirst is a port picker whose first answer includes a port another
// listener holds (the clash the harness recovers from); later answers are
// freeport.Ports. calls counts the answers.
func takenFirst(t *testing.T, calls *int) (pick func(n int) ([]int, error), taken int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	taken = l.Addr().(*net.TCPAddr).Port
	return func(n int) ([]int, error) {
		*calls++
		ports, err := freeport.Ports(n)
		if err == nil && *calls == 1 {
			ports[0] = taken
		}
		return ports, err
	}, taken
}

// TestPrometheusStartsAgainWhenItsPortIsTaken: Prometheus handed a taken
// port says so ("bind: address already in use") and exits; the harness
// recognises that and starts it again on a new port, where it serves.
func TestPrometheusStartsAgainWhenItsPortIsTaken(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed: run scripts/install-deps.sh (apt package prometheus)")
	}
	dir := t.TempDir()
	calls := 0
	pick, taken := takenFirst(t, &calls)
	addr := startListening(t, prom, 1, pick, func(addrs []string) ([]string, error) {
		return []string{"--config.file=/dev/null", "--storage.tsdb.path=" + filepath.Join(dir, "tsdb-"+strconv.Itoa(calls)),
			"--web.listen-address=" + addrs[0]}, nil
	})[0]
	if calls != 2 || addr == "127.0.0.1:"+strconv.Itoa(taken) {
		t.Fatalf("prometheus listens on %s after %d attempts; want a second attempt off the taken port %d", addr, calls, taken)
	}
	waitOK(t, "http://"+addr+"/-/ready")
}
