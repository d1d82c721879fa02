package gateway

import (
	"maps"
	"slices"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// Endpoints reach a service from several sources: the config's static
// list, the registry (self-registration, etcd, DNS) and the local runtime.
// The gateway keeps each source's latest set and gives the pool their union,
// so one source updating never erases another's endpoints.

// SetSourceTargets replaces the endpoints that source contributes to
// service. A service not (yet) in the config keeps them until it appears.
func (g *Gateway) SetSourceTargets(service, source string, targets []upstream.Target) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dynamic == nil {
		g.dynamic = map[string]map[string][]upstream.Target{}
	}
	bySource := g.dynamic[service]
	if bySource == nil {
		bySource = map[string][]upstream.Target{}
		g.dynamic[service] = bySource
	}
	if len(targets) == 0 {
		delete(bySource, source)
	} else {
		bySource[source] = slices.Clone(targets)
	}
	b, ok := g.services[service]
	if !ok {
		return nil
	}
	err := b.pool.Update(g.mergedLocked(service, g.static[service]))
	g.publishEndpointMetrics()
	g.pruneEndpointsLocked(service)
	if a := g.slotFor(service).act.Load(); a != nil {
		a.Notify()
	}
	return err
}

// mergedLocked is the union of the static targets and every source's,
// first occurrence of an address winning (config weights beat discovered
// ones).
func (g *Gateway) mergedLocked(service string, static []upstream.Target) []upstream.Target {
	out := slices.Clone(static)
	seen := map[string]bool{}
	for _, t := range out {
		if addr, _, err := upstream.ParseTarget(t); err == nil {
			seen[addr] = true
		}
	}
	sources := slices.Sorted(maps.Keys(g.dynamic[service]))
	for _, src := range sources {
		for _, t := range g.dynamic[service][src] {
			addr, _, err := upstream.ParseTarget(t)
			if err != nil || seen[addr] {
				continue
			}
			seen[addr] = true
			out = append(out, t)
		}
	}
	return out
}

// States is the per-endpoint state store, for control-side code that must
// hold an endpoint's state across pool changes (draining) or read its load.
func (g *Gateway) States() *upstream.States { return g.states }

// EndpointAddrs lists the addresses of a service's endpoints, ready or not.
func (g *Gateway) EndpointAddrs(service string) []string {
	g.mu.Lock()
	b := g.services[service]
	g.mu.Unlock()
	if b == nil {
		return nil
	}
	eps := b.pool.Endpoints()
	out := make([]string, len(eps))
	for i, ep := range eps {
		out[i] = ep.Address()
	}
	return out
}
