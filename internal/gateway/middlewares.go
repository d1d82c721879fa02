package gateway

import (
	"net/http"

	"github.com/shoal-gw/shoal/internal/config"
)

// routeMiddleware builds one policy layer of a route from its config: the
// constructor map of route policies (no if-chains in compile). build
// returns nil when the route does not use the policy. State that must
// outlive reloads (token buckets, cache entries, breaker states) belongs to
// the Gateway, keyed by route or service name, not to the built layer.
type routeMiddleware struct {
	name  string
	build func(g *Gateway, route string, rc *config.Route, d *config.Dynamic) (func(http.Handler) http.Handler, error)
}

// routeMiddlewares lists the route policies, outermost first, in the order
// of DESIGN.md: auth → rate limit → fault injection → cache → idempotency.
// Each policy package adds its one entry here.
func (g *Gateway) routeMiddlewares() []routeMiddleware {
	return []routeMiddleware{
		{name: "auth", build: buildAuth},
		{name: "rate_limit", build: buildRateLimit},
		{name: "fault", build: buildFault},
		{name: "cache", build: buildCache},
		{name: "idempotency", build: buildIdempotency},
		{name: "fallback", build: buildFallback},
		{name: "bulkhead", build: buildRouteBulkhead},
		{name: "resilience", build: buildResilience},
	}
}

// wrapPolicies applies the route's policies around h, outermost first.
func (g *Gateway) wrapPolicies(h http.Handler, route string, rc *config.Route, d *config.Dynamic) (http.Handler, error) {
	mws := g.routeMiddlewares()
	for i := len(mws) - 1; i >= 0; i-- {
		mw, err := mws[i].build(g, route, rc, d)
		if err != nil {
			return nil, err
		}
		if mw != nil {
			h = mw(h)
		}
	}
	return h, nil
}
