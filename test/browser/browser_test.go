// Package browser runs the dashboard in a real browser: Debian's Chromium,
// driven by playwright-core from npm (pinned by package-lock.json).
package browser

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/dashboard"
	"github.com/shoal-gw/shoal/internal/dashboard/dashboardtest"
)

const chromiumPath = "/usr/bin/chromium"

// TestDashboardInChromium serves the dashboard over a fake source whose
// numbers change every second and runs dashboard.test.mjs against it.
// SHOAL_DASHBOARD_SCREENSHOT=PATH (relative to the repository root) saves the
// screenshot there, as docs/img/dashboard.png was made; by default it goes to
// a temporary directory.
func TestDashboardInChromium(t *testing.T) {
	node := requireTools(t)
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	ensureModules(t, dir)

	h, err := dashboard.New(dashboardtest.New(nil), dashboard.Options{Window: 3 * time.Minute})
	if err != nil {
		t.Fatalf("dashboard.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.RegisterOnShutdown(h.Close)
	srv.Start()
	t.Cleanup(func() { h.Close(); srv.Close() })

	shot := os.Getenv("SHOAL_DASHBOARD_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "dashboard.png")
	} else if !filepath.IsAbs(shot) {
		shot = filepath.Join(dir, "..", "..", shot)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "dashboard.test.mjs", srv.URL+"/", shot)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	out, err := cmd.CombinedOutput()
	t.Logf("dashboard.test.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or too small: %v", shot, err)
	}
	// The page must not keep the server busy after the browser left.
	if resp, err := http.Get(srv.URL + "/api/dashboard/snapshot"); err != nil {
		t.Fatalf("server unreachable after the browser test: %v", err)
	} else {
		_ = resp.Body.Close()
	}
}

// requireTools fails (never skips) when node or Chromium is missing: the
// browser test is part of the suite, and install-deps.sh provides both.
func requireTools(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: run scripts/install-deps.sh (it installs nodejs and chromium)")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found: run scripts/install-deps.sh (it installs chromium)", chromiumPath)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("npm not found: run scripts/install-deps.sh (it installs nodejs)")
	}
	return node
}

// ensureModules runs `npm ci` once, when node_modules is missing, so the
// exact playwright-core of package-lock.json is used.
func ensureModules(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in test/browser: %v\n%s", err, out)
	}
}
