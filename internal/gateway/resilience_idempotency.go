package gateway

import (
	"net/http"

	"github.com/shoal-gw/shoal/internal/config"
)

// buildIdempotency replays answers to repeated idempotency keys.
func buildIdempotency(g *Gateway, route string, rc *config.Route, _ *config.Dynamic) (func(http.Handler) http.Handler, error) {
	if rc.Idempotency == nil {
		return nil, nil
	}
	return g.routeIdempotencyStore(route, rc.Idempotency, routeServices(rc)).Middleware, nil
}
