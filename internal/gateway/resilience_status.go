package gateway

import (
	"sort"
	"time"

	"github.com/shoal-gw/shoal/internal/middleware/breaker"
	"github.com/shoal-gw/shoal/internal/middleware/bulkhead"
)

// BreakerStatus is one circuit breaker as the admin API shows it.
type BreakerStatus struct {
	// State is closed, open or half_open.
	State string `json:"state"`
	// Opens counts transitions to open; Rejected counts refused requests.
	Opens    int64 `json:"opens"`
	Rejected int64 `json:"rejected"`
	// OpenedAt is when it last opened (omitted if never).
	OpenedAt *time.Time `json:"opened_at,omitempty"`
}

// EndpointBreakerStatus is the breaker of one endpoint.
type EndpointBreakerStatus struct {
	Address string `json:"address"`
	BreakerStatus
}

// BulkheadStatus is one bulkhead's load.
type BulkheadStatus struct {
	Active        int64 `json:"active"`
	Pending       int64 `json:"pending"`
	Rejected      int64 `json:"rejected"`
	MaxConcurrent int   `json:"max_concurrent"`
	MaxPending    int   `json:"max_pending"`
}

// AdaptiveStatus is the adaptive concurrency limiter's current state.
type AdaptiveStatus struct {
	Limit    int   `json:"limit"`
	InFlight int   `json:"in_flight"`
	Shed     int64 `json:"shed"`
}

// ResilienceStatus is a service's resilience state, for
// GET /api/services/{s} and metrics. Counters restart when the service's
// resilience settings change (a Prometheus counter reset).
type ResilienceStatus struct {
	Breaker          *BreakerStatus          `json:"circuit_breaker,omitempty"`
	EndpointBreakers []EndpointBreakerStatus `json:"endpoint_breakers,omitempty"`
	Bulkhead         *BulkheadStatus         `json:"bulkhead,omitempty"`
	Adaptive         *AdaptiveStatus         `json:"adaptive_concurrency,omitempty"`
	// Retries sent, and retries the budget refused.
	Retries         int64 `json:"retries"`
	BudgetExhausted int64 `json:"retry_budget_exhausted"`
	// BreakerTransitions counts state changes of all the service's breakers.
	BreakerTransitions int64 `json:"breaker_transitions"`
	// Hedges sent to the service, and hedges whose answer won.
	Hedges    int64 `json:"hedges"`
	HedgesWon int64 `json:"hedges_won"`
	// Routes that send to the service with their fallback, fault and
	// idempotency counters, by route name.
	Routes map[string]RouteResilienceStatus `json:"routes,omitempty"`
}

func breakerStatus(b *breaker.Breaker) BreakerStatus {
	s := b.Stats()
	out := BreakerStatus{State: s.State.String(), Opens: s.Opens, Rejected: s.Rejected}
	if !s.Since.IsZero() {
		t := s.Since
		out.OpenedAt = &t
	}
	return out
}

func bulkheadStatus(l *bulkhead.Limiter) *BulkheadStatus {
	s := l.Stats()
	return &BulkheadStatus{Active: s.Active, Pending: s.Pending, Rejected: s.Rejected, MaxConcurrent: s.MaxConcurrent, MaxPending: s.MaxPending}
}

// Resilience returns the resilience state of a service, false when no
// route to it uses any resilience setting.
func (g *Gateway) Resilience(service string) (ResilienceStatus, bool) {
	st := &g.resil
	st.mu.Lock()
	sr := st.services[service]
	var routes map[string]RouteResilienceStatus
	if sr != nil {
		routes = st.routesOf(service)
	}
	st.mu.Unlock()
	if sr == nil {
		return ResilienceStatus{}, false
	}
	out := ResilienceStatus{
		Retries: sr.budget.Retried(), BudgetExhausted: sr.budget.Exhausted(),
		BreakerTransitions: sr.transitions.Load(),
		Hedges:             sr.hedges.Load(), HedgesWon: sr.hedgeWins.Load(),
		Routes: routes,
	}
	if sr.breaker != nil {
		b := breakerStatus(sr.breaker)
		out.Breaker = &b
	}
	sr.epBrk.Range(func(k, v any) bool {
		out.EndpointBreakers = append(out.EndpointBreakers, EndpointBreakerStatus{Address: k.(string), BreakerStatus: breakerStatus(v.(*breaker.Breaker))})
		return true
	})
	sort.Slice(out.EndpointBreakers, func(i, j int) bool { return out.EndpointBreakers[i].Address < out.EndpointBreakers[j].Address })
	if sr.bulkhead != nil {
		out.Bulkhead = bulkheadStatus(sr.bulkhead)
	}
	if sr.adaptive != nil {
		a := sr.adaptive.Stats()
		out.Adaptive = &AdaptiveStatus{Limit: a.Limit, InFlight: a.InFlight, Shed: a.Shed}
	}
	return out, true
}

// RouteBulkheads returns the load of every route bulkhead, by route name.
func (g *Gateway) RouteBulkheads() map[string]BulkheadStatus {
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string]BulkheadStatus, len(st.routes))
	for name, r := range st.routes {
		out[name] = *bulkheadStatus(r.lim)
	}
	return out
}
