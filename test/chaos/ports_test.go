package chaos

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// TestToxiproxyStartsAgainWhenItsPortIsTaken: toxiproxy-server handed a
// taken port logs "address already in use" and keeps running without its
// API; the harness recognises that, stops it, and starts it again on a
// new port, which the new server itself holds and answers on.
func TestToxiproxyStartsAgainWhenItsPortIsTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	calls := 0
	pick := func(n int) ([]int, error) {
		calls++
		ports, err := freeport.Ports(n)
		if err == nil && calls == 1 {
			ports[0] = taken
		}
		return ports, err
	}
	srv, err := startToxiproxy(pick)
	if err != nil {
		t.Fatalf("starting toxiproxy with its first port taken: %v", err)
	}
	defer srv.stop()
	port, err := strconv.Atoi(srv.api[strings.LastIndex(srv.api, ":")+1:])
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || port == taken {
		t.Fatalf("toxiproxy on port %d after %d attempts; want a second attempt off the taken port %d", port, calls, taken)
	}
	if held, err := freeport.Held(srv.proc.Pid(), port); !held || err != nil {
		t.Fatalf("toxiproxy does not hold its port %d: %v, %v", port, held, err)
	}
	resp, err := http.Get(srv.api + "/version")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /version: %s", resp.Status)
	}
}
