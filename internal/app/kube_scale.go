package app

import (
	"context"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/kube/election"
	"github.com/shoal-gw/shoal/internal/kube/history"
	"github.com/shoal-gw/shoal/internal/kube/peers"
	kuberuntime "github.com/shoal-gw/shoal/internal/runtime/kube"
)

// kubeSnapshotEvery is how often the leader saves learned state to the
// history ConfigMap: a leader that dies without a goodbye loses at most this much.
const kubeSnapshotEvery = 30 * time.Second

// kubeScaling is the Kubernetes side of autoscaling, present when the
// static config has a kubernetes block: services with a
// kubernetes.workload scale through the scale subresource, a Lease elects
// the one gateway that runs the controller, the leader reads the other
// gateways' signals, and the learned history lives in a ConfigMap.
type kubeScaling struct {
	scaler  *kuberuntime.Scaler
	elector *election.Elector
	finder  *peers.Finder // nil without kubernetes.peers.service
	history string
}

// dispatchScaler sends each service to the scaler that runs it: the
// Kubernetes workload when it has one, else the local runtime.
type dispatchScaler struct {
	local autoscaler.Scaler
	kube  *kuberuntime.Scaler
}

func (d dispatchScaler) Scale(service string, n int) error {
	if d.kube.Has(service) {
		return d.kube.Scale(service, n)
	}
	return d.local.Scale(service, n)
}

// ScaleAtLeast lets a wake raise a count without ever lowering one.
func (d dispatchScaler) ScaleAtLeast(service string, n int) (int, error) {
	if d.kube.Has(service) {
		return d.kube.ScaleAtLeast(service, n)
	}
	if o, ok := d.local.Status(service); ok && o.Desired >= n {
		return o.Desired, nil
	}
	return n, d.local.Scale(service, n)
}

func (d dispatchScaler) Status(service string) (autoscaler.Observed, bool) {
	if d.kube.Has(service) {
		return d.kube.Status(service)
	}
	return d.local.Status(service)
}

// setupKube adjusts the controller's options for Kubernetes mode; without
// a kubernetes block it changes nothing.
func (a *App) setupKube(opts *autoscaler.Options) error {
	k := a.cfg.Static.Kubernetes
	if k == nil {
		return nil
	}
	cl, err := a.kubeClients(k)
	if err != nil {
		return err
	}
	log := a.log.With("component", "kube-scaler")
	sc, err := kuberuntime.New(kuberuntime.Options{
		Client: cl.Kube, Dynamic: cl.Dynamic, Log: log,
		OnEvent: func(service, text string) { a.events.add(service, api.EventScale, text) },
	})
	if err != nil {
		return err
	}
	ks := &kubeScaling{scaler: sc, history: k.History}
	opts.Scaler = dispatchScaler{local: opts.Scaler, kube: sc}
	if k.History == "configmap" {
		opts.Store = history.New(cl.Kube, k.LeaseNamespace(), k.LeaderElection.Lease)
		opts.SnapshotEvery = kubeSnapshotEvery
	}
	if k.Peers.Service != "" {
		ks.finder = peers.NewFinder(cl.Kube, k.Namespace, k.Peers.Service, k.Peers.Port)
		opts.Source = peers.NewSource(peers.SourceOptions{
			Local: opts.Source, Peers: ks.finder.URLs, Token: a.cfg.Static.Admin.Token,
			Log: a.log.With("component", "peers"),
		})
	}
	le := k.LeaderElection
	ks.elector, err = election.New(election.Options{
		Client: cl.Kube, Namespace: k.LeaseNamespace(), Lease: le.Lease,
		LeaseDuration: le.LeaseDuration.D(), RenewDeadline: le.RenewDeadline.D(), RetryPeriod: le.RetryPeriod.D(),
		Lead: a.lead, Log: a.log.With("component", "election"),
		OnChange: func(leader string) {
			a.events.add("", api.EventScale, "autoscaler leader: "+leader)
		},
	})
	if err != nil {
		sc.Close()
		if ks.finder != nil {
			ks.finder.Close()
		}
		return err
	}
	a.kube.Store(ks)
	return nil
}

// runAutoscaler runs the controller: at once outside Kubernetes mode, and
// only while this gateway holds the Lease in it. A follower keeps its view
// of the workloads current for the API and metrics.
func (a *App) runAutoscaler(ctx context.Context, c *autoscaler.Controller) {
	ks := a.kube.Load()
	if ks == nil {
		_ = c.Run(ctx)
		return
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !ks.elector.IsLeader() {
					c.Observe()
				}
			}
		}
	}()
	if err := ks.elector.Run(ctx); err != nil {
		a.log.Error("leader election stopped", "err", err)
	}
}

// lead runs the controller while this gateway holds the Lease. It starts
// from the learned state the previous leader saved and saves its own when
// it stops leading.
func (a *App) lead(ctx context.Context) {
	c := a.scaler
	ks := a.kube.Load()
	c.Restore()
	a.log.Info("autoscaler: this gateway is the leader", "identity", ks.elector.Identity(), "lease", ks.elector.LeaseName())
	_ = c.Run(ctx)
	if err := c.Save(); err != nil {
		a.log.Warn("autoscaler: saving learned state on leaving the leadership", "err", err)
	}
}

// syncKubeScaler points the Kubernetes scaler at cfg's workloads.
func (a *App) syncKubeScaler(cfg *config.Config) {
	ks := a.kube.Load()
	if ks == nil {
		return
	}
	want := map[string]bool{}
	for name, svc := range cfg.Dynamic.Services {
		if !kubeScaled(svc) {
			continue
		}
		k := svc.Kubernetes
		if err := ks.scaler.Set(name, kuberuntime.Target{Namespace: k.Namespace, Workload: k.Workload, TakeOver: k.TakeOver}); err != nil {
			a.log.Error("service cannot scale on Kubernetes", "service", name, "err", err)
			continue
		}
		want[name] = true
	}
	for _, name := range ks.scaler.Services() {
		if !want[name] {
			ks.scaler.Remove(name)
		}
	}
}

// kubeScaled reports whether a service scales a Kubernetes workload.
func kubeScaled(svc *config.Service) bool {
	return svc.Scale != nil && svc.Kubernetes != nil && svc.Kubernetes.Workload != ""
}

func (a *App) stopKube() {
	ks := a.kube.Load()
	if ks == nil {
		return
	}
	ks.scaler.Close()
	if ks.finder != nil {
		ks.finder.Close()
	}
}
