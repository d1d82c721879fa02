//go:build cachetests

package cachetests

import (
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// TestOriginStartsAgainWhenItsPortIsTaken: node handed a taken port fails
// with "EADDRINUSE: address already in use"; the harness recognises that
// and starts the origin again on a new port, where it answers HTTP.
func TestOriginStartsAgainWhenItsPortIsTaken(t *testing.T) {
	if _, err := os.Stat(suiteDir); err != nil {
		t.Fatalf("the cache-tests suite is not installed (run: cd test/cachetests && npm ci): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	calls := 0
	pick := func(n int) ([]int, error) {
		calls++
		ports, err := freeport.Ports(n)
		if err == nil && calls == 1 {
			ports[0] = l.Addr().(*net.TCPAddr).Port
		}
		return ports, err
	}
	addr := startOrigin(t, pick)
	if calls != 2 || addr == l.Addr().String() {
		t.Fatalf("origin on %s after %d attempts; want a second attempt off the taken %s", addr, calls, l.Addr())
	}
	// The taken listener never answers; only the origin can.
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("the origin does not answer on %s: %v", addr, err)
	}
	resp.Body.Close()
}
