// Package grafanacheck lets tests check that a shipped Grafana dashboard
// queries only metrics the gateway exports, so renaming a metric cannot
// silently empty a panel.
package grafanacheck

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var metricName = regexp.MustCompile(`\bshoal_[a-z_]+`)

// Check fails t when a panel of the dashboard at path queries a shoal_
// metric that g does not gather (a histogram counts with its _bucket, _sum
// and _count series), or when fewer than min metric references are found
// (the extractor or the dashboard lost its panels). Touch every vector
// before calling, so that it appears in the gathered families.
func Check(t testing.TB, path string, g prometheus.Gatherer, min int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s is not valid JSON: %v", path, err)
	}
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range families {
		known[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			known[f.GetName()+"_bucket"] = true
			known[f.GetName()+"_sum"] = true
			known[f.GetName()+"_count"] = true
		}
	}
	checked := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, n := range metricName.FindAllString(tg.Expr, -1) {
				checked++
				if !known[n] {
					t.Errorf("%s: panel %q queries %s, which the gateway does not export", path, p.Title, n)
				}
			}
		}
	}
	if checked < min {
		t.Fatalf("%s: only %d metric references found, want at least %d; the dashboard lost its panels?", path, checked, min)
	}
}
