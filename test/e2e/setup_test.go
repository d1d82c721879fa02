package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// portAttempts bounds how often shoal is started again after a port chosen
// for it was taken by another process first.
const portAttempts = 5

// pickPorts chooses n loopback ports; freeport.Ports unless a test of the
// retry hands out an occupied one.
type pickPorts func(n int) ([]int, error)

// startListening starts shoal with the arguments args makes from n
// loopback addresses chosen for it and returns once the shoal process
// itself listens on all of them. The addresses can be taken by another
// process between choosing and binding (test binaries run side by side);
// shoal then exits with "address already in use" and is started again on
// new addresses. Waiting for shoal's own sockets rather than for an answer
// keeps a stranger on the port from passing for shoal.
func startListening(t *testing.T, n int, pick pickPorts, args func(addrs []string) []string) (*freeport.Proc, []string) {
	t.Helper()
	var p *freeport.Proc
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
		p = start(t, args(addrs)...)
		if err := freeport.Await(p.Child(), ports, 10*time.Second); err != nil {
			p.Kill()
			return fmt.Errorf("shoal on %v: %w\n%s", addrs, err, p.Output())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, addrs
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
