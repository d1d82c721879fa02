package gateway

import (
	"fmt"
	"sync/atomic"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/fault"
	"github.com/shoal-gw/shoal/internal/middleware/hedge"
)

// Fallback reasons, counted per route; the names are the fallback.on
// values of the config.
const (
	fbCircuitOpen = iota
	fbNoEndpoint
	fbBulkheadFull
	fbTimeout
	fbGatewayError
	fb5xx
	nFallbackReasons
)

var fallbackReasonNames = [nFallbackReasons]string{"circuit_open", "no_endpoint", "bulkhead_full", "timeout", "gateway_error", "5xx"}

// routeCounters count what a route's resilience policies did. They are
// kept across reloads while the route exists, so the metrics read from
// them only ever grow.
type routeCounters struct {
	// services the route sends to (read and write service), so the admin
	// view of a service can list the routes in front of it. Written while
	// compiling, under the state's lock.
	services []string
	// fallback and fault: the route has that policy now, so its counters
	// are exported.
	fallback, fault bool
	fallbacks       [nFallbackReasons]atomic.Int64
	faults          fault.Counts
}

type routeHedge struct {
	key      string
	tracker  *hedge.Tracker
	services []string // the route's services, for the admin view
}

// routeCounters returns the route's counters, creating them on first use.
// Called while compiling.
func (g *Gateway) routeCounters(route string, rc *config.Route) *routeCounters {
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.counters == nil {
		st.counters = map[string]*routeCounters{}
	}
	c := st.counters[route]
	if c == nil {
		c = &routeCounters{}
		st.counters[route] = c
	}
	c.services = routeServices(rc)
	c.fallback, c.fault = rc.Fallback != nil, rc.Fault != nil
	st.register(g)
	return c
}

// routeHedge returns the hedging of a route's retry block, nil without
// one. Its latency tracker is kept across reloads while the settings stay
// the same, so a reload does not forget what the route's latency is.
func (g *Gateway) routeHedge(route string, rc *config.Route) *hedgePolicy {
	if rc.Retry == nil || rc.Retry.Hedge == nil {
		return nil
	}
	h := rc.Retry.Hedge
	o := hedge.Options{Percentile: h.Percentile, MinDelay: h.MinDelay.D(), MaxDelay: h.MaxDelay.D()}
	key := fmt.Sprintf("%+v", o)
	st := &g.resil
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.hedges == nil {
		st.hedges = map[string]*routeHedge{}
	}
	cur := st.hedges[route]
	if cur == nil || cur.key != key {
		cur = &routeHedge{key: key, tracker: hedge.New(o)}
		st.hedges[route] = cur
	}
	cur.services = routeServices(rc)
	return &hedgePolicy{max: h.MaxHedges, tracker: cur.tracker}
}
