package gateway

import (
	"slices"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/proxy"
)

// The route's idle timeout (timeouts.idle, default 5m) is enforced where it
// costs nothing per request: on the upstream connections, whose deadlines
// move with the bytes (proxy.TransportOptions.IdleTimeout). A route needs
// its own per-request watch (a context and a timer per try) only when it
// wants a shorter idle than its service's connections enforce.

// defaultResponseHeader is the proxy's response header timeout when
// neither the service nor the defaults set one.
const defaultResponseHeader = 60 * time.Second

// connIdleTimeout is the idle timeout of a service's upstream connections:
// the longest idle of the routes that may send to it, but never shorter
// than the time its origins may take to start answering (the connection
// is silent meanwhile). 0, when a route to it turns idle off, or it speaks
// HTTP/2 (one connection carries many streams), leaves every route to
// watch for itself.
func connIdleTimeout(service string, d *config.Dynamic, topts proxy.TransportOptions) time.Duration {
	if topts.Protocol != "" && topts.Protocol != proxy.ProtocolHTTP1 {
		return 0
	}
	var idle time.Duration
	for _, rc := range d.Routes {
		if !slices.Contains(idleServices(rc), service) {
			continue
		}
		ri := rc.Timeouts.Idle.D()
		if ri <= 0 {
			return 0
		}
		idle = max(idle, ri)
	}
	if idle == 0 {
		return 0
	}
	rh := topts.ResponseHeaderTimeout
	if rh <= 0 {
		rh = defaultResponseHeader
	}
	return max(idle, rh)
}

// routeIdle is the idle timeout a route must watch per request: its own,
// unless every service it may send to (its fallback service included)
// enforces exactly that on its connections.
func routeIdle(rc *config.Route, d *config.Dynamic) time.Duration {
	ri := rc.Timeouts.Idle.D()
	if ri <= 0 {
		return 0
	}
	for _, s := range idleServices(rc) {
		sc := d.Services[s]
		if sc == nil {
			continue // compile reports the unknown service
		}
		if connIdleTimeout(s, d, transportOptions(sc.Timeouts, d.Defaults.Timeouts, sc)) != ri {
			return ri
		}
	}
	return 0
}

// routed reports whether any route's requests may reach service.
func routed(service string, d *config.Dynamic) bool {
	for _, rc := range d.Routes {
		if slices.Contains(idleServices(rc), service) {
			return true
		}
	}
	return false
}

// idleServices are the services a route's requests may reach.
func idleServices(rc *config.Route) []string {
	s := routeServices(rc)
	if rc.Fallback != nil && rc.Fallback.Service != "" {
		s = append(slices.Clone(s), rc.Fallback.Service)
	}
	return s
}
