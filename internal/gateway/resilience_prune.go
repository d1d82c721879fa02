package gateway

import (
	"strconv"

	"github.com/shoal-gw/shoal/internal/config"
)

// Resilience state is kept across reloads, keyed by service, route and
// endpoint address. Without pruning, every service, route or instance that
// ever existed would keep its breaker, budget, limiter, tracker and metric
// series for the life of the process: with autoscaled instances coming and
// going that is a leak. Pruning runs on the control side only.

// pruneResilience drops the state the config just applied no longer
// uses: services no route sends to, route state of routes that are gone or
// dropped the policy, and breakers of endpoints no longer in their pool;
// and the per-route and per-service series of routes and services that are
// gone. Apply calls it after publishing, with g.mu held.
func (g *Gateway) pruneResilience(d *config.Dynamic) {
	g.pruneRouteMetrics()
	g.pruneServiceMetrics()
	g.pruneSlots()
	services := map[string]bool{}
	bulkheads, idem, hedges, counters := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, rc := range d.Routes {
		name := rc.Name
		if name == "" {
			name = "route-" + strconv.Itoa(i)
		}
		for _, s := range routeServices(rc) {
			if d.Services[s] != nil {
				services[s] = true
			}
		}
		bulkheads[name] = rc.Bulkhead != nil
		idem[name] = rc.Idempotency != nil
		hedges[name] = rc.Retry != nil && rc.Retry.Hedge != nil
		counters[name] = rc.Fallback != nil || rc.Fault != nil
	}
	st := &g.resil
	st.mu.Lock()
	prune(st.services, services)
	prune(st.routes, bulkheads)
	prune(st.idem, idem)
	prune(st.hedges, hedges)
	prune(st.counters, counters)
	st.mu.Unlock()
	for name := range g.services {
		g.pruneEndpointsLocked(name)
	}
}

// pruneRouteMetrics drops the request series of every (route, service)
// pair the published table no longer has: a removed route, a route that
// now sends to another service, and routes of a config that failed to
// compile (compiling resolves their series before the error is known).
func (g *Gateway) pruneRouteMetrics() {
	live := map[[2]string]bool{}
	if snap := g.current.Load(); snap != nil {
		for _, r := range snap.table.Routes() {
			live[[2]string{r.Name, r.Service}] = true
		}
	}
	g.metrics.PruneRoutes(func(route, service string) bool { return live[[2]string{route, service}] })
}

// pruneServiceMetrics drops the upstream error and endpoint series of
// every service the published config no longer has, and of services only
// a config that failed to compile named (compiling resolves their error
// counters before the error is known). Call with g.mu held: g.services is
// then the published set, and SetSourceTargets, the other writer of the
// endpoint gauge, waits for it.
func (g *Gateway) pruneServiceMetrics() {
	g.metrics.PruneServices(func(service string) bool { return g.services[service] != nil })
}

func prune[V any](m map[string]V, keep map[string]bool) {
	for k := range m {
		if !keep[k] {
			delete(m, k)
		}
	}
}

// pruneEndpointsLocked drops the breakers of endpoints that left the
// service's pool (removed from the config, deregistered, scaled in). Call
// with g.mu held.
func (g *Gateway) pruneEndpointsLocked(service string) {
	st := &g.resil
	st.mu.Lock()
	sr := st.services[service]
	st.mu.Unlock()
	b := g.services[service]
	if sr == nil || sr.epOpts == nil || b == nil {
		return
	}
	live := map[string]bool{}
	for _, ep := range b.pool.Endpoints() {
		live[ep.Address()] = true
	}
	sr.epBrk.Range(func(k, _ any) bool {
		if !live[k.(string)] {
			sr.epBrk.Delete(k)
		}
		return true
	})
}

// resilienceCounts reports how many pieces of resilience state are held:
// services, route bulkheads, idempotency stores, hedge trackers, route
// counters and endpoint breakers. Tests use it to see pruning work.
func (g *Gateway) resilienceCounts() (services, routes, endpoints int) {
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	services = len(st.services)
	routes = len(st.routes) + len(st.idem) + len(st.hedges) + len(st.counters)
	for _, sr := range st.services {
		sr.epBrk.Range(func(_, _ any) bool { endpoints++; return true })
	}
	return services, routes, endpoints
}

// pruneSlots drops the signal recorder and activator slot of every service
// the published config no longer has. A service added again later gets a
// fresh slot (and so a fresh history): its old traffic says nothing about
// the new one. Call with g.mu held.
func (g *Gateway) pruneSlots() {
	for name := range g.slots {
		if g.services[name] == nil {
			delete(g.slots, name)
		}
	}
}
