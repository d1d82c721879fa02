//go:build cachetests

package cachetests

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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
		// The origin logs every request it serves; its start, where a
		// bind error is, is all the port check needs to keep.
		head := &headBuffer{max: 64 << 10}
		cmd.Stdout = io.MultiWriter(os.Stderr, head)
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting the cache-tests origin (is node installed?): %w", err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		stop := func() { _ = cmd.Process.Kill(); <-done }
		child := freeport.Child{
			Pid: cmd.Process.Pid,
			// Not an *os.File: Wait returns once exec's copier is done, so
			// an exited origin has all its output in head.
			Exited: func() bool {
				select {
				case <-done:
					return true
				default:
					return false
				}
			},
			Output: head.Bytes,
		}
		if err := freeport.Await(child, ports, 10*time.Second); err != nil {
			stop()
			return fmt.Errorf("the cache-tests origin on %s: %w", addr, err)
		}
		t.Cleanup(stop)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// headBuffer keeps the first max bytes written to it and drops the rest.
type headBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.b.Len(); room > 0 {
		h.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (h *headBuffer) Bytes() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return bytes.Clone(h.b.Bytes())
}
