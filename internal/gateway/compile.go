package gateway

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/shoal-gw/shoal/internal/balancer"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/routing"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// plan is a compiled config before it is committed: building it touches
// nothing that serves, so a failure leaves the running config alone.
type plan struct {
	snap     *snapshot
	backends map[string]*backend // every service of the new config
	fresh    map[string]bool     // backends created by this plan
	targets  map[string][]upstream.Target
	policies map[string]upstream.BalancerFactory
}

// Apply compiles d and swaps it in with one atomic store. On error nothing
// changes; the error lists each problem as file:line: message where the
// config has a position for it.
func (g *Gateway) Apply(file string, d *config.Dynamic) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, err := g.compile(file, d, false)
	if err != nil {
		return err
	}
	// Commit: update kept pools in place, then publish the new table, then
	// retire what the new config no longer uses.
	for name, b := range p.backends {
		if !p.fresh[name] {
			if b.policy != d.Services[name].Balancer.Policy {
				b.pool.SetBalancer(p.policies[name])
				b.policy = d.Services[name].Balancer.Policy
			}
		}
		b.pool.SetPanicThreshold(d.Services[name].PanicThreshold)
		g.slotFor(name).pool.Store(b.pool)
		// Targets were validated while compiling, so Update cannot fail
		// here except on a closed pool, which compile never hands out.
		if err := b.pool.Update(g.mergedLocked(name, p.targets[name])); err != nil {
			g.log.Error("updating endpoints", "service", name, "err", err)
		}
	}
	g.static = p.targets
	old := g.services
	g.services = p.backends
	g.current.Store(p.snap)
	for name, b := range old {
		if nb, ok := g.services[name]; !ok || nb != b {
			b.close()
		}
	}
	g.publishEndpointMetrics()
	g.pruneResilience(d)
	for name := range p.backends {
		if a := g.slotFor(name).act.Load(); a != nil {
			a.Notify()
		}
	}
	return nil
}

// Check compiles d without serving it, for `shoal validate`.
func Check(file string, d *config.Dynamic) error {
	g := New(Options{})
	defer g.Close()
	p, err := g.compile(file, d, true)
	if err != nil {
		return err
	}
	for name, b := range p.backends {
		if err := b.pool.Update(p.targets[name]); err != nil {
			return err
		}
	}
	return nil
}

