package gateway

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/adaptive"
	"github.com/shoal-gw/shoal/internal/middleware/breaker"
	"github.com/shoal-gw/shoal/internal/middleware/bulkhead"
	"github.com/shoal-gw/shoal/internal/middleware/idempotency"
	"github.com/shoal-gw/shoal/internal/middleware/retry"
)

// resilienceState holds the resilience state that must outlive reloads:
// breakers, retry budgets and bulkheads, keyed by service or route name. An
// entry is kept across a reload while its settings stay the same, so a
// reload neither closes an open breaker nor forgets a budget.
type resilienceState struct {
	mu       sync.Mutex
	services map[string]*svcResilience
	routes   map[string]*routeLimiter
	idem     map[string]*routeIdempotency
	hedges   map[string]*routeHedge
	counters map[string]*routeCounters
	// registered: the metrics collector is on the gateway's registry.
	registered bool
}

// svcResilience is one service's shared resilience state.
type svcResilience struct {
	name     string
	key      string // settings fingerprint
	breaker  *breaker.Breaker
	epOpts   *breaker.Options // nil: no per-endpoint breakers
	epBrk    sync.Map         // address → *breaker.Breaker
	bulkhead *bulkhead.Limiter
	budget   *retry.Budget
	adaptive *adaptive.Limiter

	transitions atomic.Int64 // breaker state changes, service and endpoints
	// hedging: a route to the service hedges (its hedge counters are
	// exported). Guarded by the state's lock.
	hedging bool
	// hedges sent, and hedges whose answer went to the client.
	hedges, hedgeWins atomic.Int64
}

type routeLimiter struct {
	key string
	lim *bulkhead.Limiter
}

type routeIdempotency struct {
	key      string
	store    *idempotency.Store
	services []string // the route's services, for the admin view
}

func breakerOptions(c *config.CircuitBreaker) *breaker.Options {
	if c == nil {
		return nil
	}
	return &breaker.Options{
		ConsecutiveFailures: c.ConsecutiveFailures,
		FailureRate:         c.FailurePercent / 100,
		MinRequests:         c.MinRequests,
		Window:              c.Window.D(),
		OpenFor:             c.OpenFor.D(),
		HalfOpenProbes:      c.HalfOpenRequests,
	}
}

func bulkheadOptions(c *config.Bulkhead) *bulkhead.Options {
	if c == nil {
		return nil
	}
	return &bulkhead.Options{MaxConcurrent: c.MaxConcurrent, MaxPending: c.MaxPending, QueueTimeout: c.QueueTimeout.D()}
}

func adaptiveOptions(c *config.AdaptiveConcurrency) *adaptive.Options {
	if c == nil {
		return nil
	}
	return &adaptive.Options{
		Algorithm: c.Algorithm, InitialLimit: c.InitialLimit, MinLimit: c.MinLimit, MaxLimit: c.MaxLimit,
		Smoothing: c.Smoothing, BackoffRatio: c.BackoffRatio, SlowLatency: c.SlowLatency.D(),
	}
}

// serviceResilience returns the state for service name under sc's
// settings, reusing the current one when the settings did not change.
// Called while compiling, with g.mu held.
func (g *Gateway) serviceResilience(name string, sc *config.Service) *svcResilience {
	bo, eo, lo := breakerOptions(sc.CircuitBreaker), breakerOptions(sc.EndpointCircuitBreaker), bulkheadOptions(sc.Bulkhead)
	bud := retry.BudgetOptions{Ratio: sc.RetryBudget.Ratio, MinPerSecond: sc.RetryBudget.MinPerSecond}
	ao := adaptiveOptions(sc.AdaptiveConcurrency)
	key := fmt.Sprintf("%+v|%+v|%+v|%+v|%+v", deref(bo), deref(eo), deref(lo), bud, deref(ao))
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.services == nil {
		st.services = map[string]*svcResilience{}
	}
	if cur := st.services[name]; cur != nil && cur.key == key {
		return cur
	}
	s := &svcResilience{name: name, key: key, epOpts: eo, budget: retry.NewBudget(bud)}
	if bo != nil {
		o := *bo
		o.OnChange = s.changed
		s.breaker = breaker.New(o)
	}
	if lo != nil {
		s.bulkhead = bulkhead.New(*lo)
	}
	if ao != nil {
		s.adaptive = adaptive.New(*ao)
	}
	st.services[name] = s
	st.register(g)
	return s
}

// routeBulkhead returns the route's limiter, kept across reloads like the
// service state.
func (g *Gateway) routeBulkhead(route string, c *config.Bulkhead) *bulkhead.Limiter {
	o := bulkheadOptions(c)
	key := fmt.Sprintf("%+v", *o)
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.routes == nil {
		st.routes = map[string]*routeLimiter{}
	}
	if cur := st.routes[route]; cur != nil && cur.key == key {
		return cur.lim
	}
	l := bulkhead.New(*o)
	st.routes[route] = &routeLimiter{key: key, lim: l}
	return l
}

// routeIdempotency returns the route's store of answers, kept across
// reloads while its settings stay the same.
func (g *Gateway) routeIdempotencyStore(route string, c *config.Idempotency, services []string) *idempotency.Store {
	o := idempotency.Options{TTL: c.TTL.D(), MaxEntries: c.MaxEntries, MaxBodyBytes: c.MaxBodyBytes, Header: c.Header}
	key := fmt.Sprintf("%+v", o)
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.idem == nil {
		st.idem = map[string]*routeIdempotency{}
	}
	if cur := st.idem[route]; cur != nil && cur.key == key {
		cur.services = services
		return cur.store
	}
	s := idempotency.New(o)
	st.idem[route] = &routeIdempotency{key: key, store: s, services: services}
	st.register(g)
	return s
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func (s *svcResilience) changed(_, _ breaker.State) { s.transitions.Add(1) }

// endpointBreaker returns the breaker of the endpoint at addr, creating it
// on first use.
func (s *svcResilience) endpointBreaker(addr string) *breaker.Breaker {
	if b, ok := s.epBrk.Load(addr); ok {
		return b.(*breaker.Breaker)
	}
	o := *s.epOpts
	o.OnChange = s.changed
	b, _ := s.epBrk.LoadOrStore(addr, breaker.New(o))
	return b.(*breaker.Breaker)
}
