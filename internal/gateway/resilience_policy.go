package gateway

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/retry"
)

// routePolicy is what a route tells its service handler about timeouts,
// retries and the service's shared state. The route's middleware puts it in
// the request context: the service handler is shared by every route that
// sends to the service, so per-route settings cannot live in it.
type routePolicy struct {
	requestTimeout time.Duration // 0: the service's own
	perTry         time.Duration // 0: none
	idle           time.Duration // 0: none
	retry          *retryPolicy  // nil: no retries
	services       map[string]*svcResilience
}

type retryPolicy struct {
	attempts                      int
	onConnect, onReset, onTimeout bool
	statuses                      [100]bool // 500-599
	backoff                       retry.Backoff
	maxBody                       int64
	unsafe                        bool
	hedge                         *hedgePolicy // nil: no hedging
}

func (p *retryPolicy) status(code int) bool {
	return code >= 500 && code <= 599 && p.statuses[code-500]
}

type policyKey struct{}

func policyFrom(ctx context.Context) *routePolicy {
	p, _ := ctx.Value(policyKey{}).(*routePolicy)
	return p
}

// newRetryPolicy compiles a route's retry block; hedge is its hedging, or
// nil.
func newRetryPolicy(c *config.Retry, hedge *hedgePolicy) *retryPolicy {
	if c == nil || (c.Attempts == 0 && hedge == nil) {
		return nil
	}
	p := &retryPolicy{
		attempts: c.Attempts,
		backoff:  retry.Backoff{Base: c.BaseBackoff.D(), Max: c.MaxBackoff.D()},
		maxBody:  c.MaxBodyBytes,
		unsafe:   c.Unsafe,
		hedge:    hedge,
	}
	for _, on := range c.On {
		switch on {
		case "connect_failure":
			p.onConnect = true
		case "reset":
			p.onReset = true
		case "timeout":
			p.onTimeout = true
		default:
			// Validation guarantees a 5xx code.
			if n, err := strconv.Atoi(on); err == nil && n >= 500 && n <= 599 {
				p.statuses[n-500] = true
			}
		}
	}
	return p
}

// buildResilience is the route middleware that hands the route's policy to
// its service handlers. Routes that use no resilience setting, and whose
// services use none, get no layer at all.
func buildResilience(g *Gateway, route string, rc *config.Route, d *config.Dynamic) (func(http.Handler) http.Handler, error) {
	names := routeServices(rc)
	if len(names) == 0 {
		return nil, nil
	}
	pol := &routePolicy{
		requestTimeout: rc.Timeouts.Request.D(),
		perTry:         rc.Timeouts.PerTry.D(),
		idle:           routeIdle(rc, d),
		retry:          newRetryPolicy(rc.Retry, g.routeHedge(route, rc)),
		services:       make(map[string]*svcResilience, len(names)),
	}
	used := pol.requestTimeout > 0 || pol.perTry > 0 || pol.idle > 0 || pol.retry != nil
	for _, n := range names {
		sc := d.Services[n]
		if sc == nil {
			continue // compile reports the unknown service
		}
		sr := g.serviceResilience(n, sc)
		pol.services[n] = sr
		if pol.retry != nil && pol.retry.hedge != nil {
			g.resil.mu.Lock()
			sr.hedging = true
			g.resil.mu.Unlock()
		}
		used = used || sr.breaker != nil || sr.epOpts != nil || sr.bulkhead != nil || sr.adaptive != nil
	}
	if !used {
		return nil, nil
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), policyKey{}, pol)))
		})
	}, nil
}

// buildRouteBulkhead limits the requests in flight on one route.
func buildRouteBulkhead(g *Gateway, route string, rc *config.Route, _ *config.Dynamic) (func(http.Handler) http.Handler, error) {
	if rc.Bulkhead == nil {
		return nil, nil
	}
	return g.routeBulkhead(route, rc.Bulkhead).Middleware, nil
}

func routeServices(rc *config.Route) []string {
	switch {
	case rc.Service != "":
		return []string{rc.Service}
	case rc.ReadService != "" && rc.WriteService != "":
		if rc.ReadService == rc.WriteService {
			return []string{rc.ReadService}
		}
		return []string{rc.ReadService, rc.WriteService}
	}
	return nil
}
