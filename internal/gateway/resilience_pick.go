package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/middleware/breaker"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// maxBreakerSkips bounds how many endpoints with an open breaker one pick
// steps over before it gives up with circuit-open.
const maxBreakerSkips = 8

// pick chooses an endpoint not yet tried when there is one, skipping
// endpoints whose breaker is open. It returns the endpoint's breaker (nil
// without per-endpoint breakers), or open=true when every candidate's
// breaker refused.
func (s *service) pick(r *http.Request, tried []*upstream.Endpoint, sr *svcResilience) (*upstream.Endpoint, *breaker.Breaker, bool) {
	var ep *upstream.Endpoint
	if len(tried) == 0 {
		ep = s.pool.Pick(r)
	} else {
		ep = s.pool.PickExcluding(r, tried)
	}
	if ep == nil || sr == nil || sr.epOpts == nil {
		return ep, nil, false
	}
	var skipped []*upstream.Endpoint
	for range maxBreakerSkips {
		b := sr.endpointBreaker(ep.Address())
		if b.Allow() {
			return ep, b, false
		}
		skipped = append(skipped, ep)
		ep = s.pool.PickExcluding(r, append(skipped, tried...))
		if ep == nil || ep.In(skipped) {
			break
		}
	}
	return nil, nil, true
}

// covers reports whether the policy retries a try that ended so.
func (p *retryPolicy) covers(kind proxy.ErrorKind, status int) bool {
	switch kind {
	case proxy.ErrNone:
		return p.status(status)
	case proxy.ErrConnect:
		return p.onConnect
	case proxy.ErrReset:
		return p.onReset
	case proxy.ErrTimeout:
		return p.onTimeout
	}
	return false // protocol errors repeat; a client that left wants nothing
}

// writeCircuitOpen answers for a service or endpoints whose breaker is open.
func writeCircuitOpen(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	proxy.WriteError(w, http.StatusServiceUnavailable, "circuit-open")
}

// sleepCtx waits d, or reports false when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
