package telemetry

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"
)

// The shipped Grafana dashboard must only query metrics the gateway
// exports, so renaming a metric cannot silently empty a panel.
func TestGrafanaDashboardUsesExistingMetrics(t *testing.T) {
	data, err := os.ReadFile("../../deploy/grafana/shoal.json")
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
		t.Fatalf("dashboard is not valid JSON: %v", err)
	}
	m := NewMetrics()
	// Touch every vector so it appears in Gather.
	m.Route("r", "s").End(200, 0.1)
	m.UpstreamError("s", "upstream-timeout").Inc()
	m.SetEndpoints("s", 1, 0)
	m.GatewayError("no_route").Inc()
	m.Route("r", "s").Begin()
	families, err := m.Registry.Gather()
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
	name := regexp.MustCompile(`\bshoal_[a-z_]+`)
	checked := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, n := range name.FindAllString(tg.Expr, -1) {
				checked++
				if !known[n] {
					t.Errorf("panel %q queries %s, which the gateway does not export", p.Title, n)
				}
			}
		}
	}
	if checked < 8 {
		t.Fatalf("only %d metric references found; the dashboard lost its panels?", checked)
	}
}
