package gateway

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/shoal-gw/shoal/internal/telemetry/grafanacheck"
	"github.com/shoal-gw/shoal/internal/upstream"
)

func TestFallbackFaultAndIdempotencyAreCounted(t *testing.T) {
	o := countingOrigin(t, status(201))
	g, m := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
  down: {endpoints: [%s]}
routes:
  - name: orders
    match: {path_prefix: /orders}
    service: api
    idempotency: {ttl: 1m}
    fault: {abort: {status: 418, header: X-Abort}, delay: {duration: 1ms, header: X-Delay}}
  - name: comments
    match: {path_prefix: /comments}
    service: down
    fallback: {body: "[]"}
`, o.srv.URL, deadURL(t)))
	key := map[string]string{"Idempotency-Key": "k"}
	do(g, "POST", "/orders", "o", key)
	do(g, "POST", "/orders", "o", key)
	do(g, "POST", "/orders", "o", key)
	do(g, "GET", "/orders", "", map[string]string{"X-Abort": "1"})
	do(g, "GET", "/orders", "", map[string]string{"X-Delay": "1"})
	for range 3 {
		if w := do(g, "GET", "/comments", "", nil); w.Body.String() != "[]" {
			t.Fatalf("fallback: %d %q", w.Code, w.Body.String())
		}
	}
	reg := m.Registry
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"shoal_idempotency_replays_total", map[string]string{"route": "orders"}, 2},
		{"shoal_idempotency_waits_total", map[string]string{"route": "orders"}, 0},
		{"shoal_faults_injected_total", map[string]string{"route": "orders", "fault": "abort"}, 1},
		{"shoal_faults_injected_total", map[string]string{"route": "orders", "fault": "delay"}, 1},
		{"shoal_fallbacks_total", map[string]string{"route": "comments", "reason": "gateway_error"}, 3},
		{"shoal_fallbacks_total", map[string]string{"route": "comments", "reason": "timeout"}, 0},
	} {
		if got := metricValue(t, reg, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// The admin view of a service shows its routes' counters.
	api, _ := g.Resilience("api")
	if r := api.Routes["orders"]; r.IdempotentReplays != 2 || r.IdempotencyKeys != 1 || r.FaultAborts != 1 || r.FaultDelays != 1 {
		t.Errorf("admin view of orders: %+v", r)
	}
	down, _ := g.Resilience("down")
	if r := down.Routes["comments"]; r.Fallbacks["gateway_error"] != 3 {
		t.Errorf("admin view of comments: %+v", r)
	}
	// Every name follows the Prometheus conventions.
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestPruneDropsStateOfRemovedServicesRoutesAndEndpoints(t *testing.T) {
	a := countingOrigin(t, status(200))
	b := countingOrigin(t, status(200))
	full := fmt.Sprintf(`
services:
  api:
    endpoints: [%[1]s, %[2]s]
    endpoint_circuit_breaker: {consecutive_failures: 3}
    bulkhead: {max_concurrent: 10}
  old:
    endpoints: [%[1]s]
    circuit_breaker: {consecutive_failures: 3}
routes:
  - name: main
    match: {path_prefix: /api}
    service: api
    bulkhead: {max_concurrent: 5}
    retry: {hedge: {}}
  - name: legacy
    match: {path_prefix: /old}
    service: old
    idempotency: {ttl: 1m}
    fault: {abort: {status: 500, header: X-Abort}}
`, a.srv.URL, b.srv.URL)
	g, m := newGateway(t, full)
	for range 4 {
		do(g, "GET", "/api", "", nil)
	}
	do(g, "GET", "/old", "", map[string]string{"X-Abort": "1"})
	services, routes, endpoints := g.resilienceCounts()
	if services != 2 || routes != 4 || endpoints != 2 {
		t.Fatalf("before: %d services, %d route states, %d endpoint breakers", services, routes, endpoints)
	}
	addr := a.srv.Listener.Addr().String()
	if v := metricValue(t, m.Registry, "shoal_endpoint_circuit_breaker_open", map[string]string{"endpoint": addr}); v != 0 {
		t.Fatalf("endpoint breaker series: %v", v)
	}
	if v := metricValue(t, m.Registry, "shoal_faults_injected_total", map[string]string{"route": "legacy", "fault": "abort"}); v != 1 {
		t.Fatalf("fault series: %v", v)
	}

	// The legacy route and its service go, and api loses an endpoint.
	cfg := parse(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%[2]s]
    endpoint_circuit_breaker: {consecutive_failures: 3}
    bulkhead: {max_concurrent: 10}
routes:
  - name: main
    match: {path_prefix: /api}
    service: api
    bulkhead: {max_concurrent: 5}
    retry: {hedge: {}}
`, a.srv.URL, b.srv.URL))
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	services, routes, endpoints = g.resilienceCounts()
	if services != 1 || routes != 2 || endpoints != 1 {
		t.Fatalf("after: %d services, %d route states, %d endpoint breakers", services, routes, endpoints)
	}
	if _, ok := g.Resilience("old"); ok {
		t.Fatal("the removed service still has resilience state")
	}
	for name, labels := range map[string]map[string]string{
		"shoal_endpoint_circuit_breaker_open": {"endpoint": addr},
		"shoal_faults_injected_total":         {"route": "legacy"},
		"shoal_idempotency_replays_total":     {"route": "legacy"},
	} {
		if v := metricValue(t, m.Registry, name, labels); v != -1 {
			t.Errorf("%s%v still exported: %v", name, labels, v)
		}
	}

	// An endpoint that leaves through the registry loses its breaker too.
	c := countingOrigin(t, status(200))
	if err := g.SetSourceTargets("api", "registry", []upstream.Target{{Address: c.srv.URL}}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		do(g, "GET", "/api", "", nil)
	}
	if _, _, endpoints = g.resilienceCounts(); endpoints != 2 {
		t.Fatalf("with the registered endpoint: %d breakers", endpoints)
	}
	if err := g.SetSourceTargets("api", "registry", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, endpoints = g.resilienceCounts(); endpoints != 1 {
		t.Fatalf("after deregistration: %d breakers", endpoints)
	}
}

