// Package app wires Shoal together for `shoal run`: it loads the config,
// builds the gateway, starts the public and admin listeners, and applies
// reloads from the file watcher, SIGHUP and the admin API. It is the control
// side; the request path lives in internal/gateway and below.
package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/dashboard"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/runtime/local"
	"github.com/shoal-gw/shoal/internal/telemetry"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// Options configure an App.
type Options struct {
	// ConfigPath is the YAML file to serve and watch.
	ConfigPath string
	// LogOutput receives Shoal's own log (default stderr).
	LogOutput io.Writer
	// AccessOutput receives the access log when its path is "-" (default stdout).
	AccessOutput io.Writer
	// TimeScale multiplies the autoscaling policies' time constants, for
	// traffic compressed in time (the demo, trace replays); see
	// autoscaler.Spec.TimeScale. 0: real time.
	TimeScale float64
}

// App is one running Shoal process.
type App struct {
	opts    Options
	log     *slog.Logger
	metrics *telemetry.Metrics
	gw      *gateway.Gateway
	access  *telemetry.AccessLog
	rt      *local.Manager
	tracer  *tracing.Tracer
	traces  *tracing.Recent
	reg     registry.Registry
	watches registryWatches
	health  healthChecks
	dns     dnsWatches
	events  eventLog
	logs    *ring[LogRecord]
	dash    *dashboard.Handler
	kroutes kubeRoutes // routes read from Gateway API HTTPRoutes

	kubeDisc kubeDiscovery // EndpointSlice discovery and the Kubernetes client

	scaler     *autoscaler.Controller
	kube       atomic.Pointer[kubeScaling] // nil outside Kubernetes mode
	scalerStop context.CancelFunc
	scalerDone chan struct{}
	public     *gateway.Server
	admin      *gateway.Server
	closers    []io.Closer

	ready atomic.Bool

	mu     sync.Mutex // serialises reloads; guards the fields below
	cfg    *config.Config
	source []byte
	status api.ReloadStatus
}

