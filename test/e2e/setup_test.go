package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// pickPorts chooses n loopback ports; freeport.Ports unless a test of the
// retry hands out an occupied one.
type pickPorts func(n int) ([]int, error)

// startListening starts shoal with the arguments args makes from n
// loopback addresses chosen for it and returns once the shoal process
// itself listens on all of them, starting it again on new addresses when
// one was taken first (freeport.Listen).
func startListening(t *testing.T, n int, pick pickPorts, args func(addrs []string) []string) (*freeport.Proc, []string) {
	t.Helper()
	p, ports, err := freeport.Listen(n, pick, 10*time.Second, func(ports []int) (*freeport.Proc, error) {
		return start(t, args(freeport.Addrs(ports))...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, freeport.Addrs(ports)
}

// gateway is `shoal run` on a config file that the helper writes: the
// listen, admin and state_dir lines are its own, the rest (services and
// routes) is the test's.
type gateway struct {
	*freeport.Proc
	listen, admin string // host:port of the public listener and the admin API
	path          string // the config file
	stateDir      string
	body          string
	pick          pickPorts
}

// runGateway starts shoal on a config of body (services and routes) and
// waits until its admin API is ready.
func runGateway(t *testing.T, body string) *gateway {
	t.Helper()
	g := newGateway(t, body)
	g.start(t)
	return g
}

// newGateway prepares a gateway without starting it.
func newGateway(t *testing.T, body string) *gateway {
	dir := t.TempDir()
	return &gateway{
		path: filepath.Join(dir, "shoal.yaml"), stateDir: filepath.Join(dir, "state"),
		body: body, pick: freeport.Ports,
	}
}

// start runs shoal on new ports, the config file rewritten with them, and
// waits until /readyz answers. A restart (after the test stopped the
// previous process) keeps the config and the state directory.
func (g *gateway) start(t *testing.T) {
	t.Helper()
	g.Proc, _ = startListening(t, 2, g.pick, func(addrs []string) []string {
		g.listen, g.admin = addrs[0], addrs[1]
		g.write(t)
		return []string{"run", "-c", g.path}
	})
	waitHTTP(t, "http://"+g.admin+"/readyz")
}

// reconfigure replaces the services and routes in the config file; the
// ports stay. The test then makes shoal reload it.
func (g *gateway) reconfigure(t *testing.T, body string) {
	t.Helper()
	g.body = body
	g.write(t)
}

func (g *gateway) write(t *testing.T) {
	t.Helper()
	writeFile(t, g.path, fmt.Sprintf("listen: [%s]\nadmin: %s\nstate_dir: %s\n%s", g.listen, g.admin, g.stateDir, g.body))
}
