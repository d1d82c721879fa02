package telemetry

import (
	"testing"

	"github.com/shoal-gw/shoal/internal/telemetry/grafanacheck"
)

// The shipped Grafana dashboard must only query metrics the gateway
// exports, so renaming a metric cannot silently empty a panel.
func TestGrafanaDashboardUsesExistingMetrics(t *testing.T) {
	m := NewMetrics()
	// Touch every vector so it appears in Gather.
	m.Route("r", "s").End(200, 0.1)
	m.UpstreamError("s", "upstream-timeout").Inc()
	m.SetEndpoints("s", 1, 0)
	m.GatewayError("no_route").Inc()
	m.Route("r", "s").Begin()
	grafanacheck.Check(t, "../../deploy/grafana/shoal.json", m.Registry, 8)
}
