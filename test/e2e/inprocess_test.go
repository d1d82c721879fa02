package e2e

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/app"
)

// lockedBuffer collects the in-process gateway's log for a failing test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startApp runs a gateway in this process from a config whose services and
// routes are given (the listeners are on 127.0.0.1 port 0 and the state
// directory is temporary), with the autoscaling policies' time constants
// multiplied by timeScale: the tests compress time, and the shoal binary
// has no switch for that. The instances are still real processes. It
// returns the public and admin addresses; Cleanup shuts everything down.
func startApp(t *testing.T, servicesAndRoutes string, timeScale float64) (listen, admin string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "shoal.yaml")
	writeFile(t, path, "listen: [127.0.0.1:0]\nadmin: 127.0.0.1:0\nstate_dir: "+filepath.Join(dir, "state")+"\n"+servicesAndRoutes)
	logs := &lockedBuffer{}
	a, err := app.New(app.Options{ConfigPath: path, LogOutput: logs, AccessOutput: io.Discard, TimeScale: timeScale})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("starting the gateway: %v\n%s", err, logs)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer scancel()
		if err := a.Shutdown(sctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		cancel()
		if t.Failed() {
			t.Logf("gateway log:\n%s", logs)
		}
	})
	return a.PublicAddrs()[0], a.AdminAddr()
}
