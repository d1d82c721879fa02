//go:build cachetests

// Package cachetests runs the public HTTP cache-tests suite
// (https://cache-tests.fyi, npm http-cache-tests@0.4.5) against a Shoal
// gateway with caching on, in front of the suite's own origin server, and
// fails when a test that passed in baseline.json no longer passes.
//
//	cd test/cachetests && npm ci && go test -tags cachetests .
//	go test -tags cachetests . -update   # rewrite baseline.json
package cachetests

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

var update = flag.Bool("update", false, "write the results as the new baseline.json")

const suiteDir = "node_modules/http-cache-tests"

func TestCacheTestsSuite(t *testing.T) {
	if _, err := os.Stat(suiteDir); err != nil {
		t.Fatalf("the cache-tests suite is not installed (run: cd test/cachetests && npm ci): %v", err)
	}
	origin := startOrigin(t, freeport.Ports)
	gw := startGateway(t, origin)
	results := runSuite(t, gw)
	if err := os.WriteFile("results.json", results, 0o644); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("baseline.json", results, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	base, err := os.ReadFile("baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range regressions(t, base, results, checkTests(t)) {
		t.Errorf("cache-tests %s passed in baseline.json and fails now", id)
	}
}

// checkTests lists the suite's "check" tests: they record a behaviour
// (yes/no) without a right answer, so a change is not a regression.
func checkTests(t *testing.T) map[string]bool {
	script := `const m = await import('./tests/index.mjs'); const s = await import('./tests/surrogate-control.mjs');
const ids = [...m.default, s.default].flatMap(x => x.tests).filter(x => x.kind === 'check').map(x => x.id);
console.log(JSON.stringify(ids))`
	cmd := exec.Command("node", "--input-type=module", "-e", script)
	cmd.Dir = suiteDir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("listing the suite's check tests: %v", err)
	}
	var ids []string
	if err := json.Unmarshal(out, &ids); err != nil {
		t.Fatalf("listing the suite's check tests: %v", err)
	}
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// regressions lists the tests whose result was true in base and is not
// true in now. A result is true for a pass; anything else (false, an
// error array, a missing entry) is not a pass.
func regressions(t *testing.T, base, now []byte, skip map[string]bool) []string {
	var b, n map[string]any
	if err := json.Unmarshal(base, &b); err != nil {
		t.Fatalf("baseline.json: %v", err)
	}
	if err := json.Unmarshal(now, &n); err != nil {
		t.Fatalf("results: %v", err)
	}
	var out []string
	for id, v := range b {
		if v == true && n[id] != true && !skip[id] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// startGateway serves the origin through a gateway whose only route caches.
func startGateway(t *testing.T, origin string) string {
	yaml := fmt.Sprintf(`
services:
  origin: {endpoints: ["http://%s"]}
routes:
  - match: {path_prefix: /}
    service: origin
    cache: {}
`, origin)
	cfg, err := config.Parse("cachetests.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	g := gateway.New(gateway.Options{})
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv.URL
}

// runSuite runs the suite's CLI against base and returns its JSON results.
func runSuite(t *testing.T, base string) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--no-warnings", "cli.mjs")
	cmd.Dir = suiteDir
	cmd.Env = append(os.Environ(), "npm_config_base="+base, "npm_config_id=", "npm_package_config_id=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running the cache-tests CLI: %v", err)
	}
	return out.Bytes()
}
