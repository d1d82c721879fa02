package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/runtime/local"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// runtimeSource names the endpoints the local runtime contributes.
const runtimeSource = "local"

// newRuntime builds the local process manager and connects it to the
// gateway: ready instances become endpoints, and scale-in drains an
// instance's requests before it is stopped.
func (a *App) newRuntime(stateDir string) *local.Manager {
	states := a.gw.States()
	return local.New(local.Options{
		LogDir: filepath.Join(stateDir, "logs"),
		Logger: a.log.With("component", "runtime"),
		OnChange: func(svc string, ready []string) {
			ts := make([]upstream.Target, len(ready))
			for i, addr := range ready {
				ts[i] = upstream.Target{Address: addr}
			}
			a.setTargets(svc, runtimeSource, ts)
		},
		// Hold the endpoint's state while it leaves the pool, so the drain
		// below still sees its in-flight count.
		BeforeDrain: func(_, addr string) {
			states.Ref(addr).SetDown(upstream.Draining, true)
		},
		Drainer: func(ctx context.Context, addr string) error {
			defer states.Unref(addr)
			st := states.Lookup(addr)
			if st == nil {
				return nil
			}
			// A request that picked the endpoint just before it left the
			// pool may not have called Acquire yet: give it a moment.
			time.Sleep(50 * time.Millisecond)
			t := time.NewTicker(10 * time.Millisecond)
			defer t.Stop()
			// The port may be reused by a later instance: clear the mark
			// whatever happens here.
			defer st.SetDown(upstream.Draining, false)
			for st.InFlight() > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-t.C:
				}
			}
			return nil
		},
		Load: func(addr string) int64 {
			if st := states.Lookup(addr); st != nil {
				return st.InFlight()
			}
			return 0
		},
	})
}

// applyRuntime brings the runtime in line with a newly applied config:
// services with a run block get their spec (started at scale.min the first
// time), services that lost it are stopped.
func (a *App) applyRuntime(cfg *config.Config) {
	if a.rt == nil {
		return
	}
	base := filepath.Dir(a.opts.ConfigPath)
	want := map[string]bool{}
	for name, svc := range cfg.Dynamic.Services {
		if svc.Run == nil {
			continue
		}
		want[name] = true
		spec, err := local.SpecFromConfig(svc.Run, base, "")
		if err != nil {
			a.log.Error("service cannot run", "service", name, "err", err)
			continue
		}
		_, known := a.rt.Status(name)
		if err := a.rt.SetSpec(name, spec); err != nil {
			a.log.Error("service cannot run", "service", name, "err", err)
			continue
		}
		if !known {
			if err := a.rt.Scale(name, initialInstances(svc.Scale)); err != nil {
				a.log.Error("starting service", "service", name, "err", err)
			}
			a.gw.SetWaker(name, a.waker(name))
		}
	}
	for _, name := range a.rt.Services() {
		if !want[name] {
			a.rt.Remove(name)
		}
	}
}

// initialInstances is how many instances a service starts with: scale.min,
// or one when it has no scale block. A service that may scale to zero
// starts at zero and wakes on its first request (issue 9's activator).
func initialInstances(s *config.Scale) int {
	if s == nil {
		return 1
	}
	return s.Min
}

// checkRuntime reports run blocks the runtime cannot use, as config errors,
// so that validate, start and reload all refuse them the same way.
func checkRuntime(cfg *config.Config, configPath string) error {
	var errs config.ErrorList
	base := filepath.Dir(configPath)
	for name, svc := range cfg.Dynamic.Services {
		if svc.Run == nil {
			continue
		}
		if _, err := local.SpecFromConfig(svc.Run, base, ""); err != nil {
			errs = append(errs, &config.Error{File: cfg.File, Line: svc.Run.Pos.Line, Msg: "services." + name + ".run: " + err.Error()})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// waker starts an instance when a request finds the service at zero. It
// must not block the request path: the runtime call runs in a goroutine.
func (a *App) waker(name string) func() {
	return func() {
		go func() {
			st, ok := a.rt.Status(name)
			if !ok || st.Desired > 0 {
				return
			}
			a.log.Info("waking a service at zero for a request", "service", name)
			if err := a.rt.Scale(name, 1); err != nil {
				a.log.Error("waking service", "service", name, "err", err)
			}
		}()
	}
}
