package gateway

import (
	"net/http"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/fault"
)

// buildFault injects the route's configured delays and aborts.
func buildFault(g *Gateway, route string, rc *config.Route, _ *config.Dynamic) (func(http.Handler) http.Handler, error) {
	f := rc.Fault
	if f == nil {
		return nil, nil
	}
	var o fault.Options
	if d := f.Delay; d != nil {
		o.Delay = d.Duration.D()
		o.DelayRule = fault.Rule{Percent: d.Percent, Header: d.Header}
	}
	if a := f.Abort; a != nil {
		o.Status = a.Status
		o.AbortRule = fault.Rule{Percent: a.Percent, Header: a.Header}
	}
	o.Counts = &g.routeCounters(route, rc).faults
	return fault.Middleware(o), nil
}
