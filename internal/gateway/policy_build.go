package gateway

import (
	"fmt"
	"net/http"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/auth"
	"github.com/shoal-gw/shoal/internal/middleware/cache"
	"github.com/shoal-gw/shoal/internal/middleware/ratelimit"
)

// buildRateLimit compiles a route's rate_limit section.
func buildRateLimit(g *Gateway, route string, rc *config.Route, d *config.Dynamic) (func(http.Handler) http.Handler, error) {
	c := rc.RateLimit
	if c == nil {
		return nil, nil
	}
	p := g.policies()
	key, err := ratelimit.KeySpec{Parts: c.Key, Route: route, Claim: g.policyClaim, TrustedProxies: g.trustedProxies()}.Build()
	if err != nil {
		return nil, fmt.Errorf("route %s: rate_limit: %w", route, err)
	}
	limits := make([]ratelimit.Limit, len(c.Limits))
	for i, l := range c.Limits {
		limits[i] = ratelimit.Limit{Name: l.LimitName(), Count: l.Requests, Period: l.Per.D(), Burst: l.Burst}
	}
	o := ratelimit.Options{
		Policy: route, Limits: limits, Key: key, Local: p.local,
		Concurrency: c.Concurrency, Inflight: p.inflight,
		FailOpen: c.OnStoreError != "deny", Headers: c.Headers == nil || *c.Headers,
		Log:   g.log.With("route", route),
		Count: func(outcome string) { p.rl.WithLabelValues(route, outcome).Inc() },
	}
	if c.Store == "redis" {
		if d.Redis == nil {
			return nil, fmt.Errorf("route %s: rate_limit.store redis needs the redis section", route)
		}
		o.Store = g.redisRateStore(d.Redis)
	}
	mw, err := ratelimit.New(o)
	if err != nil {
		return nil, fmt.Errorf("route %s: rate_limit: %w", route, err)
	}
	return mw, nil
}

// buildCache compiles a route's cache section over the shared store.
func buildCache(g *Gateway, route string, rc *config.Route, d *config.Dynamic) (func(http.Handler) http.Handler, error) {
	c := rc.Cache
	if c == nil {
		return nil, nil
	}
	p := g.policies()
	p.cache.SetMaxBytes(d.Cache.MaxBytes)
	var store cache.Store = p.cache
	if d.Cache.Store == "redis" {
		if d.Redis == nil {
			return nil, fmt.Errorf("route %s: cache.store redis needs the redis section", route)
		}
		store = g.redisCacheStore(d.Redis, d.Cache.KeepStale.D())
	}
	return cache.New(cache.Options{
		Store: store, MaxObjectBytes: c.MaxObjectBytes, StaleIfError: c.StaleIfError.D(),
		Stats: p.stats, Log: g.log.With("route", route),
		Authenticated: func(r *http.Request) bool { _, ok := auth.FromContext(r.Context()); return ok },
	}), nil
}

// policyClaim reads a claim of the caller that the route's auth policy
// authenticated, for rate limit keys. Without auth there is none.
func (g *Gateway) policyClaim(r *http.Request, name string) (string, bool) {
	return auth.Claim(r, name)
}
