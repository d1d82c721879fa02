package gateway

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shoal-gw/shoal/internal/middleware/breaker"
)

// resilienceCollector exports, at scrape time, the resilience counters the
// gateway keeps per route and per service: hedges, fallbacks, injected
// faults, idempotent replays and endpoint breakers. Reading the state when
// Prometheus asks keeps the request path to one atomic add, and a series
// disappears as soon as its route, service or endpoint is pruned. (The
// service breakers, bulkheads, retries and adaptive limits are exported by
// the app's collector from Gateway.Resilience.)
type resilienceCollector struct {
	st *resilienceState

	hedges, hedgeWins, epBreaker *prometheus.Desc
	hedgeDelay                   *prometheus.Desc
	fallbacks, faults            *prometheus.Desc
	replays, waits               *prometheus.Desc
}

func newResilienceCollector(st *resilienceState) *resilienceCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &resilienceCollector{
		st:         st,
		hedges:     d("shoal_hedges_total", "Hedged tries sent to a service (paid from its retry budget).", "service"),
		hedgeWins:  d("shoal_hedges_won_total", "Hedged tries whose answer went to the client.", "service"),
		hedgeDelay: d("shoal_hedge_delay_seconds", "The wait before a route sends a hedge: its latency percentile within min_delay and max_delay.", "route"),
		epBreaker:  d("shoal_endpoint_circuit_breaker_open", "1 while an endpoint's circuit breaker is open (0 closed, 0.5 half-open).", "service", "endpoint"),
		fallbacks:  d("shoal_fallbacks_total", "Fallback answers served by a route, by why (the fallback.on reason).", "route", "reason"),
		faults:     d("shoal_faults_injected_total", "Faults injected by a route, by fault (delay, abort).", "route", "fault"),
		replays:    d("shoal_idempotency_replays_total", "Answers replayed from a route's idempotency store instead of reaching the service.", "route"),
		waits:      d("shoal_idempotency_waits_total", "Repeats of an idempotency key that waited for the first request still running.", "route"),
	}
}

// register puts the collector on the gateway's registry the first time
// resilience state is made. Call with st.mu held.
func (st *resilienceState) register(g *Gateway) {
	if st.registered {
		return
	}
	st.registered = true
	g.metrics.Registry.MustRegister(newResilienceCollector(st))
}

func (c *resilienceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hedges, c.hedgeWins, c.hedgeDelay, c.epBreaker, c.fallbacks, c.faults, c.replays, c.waits} {
		ch <- d
	}
}

func (c *resilienceCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	st := c.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for name, sr := range st.services {
		if sr.hedging {
			counter(c.hedges, sr.hedges.Load(), name)
			counter(c.hedgeWins, sr.hedgeWins.Load(), name)
		}
		sr.epBrk.Range(func(k, v any) bool {
			ch <- prometheus.MustNewConstMetric(c.epBreaker, prometheus.GaugeValue, breakerOpenValue(v.(*breaker.Breaker).Stats().State), name, k.(string))
			return true
		})
	}
	for route, rc := range st.counters {
		if rc.fallback {
			for i, n := range fallbackReasonNames {
				counter(c.fallbacks, rc.fallbacks[i].Load(), route, n)
			}
		}
		if rc.fault {
			counter(c.faults, rc.faults.Delayed.Load(), route, "delay")
			counter(c.faults, rc.faults.Aborted.Load(), route, "abort")
		}
	}
	for route, rh := range st.hedges {
		ch <- prometheus.MustNewConstMetric(c.hedgeDelay, prometheus.GaugeValue, rh.tracker.Delay().Seconds(), route)
	}
	for route, ri := range st.idem {
		s := ri.store.Stats()
		counter(c.replays, s.Replays, route)
		counter(c.waits, s.Waits, route)
	}
}

// breakerOpenValue is the gauge value of a breaker state, as the app's
// shoal_circuit_breaker_open uses it.
func breakerOpenValue(s breaker.State) float64 {
	switch s {
	case breaker.Open:
		return 1
	case breaker.HalfOpen:
		return 0.5
	}
	return 0
}

// RouteResilienceStatus is what a route's resilience policies did, shown
// with each service the route sends to.
type RouteResilienceStatus struct {
	// Fallbacks served, by reason (circuit_open, no_endpoint, ...).
	Fallbacks map[string]int64 `json:"fallbacks,omitempty"`
	// Faults injected.
	FaultDelays int64 `json:"fault_delays,omitempty"`
	FaultAborts int64 `json:"fault_aborts,omitempty"`
	// Idempotency: answers replayed, repeats that waited, keys held.
	IdempotentReplays int64 `json:"idempotent_replays,omitempty"`
	IdempotentWaits   int64 `json:"idempotent_waits,omitempty"`
	IdempotencyKeys   int   `json:"idempotency_keys,omitempty"`
	// HedgeDelayMS is the current wait before a hedge, when the route
	// hedges.
	HedgeDelayMS float64 `json:"hedge_delay_ms,omitempty"`
}

// routesOf returns the resilience status of the routes that send to
// service and have a fallback, fault, idempotency or hedge policy. Call with
// st.mu held.
func (st *resilienceState) routesOf(service string) map[string]RouteResilienceStatus {
	var out map[string]RouteResilienceStatus
	add := func(route string, f func(*RouteResilienceStatus)) {
		if out == nil {
			out = map[string]RouteResilienceStatus{}
		}
		s := out[route]
		f(&s)
		out[route] = s
	}
	for route, rc := range st.counters {
		if !slices.Contains(rc.services, service) {
			continue
		}
		add(route, func(s *RouteResilienceStatus) {
			if rc.fallback {
				s.Fallbacks = map[string]int64{}
				for i, n := range fallbackReasonNames {
					if v := rc.fallbacks[i].Load(); v > 0 {
						s.Fallbacks[n] = v
					}
				}
			}
			s.FaultDelays, s.FaultAborts = rc.faults.Delayed.Load(), rc.faults.Aborted.Load()
		})
	}
	for route, rh := range st.hedges {
		if !slices.Contains(rh.services, service) {
			continue
		}
		add(route, func(s *RouteResilienceStatus) {
			s.HedgeDelayMS = float64(rh.tracker.Delay().Microseconds()) / 1000
		})
	}
	for route, ri := range st.idem {
		if !slices.Contains(ri.services, service) {
			continue
		}
		add(route, func(s *RouteResilienceStatus) {
			is := ri.store.Stats()
			s.IdempotentReplays, s.IdempotentWaits, s.IdempotencyKeys = is.Replays, is.Waits, is.Keys
		})
	}
	return out
}
