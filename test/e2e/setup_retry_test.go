package e2e

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// TestGatewayStartsAgainWhenItsPortIsTaken hands shoal, on its first
// start, an admin port that a stranger already holds: a server answering
// 200 to everything, /readyz included. Shoal must fail to bind, be started
// again on new ports, and the test must then talk to shoal, not the
// stranger.
func TestGatewayStartsAgainWhenItsPortIsTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stranger := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("stranger"))
	})}
	go func() { _ = stranger.Serve(l) }()
	t.Cleanup(func() { _ = stranger.Close() })
	taken := l.Addr().(*net.TCPAddr).Port

	backend := named(t, "backend", 0)
	g := newGateway(t, "services:\n  web: {endpoints: ["+backend.URL+"]}\nroutes:\n  - {service: web}\n")
	var picks [][]int
	g.pick = func(n int) ([]int, error) {
		ports, err := freeport.Ports(n)
		if err == nil && len(picks) == 0 {
			ports[1] = taken // the admin port
		}
		picks = append(picks, ports)
		return ports, err
	}
	g.start(t)
	if len(picks) != 2 || picks[1][1] == taken || g.admin == l.Addr().String() {
		t.Fatalf("ports handed out %v, admin %s: want the occupied %d once, then new ones", picks, g.admin, taken)
	}
	if _, body := get(t, "http://"+g.admin+"/api/services"); !strings.Contains(body, `"web"`) {
		t.Errorf("the admin API does not list the configured service: %s", body)
	}
	if _, body := get(t, "http://"+g.listen+"/"); body != "backend" {
		t.Errorf("the gateway answered %q, want the backend's answer", body)
	}
}
