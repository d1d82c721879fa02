package gateway

import (
	"fmt"
	"net"
	"testing"

	"github.com/shoal-gw/shoal/internal/config"
)

func TestReloadDropsSeriesOfRemovedRoutes(t *testing.T) {
	a := countingOrigin(t, status(200))
	b := countingOrigin(t, status(200))
	routes := `
  - name: main
    match: {path_prefix: /api}
    service: api
  - name: moved
    match: {path_prefix: /moved}
    service: %s`
	full := fmt.Sprintf(`
services:
  api: {endpoints: [%[1]s]}
  other: {endpoints: [%[2]s]}
routes:`+routes+`
  - name: legacy
    match: {path_prefix: /old}
    service: other
`, a.srv.URL, b.srv.URL, "api")
	g, m := newGateway(t, full)
	for _, path := range []string{"/api", "/api", "/moved", "/old"} {
		if rec := do(g, "GET", path, "", nil); rec.Code != 200 {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
	ok := func(route, service string) map[string]string {
		return map[string]string{"route": route, "service": service, "code_class": "2xx"}
	}
	for _, c := range []struct {
		route, service string
		n              float64
	}{{"main", "api", 2}, {"moved", "api", 1}, {"legacy", "other", 1}} {
		if v := metricValue(t, m.Registry, "shoal_http_requests_total", ok(c.route, c.service)); v != c.n {
			t.Fatalf("before: %s→%s counted %v, want %v", c.route, c.service, v, c.n)
		}
	}

	// legacy goes and moved now sends to other. A config that fails to
	// compile first resolves series for its routes; they go too.
	bad := parse(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - name: ghost
    match: {path_prefix: /ghost}
    service: api
  - name: broken
    match: {path_prefix: /x}
    service: api
`, a.srv.URL))
	applyFailing(t, g, bad, 1)
	cfg := parse(t, fmt.Sprintf(`
services:
  api: {endpoints: [%[1]s]}
  other: {endpoints: [%[2]s]}
routes:`+routes+"\n", a.srv.URL, b.srv.URL, "other"))
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []map[string]string{
		{"route": "legacy"}, {"route": "moved", "service": "api"}, {"route": "ghost"},
	} {
		for _, name := range []string{"shoal_http_requests_total", "shoal_http_request_duration_seconds"} {
			if v := metricValue(t, m.Registry, name, gone); v != -1 {
				t.Errorf("%s%v still exported after the reload", name, gone)
			}
		}
	}
	// The route that stayed keeps its count; the moved one counts afresh
	// under its new service.
	do(g, "GET", "/moved", "", nil)
	if v := metricValue(t, m.Registry, "shoal_http_requests_total", ok("main", "api")); v != 2 {
		t.Errorf("main→api after the reload: %v, want 2 (kept)", v)
	}
	if v := metricValue(t, m.Registry, "shoal_http_requests_total", ok("moved", "other")); v != 1 {
		t.Errorf("moved→other after the reload: %v, want 1", v)
	}
	if v := metricValue(t, m.Registry, "shoal_http_request_duration_seconds", map[string]string{"route": "main"}); v == -1 {
		t.Error("main's duration histogram was pruned")
	}
}

func TestReloadDropsSeriesOfRemovedServices(t *testing.T) {
	a := countingOrigin(t, status(200))
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	// api and flaky stay; gone and its route go.
	kept := `
  api: {endpoints: [%[1]s]}
  flaky: {endpoints: [%[2]s]}
routes:
  - name: main
    match: {path_prefix: /api}
    service: api
  - name: f
    match: {path_prefix: /f}
    service: flaky
`
	g, m := newGateway(t, fmt.Sprintf(`
services:
  gone: {endpoints: [%[2]s]}`+kept+`
  - name: legacy
    match: {path_prefix: /old}
    service: gone
`, a.srv.URL, deadURL))
	for path, want := range map[string]int{"/api": 200, "/f": 502, "/old": 502} {
		if rec := do(g, "GET", path, "", nil); rec.Code != want {
			t.Fatalf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	connect := func(service string) map[string]string {
		return map[string]string{"service": service, "kind": "upstream-connect-failed"}
	}
	flakyErrs := metricValue(t, m.Registry, "shoal_upstream_errors_total", connect("flaky"))
	if flakyErrs < 1 {
		t.Fatalf("flaky's connect errors before: %v, want at least 1", flakyErrs)
	}
	for _, s := range []string{"api", "flaky", "gone"} {
		for _, name := range []string{"shoal_http_requests_in_flight", "shoal_upstream_errors_total", "shoal_service_endpoints"} {
			if v := metricValue(t, m.Registry, name, map[string]string{"service": s}); v == -1 {
				t.Fatalf("before: %s{service=%q} not exported", name, s)
			}
		}
	}

	// A config that fails to compile first resolves the error counters
	// of its services; they go too.
	bad := parse(t, fmt.Sprintf(`
services:
  ghost: {endpoints: [%s]}
routes:
  - name: broken
    match: {path_prefix: /x}
    service: ghost
`, a.srv.URL))
	applyFailing(t, g, bad, 0)
	if v := metricValue(t, m.Registry, "shoal_upstream_errors_total", connect("ghost")); v == -1 {
		t.Fatal("the failed config resolved no series for ghost; the check below would prove nothing")
	}
	cfg := parse(t, fmt.Sprintf("\nservices:"+kept, a.srv.URL, deadURL))
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"gone", "ghost"} {
		for _, name := range []string{"shoal_http_requests_in_flight", "shoal_upstream_errors_total", "shoal_service_endpoints"} {
			if v := metricValue(t, m.Registry, name, map[string]string{"service": s}); v != -1 {
				t.Errorf("%s{service=%q} still exported after the reload", name, s)
			}
		}
	}
	// The services that stayed keep their series and counts.
	if v := metricValue(t, m.Registry, "shoal_upstream_errors_total", connect("flaky")); v != flakyErrs {
		t.Errorf("flaky's connect errors after the reload: %v, want %v (kept)", v, flakyErrs)
	}
	if v := metricValue(t, m.Registry, "shoal_service_endpoints", map[string]string{"service": "api", "state": "ready"}); v != 1 {
		t.Errorf("api's ready endpoints after the reload: %v, want 1", v)
	}
	for _, s := range []string{"api", "flaky"} {
		if v := metricValue(t, m.Registry, "shoal_http_requests_in_flight", map[string]string{"service": s}); v != 0 {
			t.Errorf("in-flight{service=%q} after the reload: %v, want 0 (exported, idle)", s, v)
		}
	}
}

// applyFailing applies cfg with its route i pointed at a service that does
// not exist (past the parser's check): compiling gets as far as resolving
// the other routes' series, then the config is refused.
func applyFailing(t *testing.T, g *Gateway, cfg *config.Config, i int) {
	t.Helper()
	cfg.Dynamic.Routes[i].Service = "nowhere"
	if err := g.Apply(cfg.File, &cfg.Dynamic); err == nil {
		t.Fatal("a route to an unknown service was accepted")
	}
}
