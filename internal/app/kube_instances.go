package app

import (
	"context"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
	kuberegistry "github.com/shoal-gw/shoal/internal/registry/kube"
)

// kubeInstances returns the instances EndpointSlices list for service, and
// whether the service is fed by Kubernetes discovery at all.
func (a *App) kubeInstances(ctx context.Context, service string) ([]registry.Instance, bool) {
	d := &a.kubeDisc
	d.mu.Lock()
	reg, fed := d.reg, d.watches[service] != nil
	d.mu.Unlock()
	if reg == nil || !fed {
		return nil, false
	}
	insts, err := reg.List(ctx, service)
	if err != nil {
		return nil, false
	}
	return insts, true
}

// kubeDraining counts the instances of service that Kubernetes reports
// terminating but still serving: they keep their in-flight requests and
// take no new ones, as a local runtime's draining processes do.
func (a *App) kubeDraining(service string) int {
	insts, _ := a.kubeInstances(context.Background(), service)
	n := 0
	for _, in := range insts {
		if in.Metadata[kuberegistry.MetaDraining] == "true" {
			n++
		}
	}
	return n
}

// kubeColdStart is the measured time from a raised replica count to its
// readiness (moving average) of a Kubernetes workload, once one was seen.
func (a *App) kubeColdStart(service string) (time.Duration, bool) {
	ks := a.kube.Load()
	if ks == nil {
		return 0, false
	}
	o, ok := ks.scaler.Status(service)
	if !ok || o.ColdStart <= 0 {
		return 0, false
	}
	return o.ColdStart, true
}

// listingRegistry is the registry the admin API's instance listing reads:
// self-registered instances and, for services discovered from
// EndpointSlices, those too (read-only: registering still goes to the
// self-registration store).
type listingRegistry struct {
	registry.Registry
	a *App
}

func (r listingRegistry) List(ctx context.Context, service string) ([]registry.Instance, error) {
	own, err := r.Registry.List(ctx, service)
	if err != nil {
		return nil, err
	}
	kube, ok := r.a.kubeInstances(ctx, service)
	if !ok {
		return own, nil
	}
	return append(own, kube...), nil
}