// New loads the config and builds everything without binding ports.
func New(opts Options) (*App, error) {
	if opts.LogOutput == nil {
		opts.LogOutput = os.Stderr
	}
	if opts.AccessOutput == nil {
		opts.AccessOutput = os.Stdout
	}
	data, err := os.ReadFile(opts.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := config.Parse(opts.ConfigPath, data)
	if err != nil {
		return nil, err
	}
	a := &App{opts: opts, cfg: cfg, source: data, events: newEventLog(), logs: newRing[LogRecord](logRingSize)}
	a.log = newAppLogger(opts.LogOutput, cfg.Static.Log, a.logs)
	a.logWarnings(cfg)
	a.metrics = telemetry.NewMetrics()
	a.metrics.Registry.MustRegister(newStateCollector(a))
	// The access log always feeds the searchable ring (GET /api/logs); it
	// is written out only when enabled.
	accessOut := io.Discard
	if cfg.Static.AccessLog.Enabled {
		w, closer, err := openAccessLog(cfg.Static.AccessLog.Path, opts.AccessOutput)
		if err != nil {
			return nil, err
		}
		if closer != nil {
			a.closers = append(a.closers, closer)
		}
		accessOut = w
	}
	a.access = telemetry.NewAccessLogTap(accessOut, 8192, func(e telemetry.AccessEntry) { a.logs.add(accessRecord(e)) })
	if err := a.startTracing(cfg.Static.Tracing); err != nil {
		return nil, err
	}
	a.gw = gateway.New(gateway.Options{Metrics: a.metrics, Log: a.log, AccessLog: a.access, Tracer: a.tracer})
	a.gw.SetTrustedProxies(gateway.StaticServerOptions(&cfg.Static, a.log).TrustedProxies)
	if err := checkRuntime(cfg, opts.ConfigPath); err != nil {
		return nil, err
	}
	if err := a.gw.Apply(opts.ConfigPath, &cfg.Dynamic); err != nil {
		a.gw.Close()
		return nil, err
	}
	now := time.Now()
	a.status = api.ReloadStatus{Generation: 1, Source: opts.ConfigPath, AppliedAt: now}
	a.metrics.ReloadResult(true, float64(now.Unix()))
	return a, nil
}

// Start binds the listeners and starts serving. The public listeners come
// up only after the admin one, so a port clash on either fails cleanly.
func (a *App) Start(ctx context.Context) error {
	st := a.cfg.Static
	reg, err := a.openRegistry(st)
	if err != nil {
		return err
	}
	a.reg = reg
	dash, err := dashboard.New(dashSource{a}, dashboard.Options{Log: a.log})
	if err != nil {
		_ = a.reg.Close()
		return fmt.Errorf("dashboard: %w", err)
	}
	a.dash = dash
	adminSrv, err := gateway.Listen([]string{st.Admin.Address}, admin.Handler(a, admin.Options{
		Token: st.Admin.Token, Gatherer: a.metrics.Registry, Log: a.log,
		Extra: a.mountAPI, Traces: a.traceSource(),
	}), gateway.ServerOptions{Log: a.log})
	if err != nil {
		_ = a.reg.Close()
		return fmt.Errorf("admin listener: %w", err)
	}
	pub, err := gateway.Listen(st.Listen, a.gw, gateway.StaticServerOptions(&st, a.log))
	if err != nil {
		_ = adminSrv.Shutdown(context.Background())
		_ = a.reg.Close()
		return err
	}
	a.admin, a.public = adminSrv, pub
	a.admin.Start()
	a.public.Start()
	// Instances start once the gateway serves, so their endpoints join a
	// pool that is already taking traffic.
	a.rt = a.newRuntime(st.StateDir)
	if err := a.startAutoscaler(st.StateDir); err != nil {
		return fmt.Errorf("autoscaler: %w", err)
	}
	a.applyRuntime(a.cfg)
	a.syncAutoscaler(a.cfg)
	a.syncRegistry(a.cfg)
	a.syncDNS(a.cfg)
	a.syncKubeRegistry(a.cfg)
	a.syncHealth(a.cfg)
	if err := a.startKubeRoutes(a.cfg); err != nil {
		a.log.Error("Gateway API routes will not be read", "err", err)
	}
	if err := watchFile(ctx, a.opts.ConfigPath, 200*time.Millisecond, a.log, func() {
		_ = a.Reload("file")
	}); err != nil {
		a.log.Warn("config file will not be watched; reload with SIGHUP or the admin API", "err", err)
	}
	a.ready.Store(true)
	a.log.Info("shoal is serving", "listen", pub.Addrs(), "admin", adminSrv.Addrs()[0], "config", a.opts.ConfigPath)
	return nil
}

// PublicAddrs and AdminAddr report bound addresses (tests use port 0).
func (a *App) PublicAddrs() []string { return a.public.Addrs() }
func (a *App) AdminAddr() string     { return a.admin.Addrs()[0] }

// Err reports a listener that stopped serving unexpectedly.
func (a *App) Err() <-chan error {
	out := make(chan error, 2)
	go func() {
		select {
		case err := <-a.public.Err():
			out <- err
		case err := <-a.admin.Err():
			out <- err
		}
	}()
	return out
}

// Reload re-reads the config file. trigger names the cause for the status
// API ("file", "signal").
func (a *App) Reload(trigger string) error {
	data, err := os.ReadFile(a.opts.ConfigPath)
	if err != nil {
		err = fmt.Errorf("reading config: %w", err)
		a.recordAttempt(trigger, err)
		return err
	}
	return a.apply(trigger, a.opts.ConfigPath, data)
}

// ApplyConfig implements admin.Controller for POST /api/config.
func (a *App) ApplyConfig(_ context.Context, data []byte) error {
	return a.apply("api", "POST /api/config", data)
}

func (a *App) apply(trigger, name string, data []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if data == nil {
		// Gateway API routes changed: the current config again, merged with them.
		name, data = a.status.Source, a.source
	}
	if trigger == "file" && bytes.Equal(data, a.source) {
		// Editors often write twice; an unchanged file is not a reload.
		return nil
	}
	err := a.applyLocked(name, data)
	a.recordAttemptLocked(trigger, err)
	if err != nil {
		a.log.Error("config reload rejected; the previous config keeps serving", "trigger", trigger, "err", err)
		a.events.add("", api.EventReload, "reload rejected ("+trigger+"): "+errorLines(err)[0])
		a.metrics.ReloadResult(false, 0)
		return err
	}
	now := time.Now()
	a.status.Generation++
	a.status.AppliedAt = now
	a.status.Source = name
	a.metrics.ReloadResult(true, float64(now.Unix()))
	a.log.Info("config reloaded", "trigger", trigger, "generation", a.status.Generation)
	a.events.add("", api.EventReload, fmt.Sprintf("config generation %d applied (%s)", a.status.Generation, trigger))
	return nil
}

func (a *App) applyLocked(name string, data []byte) error {
	cfg, err := config.Parse(name, data)
	if err != nil {
		return err
	}
	if cfg, err = a.withKubeRoutes(name, data, cfg); err != nil {
		return err
	}
	if diff := config.StaticDiff(a.cfg, cfg); len(diff) > 0 {
		return &staticChangeError{keys: diff}
	}
	if err := checkRuntime(cfg, a.opts.ConfigPath); err != nil {
		return err
	}
	if err := a.gw.Apply(name, &cfg.Dynamic); err != nil {
		return err
	}
	a.cfg, a.source = cfg, data
	a.logWarnings(cfg)
	a.applyRuntime(cfg)
	a.syncAutoscaler(cfg)
	a.syncRegistry(cfg)
	a.syncDNS(cfg)
	a.syncKubeRegistry(cfg)
	a.syncHealth(cfg)
	return nil
}

type staticChangeError struct{ keys []string }

func (e *staticChangeError) Error() string {
	return fmt.Sprintf("these settings need a restart and were not changed by the reload: %v", e.keys)
}

func (a *App) recordAttempt(trigger string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recordAttemptLocked(trigger, err)
	if err != nil {
		a.metrics.ReloadResult(false, 0)
		a.log.Error("config reload failed", "trigger", trigger, "err", err)
	}
}

func (a *App) recordAttemptLocked(trigger string, err error) {
	at := &api.Attempt{At: time.Now(), Trigger: trigger, OK: err == nil}
	if err != nil {
		at.Errors = errorLines(err)
	}
	a.status.LastAttempt = at
}

// Shutdown drains the public listeners within the configured drain timeout,
// then stops the admin listener and flushes the access log.
func (a *App) Shutdown(ctx context.Context) error {
	a.ready.Store(false)
	a.mu.Lock()
	drain := a.cfg.Static.DrainTimeout.D()
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, drain)
	defer cancel()
	var errs []error
	if a.public != nil {
		errs = append(errs, a.public.Shutdown(ctx))
	}
	if a.admin != nil {
		actx, acancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, a.admin.Shutdown(actx))
		acancel()
	}
	if a.dash != nil {
		a.dash.Close()
	}
	errs = append(errs, a.stopAutoscaler())
	if a.rt != nil {
		// Instances stop after the listeners drained: requests in flight
		// through the gateway still had somewhere to go.
		rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
		errs = append(errs, a.rt.Close(rctx))
		rcancel()
	}
	errs = append(errs, a.stopRegistry())
	a.stopDNS()
	a.stopKubeRegistry()
	a.stopHealth()
	a.stopKubeRoutes()
	a.gw.Close()
	tctx, tcancel := context.WithTimeout(context.Background(), 5*time.Second)
	errs = append(errs, a.tracer.Shutdown(tctx))
	tcancel()
	a.access.Close()
	for _, c := range a.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
