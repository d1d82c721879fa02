//go:build cachetests

package cachetests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// startOrigin runs the suite's origin on a loopback port that pick
// chooses (freeport.Ports but in the test of the retry) and returns its
// host:port once the node process itself listens there. The origin takes
// a port number, not a socket, so another process can bind the port
// before it does; node then fails with "EADDRINUSE: address already in
// use" and the origin is started again on a new port. Waiting for node's
// own socket, not for an answer, keeps a stranger on the port from
// passing for the origin.
func startOrigin(t *testing.T, pick func(n int) ([]int, error)) string {
	loop, err := filepath.Abs("force-loopback.mjs")
	if err != nil {
		t.Fatal(err)
	}
	_, ports, err := freeport.Listen(1, pick, 10*time.Second, func(ports []int) (*freeport.Proc, error) {
		cmd := exec.Command("node", "--import", loop, "server/server.mjs")
		cmd.Dir = suiteDir
		cmd.Env = append(os.Environ(), "npm_config_protocol=http", fmt.Sprintf("npm_config_port=%d", ports[0]),
			"npm_config_pidfile="+filepath.Join(t.TempDir(), "server.pid"))
		// The log file, not a buffer in this process: the origin can log
		// every request it serves (the suite's "dump" option) during a
		// run of minutes, and a file holds that without growing memory.
		p, err := freeport.Start(cmd, t.TempDir())
		if err != nil {
			return nil, fmt.Errorf("the cache-tests origin (is node installed?): %w", err)
		}
		t.Cleanup(func() {
			p.Kill()
			if t.Failed() {
				t.Logf("cache-tests origin output:\n%s", p.Output())
			}
		})
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return freeport.Addrs(ports)[0]
}
