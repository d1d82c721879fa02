package app

import (
	"github.com/prometheus/client_golang/prometheus"
)

// stateCollector exports, at scrape time, what the control side knows:
// instances by state, the autoscaler's desired count and forecast, the
// measured cold start, held requests and breaker states. Reading state when
// Prometheus asks keeps these numbers off the request path.
type stateCollector struct {
	a *App

	instances, desired, forecast, coldStart *prometheus.Desc
	held, released, timedOut                *prometheus.Desc
	breakerOpen, retries, budgetExhausted   *prometheus.Desc
	transitions, bulkActive, bulkPending    *prometheus.Desc
	bulkRejected, adaptiveLimit, shed       *prometheus.Desc
}

func newStateCollector(a *App) *stateCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &stateCollector{
		a:               a,
		instances:       d("shoal_service_instances", "Instances of a service by state (ready, starting, draining).", "service", "state"),
		desired:         d("shoal_autoscaler_desired_instances", "Instances the autoscaler (or an operator) asked for.", "service"),
		forecast:        d("shoal_autoscaler_forecast", "The autoscaler's forecast of demand at now + lead, in the policy's metric units.", "service"),
		coldStart:       d("shoal_service_cold_start_seconds", "Measured time from starting an instance to its readiness (moving average).", "service"),
		held:            d("shoal_activator_held_requests", "Requests waiting at the gateway for a service to have capacity.", "service"),
		released:        d("shoal_activator_released_total", "Held requests released to an instance.", "service"),
		timedOut:        d("shoal_activator_timeouts_total", "Held requests answered 503 after the wait timeout.", "service"),
		breakerOpen:     d("shoal_circuit_breaker_open", "1 while the service's circuit breaker is open (0 closed, 0.5 half-open).", "service"),
		retries:         d("shoal_retries_total", "Retries sent to a service (counter restarts when its resilience settings change).", "service"),
		budgetExhausted: d("shoal_retry_budget_exhausted_total", "Retries the retry budget refused.", "service"),
		transitions:     d("shoal_circuit_breaker_transitions_total", "State changes of a service's circuit breakers (service and endpoint breakers).", "service"),
		bulkActive:      d("shoal_bulkhead_active_requests", "Requests running inside a service's bulkhead.", "service"),
		bulkPending:     d("shoal_bulkhead_pending_requests", "Requests waiting for a place in a service's bulkhead.", "service"),
		bulkRejected:    d("shoal_bulkhead_rejected_total", "Requests a service's bulkhead refused.", "service"),
		adaptiveLimit:   d("shoal_adaptive_concurrency_limit", "The concurrency limit the adaptive limiter found for a service.", "service"),
		shed:            d("shoal_adaptive_concurrency_shed_total", "Requests the adaptive limiter shed.", "service"),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.instances, c.desired, c.forecast, c.coldStart, c.held, c.released, c.timedOut,
		c.breakerOpen, c.retries, c.budgetExhausted, c.transitions, c.bulkActive, c.bulkPending, c.bulkRejected, c.adaptiveLimit, c.shed} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	a := c.a
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, s := range a.Services() {
		gauge(c.instances, float64(s.Instances.Ready), s.Name, "ready")
		gauge(c.instances, float64(s.Instances.Starting), s.Name, "starting")
		gauge(c.instances, float64(s.Instances.Draining), s.Name, "draining")
		gauge(c.desired, float64(s.Desired), s.Name)
		if a.scaler != nil {
			if st, ok := a.scaler.Status(s.Name); ok {
				gauge(c.forecast, st.Forecast, s.Name)
			}
		}
		if d, ok := a.kubeColdStart(s.Name); ok {
			gauge(c.coldStart, d.Seconds(), s.Name)
		} else if a.rt != nil {
			if st, ok := a.rt.Status(s.Name); ok && st.ColdStartAvg > 0 {
				gauge(c.coldStart, st.ColdStartAvg.Seconds(), s.Name)
			}
		}
		if as, ok := a.gw.ActivatorStats(s.Name); ok {
			gauge(c.held, float64(as.Held), s.Name)
			counter(c.released, float64(as.Released), s.Name)
			counter(c.timedOut, float64(as.TimedOut), s.Name)
		}
		if rs, ok := a.gw.Resilience(s.Name); ok {
			counter(c.retries, float64(rs.Retries), s.Name)
			counter(c.budgetExhausted, float64(rs.BudgetExhausted), s.Name)
			counter(c.transitions, float64(rs.BreakerTransitions), s.Name)
			if b := rs.Bulkhead; b != nil {
				gauge(c.bulkActive, float64(b.Active), s.Name)
				gauge(c.bulkPending, float64(b.Pending), s.Name)
				counter(c.bulkRejected, float64(b.Rejected), s.Name)
			}
			if ad := rs.Adaptive; ad != nil {
				gauge(c.adaptiveLimit, float64(ad.Limit), s.Name)
				counter(c.shed, float64(ad.Shed), s.Name)
			}
			if b := rs.Breaker; b != nil {
				v := 0.0
				switch b.State {
				case "open":
					v = 1
				case "half_open":
					v = 0.5
				}
				gauge(c.breakerOpen, v, s.Name)
			}
		}
	}
}
