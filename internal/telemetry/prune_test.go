package telemetry

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The in-flight gauge is shared by every route of a service, so pruning
// one of them must keep it; it goes with the last.
func TestPruneKeepsSharedInFlightUntilLastRoute(t *testing.T) {
	m := NewMetrics()
	m.Route("a", "users").Begin()
	m.Route("b", "users")
	m.PruneRoutes(func(route, _ string) bool { return route == "b" })
	if n := testutil.CollectAndCount(m.inFlight); n != 1 {
		t.Fatalf("in-flight series after pruning route a: %d, want 1 (b still sends to users)", n)
	}
	if v := testutil.ToFloat64(m.inFlight.WithLabelValues("users")); v != 1 {
		t.Fatalf("in-flight{users} = %v, want 1 (kept with its request)", v)
	}
	m.PruneRoutes(func(string, string) bool { return false })
	if n := testutil.CollectAndCount(m.inFlight); n != 0 {
		t.Errorf("in-flight series after pruning every route: %d, want 0", n)
	}
}

func TestPruneServices(t *testing.T) {
	m := NewMetrics()
	for _, s := range []string{"users", "orders"} {
		m.UpstreamError(s, "upstream-timeout").Inc()
		m.UpstreamError(s, "upstream-reset")
		m.SetEndpoints(s, 2, 1)
	}
	m.PruneServices(func(s string) bool { return s == "users" })
	if n := testutil.CollectAndCount(m.upstreamErrors); n != 2 {
		t.Errorf("upstream error series: %d, want users' 2", n)
	}
	if n := testutil.CollectAndCount(m.endpoints); n != 2 {
		t.Errorf("endpoint series: %d, want users' 2", n)
	}
	if v := testutil.ToFloat64(m.upstreamErrors.WithLabelValues("users", "upstream-timeout")); v != 1 {
		t.Errorf("users' timeouts = %v, want 1 (kept)", v)
	}
	// A service coming back starts from zero.
	if v := testutil.ToFloat64(m.UpstreamError("orders", "upstream-timeout")); v != 0 {
		t.Errorf("orders' timeouts after coming back = %v, want 0", v)
	}
}
