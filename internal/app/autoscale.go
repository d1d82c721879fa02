package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/autoscale"
	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/runtime/local"
)

// signalSource feeds the autoscaler from the gateway's per-service signals.
type signalSource struct{ a *App }

func (s signalSource) Drain(service string, now time.Time) []autoscale.Sample {
	return s.a.gw.Signals(service).Drain(now)
}

// runtimeScaler lets the autoscaler drive the local runtime.
type runtimeScaler struct{ rt *local.Manager }

func (s runtimeScaler) Scale(service string, n int) error { return s.rt.Scale(service, n) }

func (s runtimeScaler) Status(service string) (autoscaler.Observed, bool) {
	st, ok := s.rt.Status(service)
	if !ok {
		return autoscaler.Observed{}, false
	}
	return autoscaler.Observed{
		Desired: st.Desired, Ready: st.Ready, Starting: st.Starting + st.Failed,
		Draining: st.Draining, ColdStart: st.ColdStartAvg, ColdStartSpread: st.ColdStartDev,
	}, true
}

// startAutoscaler runs the controller that scales every service with a
// scale block and a run block or a Kubernetes workload; in Kubernetes mode
// only the gateway holding the Lease runs its decisions (kube_scale.go).
func (a *App) startAutoscaler(stateDir string) error {
	opts := autoscaler.Options{
		Scaler: runtimeScaler{a.rt}, Source: signalSource{a},
		Log: a.log.With("component", "autoscaler"), StateDir: stateDir,
	}
	if err := a.setupKube(&opts); err != nil {
		return err
	}
	c, err := autoscaler.New(opts)
	if err != nil {
		return err
	}
	a.scaler = c
	a.metrics.Registry.MustRegister(a.leaderMetric())
	ctx, cancel := context.WithCancel(context.Background())
	a.scalerStop = cancel
	a.scalerDone = make(chan struct{})
	go func() {
		defer close(a.scalerDone)
		a.runAutoscaler(ctx, c)
	}()
	return nil
}

// syncAutoscaler configures the controller for cfg's scaled services.
func (a *App) syncAutoscaler(cfg *config.Config) {
	if a.scaler == nil {
		return
	}
	a.syncKubeScaler(cfg)
	want := map[string]bool{}
	for name, svc := range cfg.Dynamic.Services {
		if svc.Scale == nil || (svc.Run == nil && !kubeScaled(svc)) {
			continue
		}
		want[name] = true
		err := a.scaler.Configure(name, scaleSpec(svc.Scale, a.opts.TimeScale))
		if err != nil {
			a.log.Error("autoscaling not configured", "service", name, "err", err)
			continue
		}
		c := a.scaler
		a.gw.SetWaker(name, func() { go c.Wake(name) })
	}
	for _, name := range a.scaler.Services() {
		if !want[name] {
			a.scaler.Remove(name)
		}
	}
}

// scaleSpec is the autoscaler's view of a scale block. A target not
// written is left to the autoscaler, which derives it from the concurrency
// limit when there is one (else config's default of 10), and lowers a
// written one above that limit to it (config warns of that).
func scaleSpec(sc *config.Scale, timeScale float64) autoscaler.Spec {
	target := sc.Target
	if !sc.Pos.Has("target") {
		target = 0
	}
	return autoscaler.Spec{
		Policy: sc.Policy, Metric: sc.Metric, Target: target, ContainerConcurrency: sc.ContainerConcurrency,
		Min: sc.Min, Max: sc.Max,
		ColdStartHint: sc.ColdStart.D(), ScaleToZeroGrace: sc.ScaleToZeroGrace.D(),
		TimeScale: timeScale,
	}
}

func (a *App) stopAutoscaler() error {
	if a.scaler == nil {
		return nil
	}
	// Close first: it stops the decisions and saves the learned state
	// while this gateway still holds the Lease, which the cancel then
	// hands over.
	err := a.scaler.Close()
	a.scalerStop()
	<-a.scalerDone
	a.stopKube()
	return err
}

// scalingHandler serves GET /api/services/{s}/scaling: the autoscaler's view
// and its recent decisions.
func (a *App) scalingHandler(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("service")
	st, ok := a.scaler.Status(name)
	if !ok {
		admin.WriteJSONError(w, http.StatusNotFound, "service "+name+" is not autoscaled (it needs a scale: block and a run: block or kubernetes.workload)")
		return
	}
	admin.WriteJSON(w, http.StatusOK, map[string]any{"status": st, "events": a.scaler.Events(name)})
}

// scaleTimeline indexes the autoscaler's per-second record of a service by
// second, converted to the dashboard's request-rate units.
func (a *App) scaleTimeline(service string, since time.Time) map[int64]api.DashboardPoint {
	if a.scaler == nil {
		return nil
	}
	st, ok := a.scaler.Status(service)
	if !ok {
		return nil
	}
	out := map[int64]api.DashboardPoint{}
	for _, p := range a.scaler.Timeline(service, since) {
		capacity, forecast := p.Capacity, p.Forecast
		if st.Metric != "rps" && p.InFlight > 0 {
			// Concurrency units to requests per second, by Little's law
			// on this second's own traffic.
			perReq := p.Arrivals / p.InFlight
			capacity *= perReq
			forecast *= perReq
		}
		out[p.T.Unix()] = api.DashboardPoint{
			Ready: p.Ready, Starting: p.Starting, Draining: p.Draining, Desired: p.Desired,
			Capacity: capacity, Forecast: forecast,
		}
	}
	return out
}

// scaleEvents lists the autoscaler's decisions after since, as dashboard
// events.
func (a *App) scaleEvents(since time.Time) []api.DashboardEvent {
	if a.scaler == nil {
		return nil
	}
	var out []api.DashboardEvent
	for _, name := range a.scaler.Services() {
		for _, ev := range a.scaler.Events(name) {
			if !ev.Time.After(since) {
				continue
			}
			text := ev.Reason
			if ev.Kind == "scale" || ev.Kind == "wake" {
				text = fmt.Sprintf("%d → %d: %s", ev.From, ev.To, ev.Reason)
			}
			out = append(out, api.DashboardEvent{Time: ev.Time, Service: name, Kind: api.EventScale, Text: text})
		}
	}
	return out
}
