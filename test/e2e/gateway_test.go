package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

func named(t *testing.T, name string, delay time.Duration) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestHelpAndVersion(t *testing.T) {
	code, out := runShoal(t, "help")
	for _, want := range []string{"run", "validate", "proxy", "sim", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("help does not list %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("help exit %d", code)
	}
	if code, out := runShoal(t, "version"); code != 0 || !strings.HasPrefix(out, "shoal ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out := runShoal(t, "frobnicate"); code != 2 || !strings.Contains(out, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, out)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, "listen: [127.0.0.1:8080]\nservices:\n  web: {endpoints: [http://127.0.0.1:9001]}\nroutes:\n  - {match: {path_prefix: /}, service: web}\n")
	if code, out := runShoal(t, "validate", "-c", good); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("good config: %d %q", code, out)
	}
	// A valid config whose settings will not do what they seem to passes
	// with a warning naming the line.
	warn := filepath.Join(dir, "warn.yaml")
	writeFile(t, warn, "services:\n  api:\n    endpoints: [http://127.0.0.1:9001]\n    scale: {min: 0, cold_start: 45s, wait_timeout: 30s}\nroutes:\n  - {service: api}\n")
	if code, out := runShoal(t, "validate", "-c", warn); code != 0 || !strings.Contains(out, warn+":4: warning: services.api.scale.wait_timeout") || !strings.Contains(out, "ok") {
		t.Errorf("config with a warning: %d %q", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "listen: [127.0.0.1:8080]\nservices:\n  web: {endpoints: [http://127.0.0.1:9001], balancr: {}}\nroutes:\n  - {match: {path_prefix: /}, service: api}\n")
	code, out := runShoal(t, "validate", "-c", bad)
	if code != 1 {
		t.Errorf("bad config exit %d", code)
	}
	for _, want := range []string{bad + ":3:", bad + ":5:"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunReloadAndDrain(t *testing.T) {
	one, two := named(t, "one", 0), named(t, "two", 0)
	slow := named(t, "slow", 700*time.Millisecond)
	cfg := func(to string) string {
		return fmt.Sprintf("services:\n  s: {endpoints: [%s]}\n  slow: {endpoints: [%s]}\nroutes:\n  - {match: {path_prefix: /slow}, service: slow}\n  - {service: s}\n", to, slow.URL)
	}
	g := runGateway(t, cfg(one.URL))
	adminAddr, front := g.admin, "http://"+g.listen
	if _, body := get(t, front+"/"); body != "one" {
		t.Fatalf("first answer %q", body)
	}

	// SIGHUP re-reads the file.
	g.reconfigure(t, cfg(two.URL))
	if err := g.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, body := get(t, front+"/"); body == "two" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reload did not take effect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A SIGHUP with an unchanged file still counts as a reload attempt.
	var before, after struct{ Generation int }
	_, body := get(t, "http://"+adminAddr+"/api/config/status")
	_ = json.Unmarshal([]byte(body), &before)
	_ = g.Signal(syscall.SIGHUP)
	deadline = time.Now().Add(5 * time.Second)
	for after.Generation <= before.Generation && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		_, body = get(t, "http://"+adminAddr+"/api/config/status")
		_ = json.Unmarshal([]byte(body), &after)
	}
	if after.Generation <= before.Generation || !strings.Contains(body, `"trigger": "signal"`) {
		t.Errorf("SIGHUP reload not recorded: %s", body)
	}
	if _, metrics := get(t, "http://"+adminAddr+"/metrics"); !strings.Contains(metrics, `shoal_http_requests_total{code_class="2xx",route="route-1",service="s"}`) {
		t.Errorf("request metric missing from /metrics")
	}

	// SIGTERM lets the in-flight request finish, then exits 0.
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(front + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	time.Sleep(200 * time.Millisecond)
	if err := g.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if body := <-got; body != "slow" {
		t.Errorf("in-flight request during SIGTERM got %q", body)
	}
	if err := waitExit(t, g.Proc, 10*time.Second); err != nil {
		t.Errorf("shoal exit after SIGTERM: %v", err)
	}
}

func TestProxyCommand(t *testing.T) {
	a, b := named(t, "a", 0), named(t, "b", 0)
	_, addrs := startListening(t, 1, freeport.Ports, func(addrs []string) []string {
		return []string{"proxy", "--listen", addrs[0], "--to", a.URL + "," + b.URL, "--quiet"}
	})
	listen := addrs[0]
	deadline := time.Now().Add(10 * time.Second)
	seen := map[string]int{}
	for len(seen) < 2 && time.Now().Before(deadline) {
		resp, err := http.Get("http://" + listen + "/")
		if err != nil {
			time.Sleep(25 * time.Millisecond)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		seen[string(body)]++
	}
	if seen["a"] == 0 || seen["b"] == 0 {
		t.Errorf("round robin over both upstreams expected, saw %v", seen)
	}
	if code, out := runShoal(t, "proxy", "--listen", "127.0.0.1:0"); code != 1 || !strings.Contains(out, "--to is required") {
		t.Errorf("proxy without --to: %d %q", code, out)
	}
}