func TestFallbackServiceGetsALargeBody(t *testing.T) {
	// The primary reads part of the body and then breaks the connection,
	// so the fallback needs the consumed part from the copy and the rest
	// from the client.
	primary := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, 3<<20)
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
	})
	var got []byte
	backup := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		fmt.Fprintf(w, "backup got %d", len(got))
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  main: {endpoints: [%s]}
  backup: {endpoints: [%s]}
routes:
  - service: main
    fallback: {service: backup}
`, primary.srv.URL, backup.srv.URL))
	srv := httptest.NewServer(g)
	defer srv.Close()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	body := make([]byte, 8<<20)
	for i := range body {
		body[i] = byte(i * 7)
	}
	resp, err := http.Post(srv.URL+"/upload", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Shoal-Fallback") == "" || sha256.Sum256(got) != sha256.Sum256(body) {
		t.Fatalf("%d %q fallback %q: backup got %d bytes of %d", resp.StatusCode, msg, resp.Header.Get("Shoal-Fallback"), len(got), len(body))
	}
	// The spill file is gone once the request is over.
	left, _ := filepath.Glob(filepath.Join(tmp, "shoal-fallback-body-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatal(err)
	}
}

// The resilience dashboard (deploy/grafana/shoal-resilience.json) only
// queries metrics the gateway exports, so renaming one cannot silently
// empty a panel. (deploy/grafana/shoal.json is checked by telemetry.)
func TestResilienceDashboardUsesExportedMetrics(t *testing.T) {
	// A config that makes every resilience series exist.
	o := countingOrigin(t, status(200))
	o2 := countingOrigin(t, status(200))
	g, m := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s, %s]
    endpoint_circuit_breaker: {consecutive_failures: 3}
routes:
  - service: api
    retry: {hedge: {}}
    idempotency: {ttl: 1m}
    fault: {abort: {status: 500, header: X-Abort}}
    fallback: {body: "x"}
`, o.srv.URL, o2.srv.URL))
	if w := do(g, "GET", "/", "", nil); w.Code != 200 {
		t.Fatalf("got %d", w.Code)
	}
	grafanacheck.Check(t, "../../deploy/grafana/shoal-resilience.json", m.Registry, 6)
}
