package app

import (
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
	"github.com/shoal-gw/shoal/internal/autoscaler"
)

// steadySource reports every second since the last drain with the same
// traffic: rps arrivals, each in flight for latency.
type steadySource struct {
	mu      sync.Mutex
	last    map[string]time.Time
	rps     float64
	latency float64 // seconds
}

func (s *steadySource) Drain(service string, now time.Time) []autoscale.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []autoscale.Sample
	from := s.last[service]
	if from.IsZero() {
		from = now.Add(-time.Minute)
	}
	for t := from.Truncate(time.Second); t.Before(now.Truncate(time.Second)); t = t.Add(time.Second) {
		out = append(out, autoscale.Sample{T: t, Arrivals: s.rps, Completions: s.rps, InFlight: s.rps * s.latency})
	}
	s.last[service] = now.Truncate(time.Second)
	return out
}

type countScaler struct {
	mu  sync.Mutex
	obs autoscaler.Observed
}

func (c *countScaler) Scale(_ string, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.obs.Desired, c.obs.Ready = n, n
	return nil
}

func (c *countScaler) Status(string) (autoscaler.Observed, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.obs, true
}

// The dashboard's forecast ahead: one lead after the autoscaler's last
// decision, in requests per second whatever the policy's metric.
func TestDashboardForecastAhead(t *testing.T) {
	for _, metric := range []string{"rps", "concurrency"} {
		t.Run(metric, func(t *testing.T) {
			now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			src := &steadySource{last: map[string]time.Time{}, rps: 40, latency: 0.05}
			c, err := autoscaler.New(autoscaler.Options{Scaler: &countScaler{obs: autoscaler.Observed{Desired: 1, Ready: 1}}, Source: src, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Configure("svc", autoscaler.Spec{Policy: "shoal", Metric: metric, Target: 10, Min: 1, Max: 20, ColdStartHint: 5 * time.Second}); err != nil {
				t.Fatal(err)
			}
			if err := c.Configure("flat", autoscaler.Spec{Policy: "static", Metric: metric, Target: 10, Min: 1, Max: 20}); err != nil {
				t.Fatal(err)
			}
			// The forecaster wants a day of history before it forecasts.
			for range 25 * 3600 {
				now = now.Add(time.Second)
				c.Tick()
			}
			ds := dashSource{&App{scaler: c}}
			st, _ := c.Status("svc")
			f, ok := ds.Ahead("svc")
			if !ok {
				t.Fatalf("no forecast ahead (status %+v)", st)
			}
			if !f.Time.After(st.LastDecision.Time) || f.Time.Sub(st.LastDecision.Time) != st.Lead || f.LeadSeconds != st.Lead.Seconds() {
				t.Errorf("forecast at %v, lead %gs; want last decision %v + lead %v", f.Time, f.LeadSeconds, st.LastDecision.Time, st.Lead)
			}
			// Steady 40 req/s: the forecast, in req/s, is near 40 for
			// both metrics (concurrency 2 at 50 ms a request).
			if f.RPS < 30 || f.RPS > 50 {
				t.Errorf("forecast %.2f req/s for a steady 40 req/s (policy's own value %.2f %s)", f.RPS, st.Forecast, metric)
			}
			if _, ok := ds.Ahead("flat"); ok {
				t.Error("a policy without a forecast has one ahead")
			}
			if _, ok := (dashSource{&App{}}).Ahead("svc"); ok {
				t.Error("no autoscaler, yet a forecast")
			}
		})
	}
}
