package app

import (
	"context"
	"reflect"
	"sync"

	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/health"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// healthChecks holds each service's active checker and outlier detector.
// Their verdicts reach the request path as reasons on the endpoint's state
// (upstream.Unhealthy, upstream.Ejected), so neither overrides the other nor
// a drain.
type healthChecks struct {
	mu  sync.Mutex
	svc map[string]*serviceHealth
}

type serviceHealth struct {
	healthCfg  *config.Health
	outlierCfg *config.Outlier
	checker    *health.Checker
	outlier    *health.OutlierDetector
	cancel     context.CancelFunc
	done       sync.WaitGroup
}

func (s *serviceHealth) stop() {
	s.cancel()
	s.done.Wait()
}

// syncHealth starts, replaces or stops checkers to match cfg.
func (a *App) syncHealth(cfg *config.Config) {
	h := &a.health
	h.mu.Lock()
	if h.svc == nil {
		h.svc = map[string]*serviceHealth{}
	}
	for name, sc := range cfg.Dynamic.Services {
		cur := h.svc[name]
		if cur != nil && reflect.DeepEqual(cur.healthCfg, sc.Health) && reflect.DeepEqual(cur.outlierCfg, sc.Outlier) {
			continue
		}
		if cur != nil {
			cur.stop()
			delete(h.svc, name)
			a.gw.SetObserver(name, nil)
			a.clearReasons(name)
		}
		if sc.Health == nil && sc.Outlier == nil {
			continue
		}
		sh, err := a.newServiceHealth(name, sc)
		if err != nil {
			a.log.Error("health checks not started", "service", name, "err", err)
			continue
		}
		h.svc[name] = sh
	}
	for name, cur := range h.svc {
		if _, ok := cfg.Dynamic.Services[name]; !ok {
			cur.stop()
			delete(h.svc, name)
			a.gw.SetObserver(name, nil)
		}
	}
	names := make([]string, 0, len(h.svc))
	for name := range h.svc {
		names = append(names, name)
	}
	h.mu.Unlock()
	// A reload may have changed endpoints of services whose checks did not
	// change: every checker learns its current set.
	for _, name := range names {
		a.syncHealthTargets(name)
	}
}

func (a *App) newServiceHealth(name string, sc *config.Service) (*serviceHealth, error) {
	states := a.gw.States()
	setReason := func(addr string, r upstream.Reason, down bool) {
		if st := states.Lookup(addr); st != nil {
			st.SetDown(r, down)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	sh := &serviceHealth{healthCfg: sc.Health, outlierCfg: sc.Outlier, cancel: cancel}
	log := a.log.With("service", name)
	if hc := sc.Health; hc != nil {
		c, err := health.NewChecker(health.CheckerOptions{
			Service: name, Probe: probeSpec(hc),
			Interval: hc.Interval.D(), Timeout: hc.Timeout.D(),
			Jitter: hc.Jitter, NoJitter: hc.Jitter == 0,
			HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold,
			InitiallyHealthy: hc.InitiallyHealthy,
			Sink: health.SinkFunc(func(addr string, healthy bool) {
				setReason(addr, upstream.Unhealthy, !healthy)
			}),
			OnEvent: func(ev health.Event) {
				log.Info("health check", "endpoint", ev.Address, "status", ev.New.String(), "reason", ev.Reason)
				a.events.add(name, api.EventHealth, ev.Address+" "+ev.New.String()+": "+ev.Reason)
			},
		})
		if err != nil {
			cancel()
			return nil, err
		}
		sh.checker = c
		sh.done.Add(1)
		go func() { defer sh.done.Done(); _ = c.Run(ctx) }()
	}
	if oc := sc.Outlier; oc != nil {
		d, err := health.NewOutlierDetector(health.OutlierOptions{
			Service:                   name,
			Consecutive5xx:            offIfZero(oc.Consecutive5xx),
			ConsecutiveGatewayFailure: offIfZero(oc.ConsecutiveGatewayFailure),
			BaseEjectionTime:          oc.BaseEjectionTime.D(),
			MaxEjectionTime:           oc.MaxEjectionTime.D(),
			MaxEjectionPercent:        oc.MaxEjectionPercent,
			Ejector: health.EjectorFunc(func(addr string, ejected bool) {
				setReason(addr, upstream.Ejected, ejected)
			}),
			OnEvent: func(ev health.OutlierEvent) {
				log.Warn("outlier detection", "endpoint", ev.Address, "action", ev.Action, "reason", ev.Reason)
				a.events.add(name, api.EventEjection, ev.Address+" "+ev.Action+": "+ev.Reason)
			},
		})
		if err != nil {
			cancel()
			sh.done.Wait()
			return nil, err
		}
		sh.outlier = d
		sh.done.Add(1)
		go func() { defer sh.done.Done(); _ = d.Run(ctx) }()
		a.gw.SetObserver(name, outlierObserver{d})
	}
	return sh, nil
}

// syncHealthTargets tells a service's checkers its current endpoints.
func (a *App) syncHealthTargets(service string) {
	a.health.mu.Lock()
	sh := a.health.svc[service]
	a.health.mu.Unlock()
	if sh == nil {
		return
	}
	addrs := a.gw.EndpointAddrs(service)
	if sh.checker != nil {
		if err := sh.checker.Update(addrs); err != nil {
			a.log.Error("health check targets", "service", service, "err", err)
		}
	}
	if sh.outlier != nil {
		sh.outlier.Update(addrs)
	}
}

// clearReasons drops health verdicts of a service whose checks went away,
// so its endpoints are not kept out by a checker that no longer runs.
func (a *App) clearReasons(service string) {
	states := a.gw.States()
	for _, addr := range a.gw.EndpointAddrs(service) {
		if st := states.Lookup(addr); st != nil {
			st.SetDown(upstream.Unhealthy, false)
			st.SetDown(upstream.Ejected, false)
		}
	}
}

func (a *App) stopHealth() {
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	for name, sh := range a.health.svc {
		sh.stop()
		delete(a.health.svc, name)
	}
}

func probeSpec(h *config.Health) health.ProbeSpec {
	switch h.Type {
	case "tcp":
		return health.TCPCheck{}
	case "grpc":
		return health.GRPCCheck{Service: h.GRPCService}
	default:
		c := health.HTTPCheck{Path: h.Path, Host: h.Host}
		for _, s := range h.ExpectStatus {
			// Validated by config; a bad range cannot reach here.
			lo, hi, _ := config.ParseStatusRange(s)
			c.Expected = append(c.Expected, health.StatusRange{Lo: lo, Hi: hi})
		}
		return c
	}
}

// offIfZero maps the config's "0 turns the rule off" to the detector's -1.
func offIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// outlierObserver adapts the detector to the gateway's attempt hook.
type outlierObserver struct{ d *health.OutlierDetector }

func (o outlierObserver) Observe(addr string, kind proxy.ErrorKind, status int) {
	var out health.Outcome
	switch kind {
	case proxy.ErrNone:
		out = health.OutcomeForStatus(status)
	case proxy.ErrConnect:
		out = health.ConnectFailure
	case proxy.ErrTimeout:
		out = health.Timeout
	case proxy.ErrReset, proxy.ErrProtocol:
		out = health.Reset
	default:
		return
	}
	o.d.Observe(addr, out)
}
