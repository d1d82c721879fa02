package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// Every metric the gateway exports, including those read at scrape time,
// follows Prometheus naming conventions.
func TestAllMetricNamesLint(t *testing.T) {
	o := origin(t, "x", 0)
	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeConfig(t, path, o.URL, "")
	// Resilience settings make the service export its breaker and bulkhead.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "s: {endpoints: ["+o.URL+"]}", "s: {endpoints: ["+o.URL+"], circuit_breaker: {consecutive_failures: 5}, bulkhead: {max_concurrent: 10}}", 1))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, path)
	if code, _ := get(t, "http://"+a.PublicAddrs()[0]+"/"); code != 200 {
		t.Fatalf("request: %d", code)
	}
	fams, err := a.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fams {
		seen[f.GetName()] = true
	}
	for _, want := range []string{"shoal_service_instances", "shoal_autoscaler_desired_instances", "shoal_http_requests_total", "shoal_config_reloads_total",
		"shoal_circuit_breaker_open", "shoal_circuit_breaker_transitions_total", "shoal_bulkhead_active_requests", "shoal_bulkhead_rejected_total"} {
		if !seen[want] {
			t.Errorf("%s is not exported", want)
		}
	}
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "shoal_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}
