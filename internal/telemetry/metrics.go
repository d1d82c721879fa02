// Package telemetry owns Shoal's metrics registry and the access log.
//
// The registry belongs to one gateway instance (never the process-wide
// default), so that two gateways can run in one test process and each sees
// only its own numbers.
package telemetry

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of collectors the gateway updates. Request-path code
// should resolve label values once (RouteMetrics) rather than per request.
type Metrics struct {
	Registry *prometheus.Registry

	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	inFlight        *prometheus.GaugeVec
	upstreamErrors  *prometheus.CounterVec
	configReloads   *prometheus.CounterVec
	lastReloadOK    prometheus.Gauge
	endpoints       *prometheus.GaugeVec
	gatewayRejected *prometheus.CounterVec

	// routeSeries records the (route, service) pairs Route has made series
	// for, and serviceSeries the services UpstreamError and SetEndpoints
	// have, so PruneRoutes and PruneServices can find the ones a reload
	// left behind.
	seriesMu      sync.Mutex
	routeSeries   map[routeKey]bool
	serviceSeries map[string]bool
}

// routeKey is one (route, service) pair of the per-route series.
type routeKey struct{ route, service string }

// NewMetrics creates a registry with Go and process collectors and every
// Shoal metric registered on it.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry:      reg,
		routeSeries:   map[routeKey]bool{},
		serviceSeries: map[string]bool{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_http_requests_total",
			Help: "Requests answered, by route, service and status class (2xx, 3xx, 4xx, 5xx).",
		}, []string{"route", "service", "code_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shoal_http_request_duration_seconds",
			Help:    "Time from the request reaching the gateway to the end of its response.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "service"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "shoal_http_requests_in_flight",
			Help: "Requests currently being handled, by service.",
		}, []string{"service"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_upstream_errors_total",
			Help: "Failed upstream attempts by service and kind (upstream-connect-failed, upstream-timeout, upstream-reset, upstream-protocol-error).",
		}, []string{"service", "kind"}),
		configReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_config_reloads_total",
			Help: "Configuration reload attempts by result (success, failure).",
		}, []string{"result"}),
		lastReloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shoal_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last configuration that was applied.",
		}),
		endpoints: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "shoal_service_endpoints",
			Help: "Endpoints per service by state (ready, not_ready).",
		}, []string{"service", "state"}),
		gatewayRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_gateway_errors_total",
			Help: "Requests the gateway answered itself with an error, by reason (no_route, no_endpoint, ...).",
		}, []string{"reason"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.inFlight, m.upstreamErrors,
		m.configReloads, m.lastReloadOK, m.endpoints, m.gatewayRejected,
	)
	// Make the reload counters visible at zero so alerts can use rate()
	// from the start.
	m.configReloads.WithLabelValues("success")
	m.configReloads.WithLabelValues("failure")
	return m
}

// ReloadResult counts one reload attempt.
func (m *Metrics) ReloadResult(ok bool, unixSeconds float64) {
	if ok {
		m.configReloads.WithLabelValues("success").Inc()
		m.lastReloadOK.Set(unixSeconds)
		return
	}
	m.configReloads.WithLabelValues("failure").Inc()
}

// GatewayError counts a request the gateway answered itself.
func (m *Metrics) GatewayError(reason string) prometheus.Counter {
	return m.gatewayRejected.WithLabelValues(reason)
}

// UpstreamError returns the counter for one service and error kind.
func (m *Metrics) UpstreamError(service, kind string) prometheus.Counter {
	// Held while resolving, as in Route, so PruneServices cannot delete
	// the series between being recorded and being made.
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	m.serviceSeries[service] = true
	return m.upstreamErrors.WithLabelValues(service, kind)
}

// SetEndpoints publishes a service's endpoint counts.
func (m *Metrics) SetEndpoints(service string, ready, notReady int) {
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	m.serviceSeries[service] = true
	m.endpoints.WithLabelValues(service, "ready").Set(float64(ready))
	m.endpoints.WithLabelValues(service, "not_ready").Set(float64(notReady))
}

// RouteMetrics holds the resolved collectors of one route, so the request
// path does no label hashing.
type RouteMetrics struct {
	classes  [6]prometheus.Counter // index = status/100; 0 unused
	duration prometheus.Observer
	inFlight prometheus.Gauge
}

// Route resolves the collectors for a route and its service.
func (m *Metrics) Route(route, service string) *RouteMetrics {
	// Held while resolving, so a concurrent PruneRoutes cannot delete the
	// series between being recorded and being made.
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	m.routeSeries[routeKey{route, service}] = true
	rm := &RouteMetrics{
		duration: m.duration.WithLabelValues(route, service),
		inFlight: m.inFlight.WithLabelValues(service),
	}
	for c := 1; c <= 5; c++ {
		rm.classes[c] = m.requests.WithLabelValues(route, service, strconv.Itoa(c)+"xx")
	}
	return rm
}

// Begin marks a request as in flight.
func (rm *RouteMetrics) Begin() { rm.inFlight.Inc() }

// End records a finished request.
func (rm *RouteMetrics) End(status int, seconds float64) {
	rm.inFlight.Dec()
	c := status / 100
	if c < 1 || c > 5 {
		c = 5
	}
	rm.classes[c].Inc()
	rm.duration.Observe(seconds)
}

// PruneRoutes deletes the per-route series (shoal_http_requests_total and
// shoal_http_request_duration_seconds) of every (route, service) pair that
// live reports false for: routes a reload removed, or whose service
// changed. Without it a removed route is exported, frozen, for the life of
// the process. The in-flight gauge is labelled by the routes' service label
// (a service, "read+write", or empty), so its series goes with the last
// pair that carries that label. A request still finishing on a removed
// route after this counts into a series no longer exported.
func (m *Metrics) PruneRoutes(live func(route, service string) bool) {
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	dropped := map[string]bool{}
	for k := range m.routeSeries {
		if live(k.route, k.service) {
			continue
		}
		m.requests.DeletePartialMatch(prometheus.Labels{"route": k.route, "service": k.service})
		m.duration.DeleteLabelValues(k.route, k.service)
		delete(m.routeSeries, k)
		dropped[k.service] = true
	}
	for k := range m.routeSeries {
		delete(dropped, k.service)
	}
	for service := range dropped {
		m.inFlight.DeleteLabelValues(service)
	}
}

// PruneServices deletes the per-service series (shoal_upstream_errors_total
// and shoal_service_endpoints) of every service live reports false for:
// services a reload removed, and services only a config that failed to
// compile named. Without it a removed service stays exported, frozen, for
// the life of the process (and its endpoint gauge keeps claiming ready
// instances). An attempt still finishing against a removed service after
// this counts into a series no longer exported.
func (m *Metrics) PruneServices(live func(service string) bool) {
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	for service := range m.serviceSeries {
		if live(service) {
			continue
		}
		m.upstreamErrors.DeletePartialMatch(prometheus.Labels{"service": service})
		m.endpoints.DeletePartialMatch(prometheus.Labels{"service": service})
		delete(m.serviceSeries, service)
	}
}
