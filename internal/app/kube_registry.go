package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/kube/client"
	kuberegistry "github.com/shoal-gw/shoal/internal/registry/kube"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// kubeSource names the endpoints that EndpointSlices contribute.
const kubeSource = "kubernetes"

// kubeDiscovery feeds the services that have a kubernetes block from
// their EndpointSlices, and holds the process's one Kubernetes client.
type kubeDiscovery struct {
	connMu  sync.Mutex
	clients *client.Clients

	mu      sync.Mutex
	reg     *kuberegistry.Registry
	watches map[string]*kubeWatch // Shoal service → its feed
}

type kubeWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// kubeClients returns the Kubernetes clients of this gateway, built on
// first use from the static kubernetes block k (which a reload cannot
// change), so discovery, scaling and routes share one connection.
func (a *App) kubeClients(k *config.Kubernetes) (*client.Clients, error) {
	d := &a.kubeDisc
	d.connMu.Lock()
	defer d.connMu.Unlock()
	if d.clients != nil {
		return d.clients, nil
	}
	c, err := client.New(k)
	if err != nil {
		return nil, err
	}
	d.clients = c
	return c, nil
}

// syncKubeRegistry maps the services of cfg that have a kubernetes block
// to their Kubernetes Services, starting a feed for each new one and
// ending those of services that lost the block.
func (a *App) syncKubeRegistry(cfg *config.Config) {
	if cfg.Static.Kubernetes == nil {
		return
	}
	sources := map[string]kuberegistry.Source{}
	for name, svc := range cfg.Dynamic.Services {
		if t, ok := svc.KubeTarget(); ok {
			src := kuberegistry.Source{Namespace: t.Namespace, Service: t.Name, PortName: t.PortName, PortNumber: t.PortNumber}
			if t.NodeLocal {
				// Validation guarantees a node name for node_local.
				src.Node = cfg.Static.Kubernetes.NodeName
			}
			sources[name] = src
		}
	}
	d := &a.kubeDisc
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reg == nil {
		if len(sources) == 0 {
			return
		}
		reg, err := a.openKubeRegistry(cfg.Static.Kubernetes)
		if err != nil {
			a.log.Error("kubernetes discovery not started; services with a kubernetes block have no endpoints", "err", err)
			return
		}
		d.reg, d.watches = reg, map[string]*kubeWatch{}
	}
	if err := d.reg.SetServices(sources); err != nil {
		a.log.Error("kubernetes discovery", "err", err)
		return
	}
	for name := range sources {
		if d.watches[name] != nil {
			continue
		}
		w, err := a.feedKube(d.reg, name)
		if err != nil {
			a.log.Error("watching EndpointSlices", "service", name, "err", err)
			continue
		}
		d.watches[name] = w
	}
	for name, w := range d.watches {
		if _, ok := sources[name]; !ok {
			w.cancel()
			<-w.done
			delete(d.watches, name)
		}
	}
}

func (a *App) openKubeRegistry(k *config.Kubernetes) (*kuberegistry.Registry, error) {
	c, err := a.kubeClients(k)
	if err != nil {
		return nil, err
	}
	reg, err := kuberegistry.New(kuberegistry.Options{Client: c.Kube, Logger: a.log})
	if err != nil {
		return nil, fmt.Errorf("kubernetes registry: %w", err)
	}
	return reg, nil
}

// feedKube turns the registry's sets for one service into its
// endpoints. A draining instance (terminating but serving) stays listed
// but is marked Draining, so it takes no new requests while those in
// flight finish and the admin API shows it as draining.
func (a *App) feedKube(reg *kuberegistry.Registry, name string) (*kubeWatch, error) {
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := reg.Watch(ctx, name)
	if err != nil {
		cancel()
		return nil, err
	}
	w := &kubeWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		states := a.gw.States()
		held := map[string]*upstream.State{} // draining marks this feed set
		release := func(keep map[string]bool) {
			for addr, st := range held {
				if !keep[addr] {
					st.SetDown(upstream.Draining, false)
					states.Unref(addr)
					delete(held, addr)
				}
			}
		}
		for set := range ch {
			ts := make([]upstream.Target, 0, len(set))
			draining := map[string]bool{}
			for _, in := range set {
				ts = append(ts, upstream.Target{Address: in.Address})
				if in.Metadata[kuberegistry.MetaDraining] == "true" {
					draining[in.Address] = true
					if held[in.Address] == nil {
						st := states.Ref(in.Address)
						st.SetDown(upstream.Draining, true)
						held[in.Address] = st
					}
				}
			}
			// Marks go on before the pool changes and come off after it,
			// so a draining address is never routable in between.
			a.setTargets(name, kubeSource, ts)
			release(draining)
		}
		a.setTargets(name, kubeSource, nil)
		release(nil)
	}()
	return w, nil
}

// stopKubeRegistry ends every feed and the namespace watches.
func (a *App) stopKubeRegistry() {
	d := &a.kubeDisc
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, w := range d.watches {
		w.cancel()
		<-w.done
		delete(d.watches, name)
	}
	if d.reg != nil {
		_ = d.reg.Close()
		d.reg = nil
	}
}
