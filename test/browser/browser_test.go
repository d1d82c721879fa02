// Package browser runs the dashboard in a real browser: Debian's Chromium,
// driven by playwright-core from npm (pinned by package-lock.json).
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/app"
	"github.com/shoal-gw/shoal/internal/dashboard"
	"github.com/shoal-gw/shoal/internal/dashboard/dashboardtest"
)

const chromiumPath = "/usr/bin/chromium"

// Requests the Go side sends before the browser opens the page.
const (
	webRequests = 40
	apiRequests = 12
)

// TestDashboardOfRunningGateway starts a real gateway in-process (the App
// of `shoal run`) with two services backed by servers on 127.0.0.1: web on
// two healthy endpoints, api on one healthy endpoint and one that answers
// 503, with a retry and a per-endpoint circuit breaker. It sends a known
// number of requests, then dashboard.test.mjs checks in Chromium that the
// page shows what the admin API says (request counts and rates, instances,
// breaker states, events, traces), that the live stream moves the numbers
// when more requests arrive, and saves a screenshot.
//
// SHOAL_DASHBOARD_SCREENSHOT=PATH (relative to the repository root) saves
// the screenshot there, as docs/img/dashboard.png was made; by default it
// goes to a temporary directory.
func TestDashboardOfRunningGateway(t *testing.T) {
	node, dir := setup(t)
	web1, web2 := backend(t, http.StatusOK, 2*time.Millisecond), backend(t, http.StatusOK, 3*time.Millisecond)
	apiGood, apiBad := backend(t, http.StatusOK, 4*time.Millisecond), backend(t, http.StatusServiceUnavailable, time.Millisecond)

	tmp := t.TempDir()
	cfgPath := filepath.Join(tmp, "shoal.yaml")
	cfg := fmt.Sprintf(`listen: [127.0.0.1:0]
admin: 127.0.0.1:0
state_dir: %s
drain_timeout: 2s
tracing: {sample_ratio: 1}
log: {level: debug}
services:
  web:
    endpoints: [%s, %s]
  api:
    endpoints: [%s, %s]
    endpoint_circuit_breaker: {consecutive_failures: 3, open_for: 5m}
routes:
  - match: {path_prefix: /api}
    service: api
    retry: {attempts: 1, on: ["503"], base_backoff: 1ms, max_backoff: 2ms}
  - match: {path_prefix: /}
    service: web
`, filepath.Join(tmp, "state"), web1.URL, web2.URL, apiGood.URL, apiBad.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Options{ConfigPath: cfgPath, LogOutput: io.Discard, AccessOutput: io.Discard})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("app.Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = a.Shutdown(context.Background())
	})
	front, adminURL := "http://"+a.PublicAddrs()[0], "http://"+a.AdminAddr()

	for i := range webRequests {
		mustGet(t, fmt.Sprintf("%s/page/%d", front, i), http.StatusOK)
	}
	for i := range apiRequests {
		// Every answer is 200: a 503 from the bad endpoint is retried on
		// the good one until the bad one's breaker opens.
		mustGet(t, fmt.Sprintf("%s/api/items/%d", front, i), http.StatusOK)
	}

	expect, _ := json.Marshal(map[string]int{"web": webRequests, "api": apiRequests})
	runScript(t, node, dir, []string{"MODE=gateway", "EXPECT=" + string(expect), "FRONT=" + front},
		adminURL+"/", screenshotPath(t, dir))
}

// TestDashboardOverFakeSource keeps what the running gateway of the test
// above cannot show without starting processes: the autoscaler's side
// (instances starting and draining, desired counts, the forecast drawn past
// "now", scale events) and ejected endpoints, from the clock-driven fake.
func TestDashboardOverFakeSource(t *testing.T) {
	node, dir := setup(t)
	h, err := dashboard.New(dashboardtest.New(nil), dashboard.Options{Window: 3 * time.Minute})
	if err != nil {
		t.Fatalf("dashboard.New: %v", err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	// The trace and log panels read the admin API; a dashboard on its own
	// answers them empty.
	empty := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}
	mux.HandleFunc("GET /api/traces", empty)
	mux.HandleFunc("GET /api/logs", empty)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.RegisterOnShutdown(h.Close)
	srv.Start()
	t.Cleanup(func() { h.Close(); srv.Close() })

	shot := os.Getenv("SHOAL_FAKE_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "fake.png")
	}
	runScript(t, node, dir, []string{"MODE=fake"}, srv.URL+"/", shot)
	// The page must not keep the server busy after the browser left.
	if resp, err := http.Get(srv.URL + "/api/dashboard/snapshot"); err != nil {
		t.Fatalf("server unreachable after the browser test: %v", err)
	} else {
		_ = resp.Body.Close()
	}
}

func setup(t *testing.T) (node, dir string) {
	t.Helper()
	node = requireTools(t)
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	ensureModules(t, dir)
	return node, dir
}

func screenshotPath(t *testing.T, dir string) string {
	shot := os.Getenv("SHOAL_DASHBOARD_SCREENSHOT")
	if shot == "" {
		return filepath.Join(t.TempDir(), "dashboard.png")
	}
	if !filepath.IsAbs(shot) {
		shot = filepath.Join(dir, "..", "..", shot)
	}
	return shot
}

func runScript(t *testing.T, node, dir string, env []string, url, shot string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "dashboard.test.mjs", url, shot)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "CHROMIUM="+chromiumPath), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("dashboard.test.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or too small: %v", shot, err)
	}
}

// backend answers every request with status after delay, on 127.0.0.1.
func backend(t *testing.T, status int, delay time.Duration) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, strings.Repeat("x", 64))
	}))
	t.Cleanup(s.Close)
	return s
}

func mustGet(t *testing.T, url string, want int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, want)
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
