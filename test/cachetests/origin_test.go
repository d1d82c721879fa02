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

// portAttempts bounds how often the origin is started again after the
// port chosen for it was taken by another process first.
const portAttempts = 5

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
	var addr string
	err = freeport.Retry(portAttempts, func() error {
		ports, err := pick(1)
		if err != nil {
			return err
		}
		addr = fmt.Sprintf("127.0.0.1:%d", ports[0])
		cmd := exec.Command("node", "--import", loop, "server/server.mjs")
		cmd.Dir = suiteDir
		cmd.Env = append(os.Environ(), "npm_config_protocol=http", fmt.Sprintf("npm_config_port=%d", ports[0]),
			"npm_config_pidfile="+filepath.Join(t.TempDir(), "server.pid"))
		// The log file, not a buffer in this process: the origin can log
		// every request it serves (the suite's "dump" option) during a
		// run of minutes, and a file holds that without growing memory.
		p, err := freeport.Start(cmd, t.TempDir())
		if err != nil {
			return fmt.Errorf("the cache-tests origin (is node installed?): %w", err)
		}
		t.Cleanup(func() {
			p.Kill()
			if t.Failed() {
				t.Logf("cache-tests origin output:\n%s", p.Output())
			}
		})
		if err := freeport.Await(p.Child(), ports, 10*time.Second); err != nil {
			p.Kill()
			return fmt.Errorf("the cache-tests origin on %s: %w\n%s", addr, err, p.Output())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