// compile builds a plan; check is true for `shoal validate`, which must not
// create long-lived per-service state.
func (g *Gateway) compile(file string, d *config.Dynamic, check bool) (*plan, error) {
	var errs config.ErrorList
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &config.Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	p := &plan{
		backends: map[string]*backend{},
		fresh:    map[string]bool{},
		targets:  map[string][]upstream.Target{},
		policies: map[string]upstream.BalancerFactory{},
	}
	handlers := map[string]*service{}
	names := make([]string, 0, len(d.Services))
	for name := range d.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sc := d.Services[name]
		f, err := balancer.New(balancer.Options{Policy: sc.Balancer.Policy, HashOn: hashSpec(sc.Balancer.HashKey)})
		if err != nil {
			fail(sc.Balancer.Pos.Line, "service %q: %v", name, err)
			continue
		}
		targets := make([]upstream.Target, 0, len(sc.Endpoints))
		for i, e := range sc.Endpoints {
			t := upstream.Target{Address: e.URL, Weight: e.Weight}
			if _, _, err := upstream.ParseTarget(t); err != nil {
				fail(e.Pos.Line, "service %q endpoint %d: %v", name, i, err)
			}
			targets = append(targets, t)
		}
		topts := transportOptions(sc.Timeouts, d.Defaults.Timeouts, sc)
		topts.IdleTimeout = connIdleTimeout(name, d, topts)
		b := g.services[name]
		if b != nil && !routed(name, d) {
			// No route reaches the service, so no route's idle timeout
			// applies to its connections: keep the one it had rather than
			// replace the backend, and its warm connections, for a setting
			// nothing uses (flipping a route from blue to green replaced
			// both services' backends on every flip).
			topts.IdleTimeout = b.topts.IdleTimeout
		}
		if b == nil || b.topts != topts {
			b = &backend{name: name, topts: topts, policy: sc.Balancer.Policy}
			b.pool = upstream.NewPool(name, g.states, f)
			b.transport = proxy.NewTransport(topts)
			b.fwd = proxy.NewReverseProxy(g.tracer.Transport(b.transport), g.log.With("service", name), proxy.WithTransportOptions(topts))
			p.fresh[name] = true
		}
		p.backends[name] = b
		p.targets[name] = targets
		p.policies[name] = f
		h := &service{
			backend:        b,
			requestTimeout: pick(sc.Timeouts.Request.D(), d.Defaults.Timeouts.Request.D(), 0),
			observer:       g.slotFor(name),
			noEndpoint:     g.metrics.GatewayError("no_endpoint"),
		}
		for k := proxy.ErrConnect; k < proxy.ErrClientGone; k++ {
			h.errCounters[k] = g.metrics.UpstreamError(name, k.Reason())
		}
		handlers[name] = h
		if sc.Scale != nil && !check {
			// Services Shoal scales hold requests while they have no
			// capacity (scaled to zero, or every instance starting).
			g.ensureActivator(name, activatorOptions{
				QueueLimit: sc.Scale.QueueLimit, WaitTimeout: sc.Scale.WaitTimeout.D(),
				StartingPage: sc.Scale.StartingPage, ContainerConcurrency: sc.Scale.ContainerConcurrency,
			})
		}
	}

	routes := make([]routing.Route, 0, len(d.Routes))
	infos := make([]routeInfo, 0, len(d.Routes))
	for i, rc := range d.Routes {
		name := rc.Name
		if name == "" {
			name = "route-" + strconv.Itoa(i)
		}
		match, err := routeMatch(rc.Match)
		if err != nil {
			fail(rc.Match.Pos.Line, "route %q: %v", name, err)
			continue
		}
		h, svcLabel, err := g.routeHandler(name, rc, d, handlers)
		if err != nil {
			fail(rc.Pos.Line, "route %q: %v", name, err)
			continue
		}
		routes = append(routes, routing.Route{Name: name, Service: svcLabel, Match: match, Handler: h})
		infos = append(infos, describeRoute(name, rc))
	}
	var table *routing.Table
	if len(errs) == 0 {
		t, err := routing.Build(routes)
		if err != nil {
			fail(d.Pos.Line, "%v", err)
		}
		table = t
	}
	if len(errs) > 0 {
		p.discard()
		return nil, errs
	}
	p.snap = &snapshot{table: table, services: handlers, routes: infos}
	return p, nil
}

// discard closes backends a failed compile created.
func (p *plan) discard() {
	for name := range p.fresh {
		p.backends[name].close()
	}
}

func (g *Gateway) routeHandler(name string, rc *config.Route, d *config.Dynamic, svcs map[string]*service) (http.Handler, string, error) {
	svc := func(n string) (http.Handler, error) {
		if h, ok := svcs[n]; ok {
			return g.wrapService(n, h), nil
		}
		return nil, fmt.Errorf("no service named %q", n)
	}
	var terminal http.Handler
	label := ""
	var err error
	switch {
	case rc.Service != "":
		terminal, err = svc(rc.Service)
		label = rc.Service
	case rc.ReadService != "" && rc.WriteService != "":
		rw := &readWrite{}
		if rw.read, err = svc(rc.ReadService); err == nil {
			rw.write, err = svc(rc.WriteService)
		}
		terminal, label = rw, rc.ReadService+"+"+rc.WriteService
	case rc.Redirect != nil:
		terminal, err = redirectHandler(rc.Redirect)
	case rc.DirectResponse != nil:
		terminal, err = directHandler(rc.DirectResponse)
	default:
		err = fmt.Errorf("no action (service, read_service with write_service, redirect or direct_response)")
	}
	if err != nil {
		return nil, "", err
	}
	h, err := wrapModifiers(terminal, rc)
	if err != nil {
		return nil, "", err
	}
	if h, err = g.wrapPolicies(h, name, rc, d); err != nil {
		return nil, "", err
	}
	return &routeHandler{name: name, service: label, metrics: g.metrics.Route(name, label), access: g.access, tracer: g.tracer, next: h}, label, nil
}
