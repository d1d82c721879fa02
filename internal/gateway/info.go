package gateway

import (
	"sort"

	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/config"
)

// routeInfo is the admin view of a route, computed at compile time.
type routeInfo = api.RouteInfo

func describeRoute(name string, rc *config.Route) routeInfo {
	m := map[string]any{}
	if rc.Match.Host != "" {
		m["hosts"] = []string{rc.Match.Host}
	}
	if len(rc.Match.Hosts) > 0 {
		m["hosts"] = rc.Match.Hosts
	}
	for k, v := range map[string]string{"path_exact": rc.Match.PathExact, "path_prefix": rc.Match.PathPrefix, "path_regex": rc.Match.PathRegex} {
		if v != "" {
			m[k] = v
		}
	}
	if len(rc.Match.Methods) > 0 {
		m["methods"] = rc.Match.Methods
	}
	if len(rc.Match.Headers) > 0 {
		var hs []string
		for _, h := range rc.Match.Headers {
			hs = append(hs, h.Name)
		}
		m["headers"] = hs
	}
	ri := routeInfo{Name: name, Match: m}
	switch {
	case rc.Service != "":
		ri.Action, ri.Service = "service", rc.Service
	case rc.ReadService != "":
		ri.Action = "read_write_split"
		ri.Services = map[string]string{"read": rc.ReadService, "write": rc.WriteService}
	case rc.Redirect != nil:
		ri.Action = "redirect"
	case rc.DirectResponse != nil:
		ri.Action = "direct_response"
	}
	return ri
}

// Routes lists the routes of the serving config in config order.
func (g *Gateway) Routes() []api.RouteInfo {
	snap := g.current.Load()
	out := make([]api.RouteInfo, len(snap.routes))
	copy(out, snap.routes)
	for i := range out {
		out[i].Priority = i
	}
	return out
}

// Services lists every service with its instance counts.
func (g *Gateway) Services() []api.ServiceInfo {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]api.ServiceInfo, 0, len(g.services))
	for _, b := range g.services {
		out = append(out, b.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Service describes one service and its endpoints.
func (g *Gateway) Service(name string) (api.ServiceDetail, bool) {
	g.mu.Lock()
	b, ok := g.services[name]
	g.mu.Unlock()
	if !ok {
		return api.ServiceDetail{}, false
	}
	d := api.ServiceDetail{ServiceInfo: b.info(), Endpoints: []api.EndpointInfo{}}
	for _, ep := range b.pool.Endpoints() {
		state := ep.Down().String()
		d.Endpoints = append(d.Endpoints, api.EndpointInfo{
			Address: ep.Address(), URL: ep.URL().String(), State: state, Weight: ep.Weight(),
			InFlight: ep.InFlight(), LatencyMS: float64(ep.Latency().Microseconds()) / 1000,
		})
	}
	return d, true
}

func (b *backend) info() api.ServiceInfo {
	total, ready := b.pool.Counts()
	policy := b.policy
	if policy == "" {
		policy = "round_robin"
	}
	return api.ServiceInfo{Name: b.name, Desired: total, Instances: api.Instances{Ready: ready}, Balancer: policy}
}

func (g *Gateway) publishEndpointMetrics() {
	for name, b := range g.services {
		total, ready := b.pool.Counts()
		g.metrics.SetEndpoints(name, ready, total-ready)
	}
}
