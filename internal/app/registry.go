package app

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/etcd"
	"github.com/shoal-gw/shoal/internal/registry/memory"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// registrySource names the endpoints self-registered instances contribute.
const registrySource = "registry"

// openRegistry opens the configured store of self-registered instances.
func (a *App) openRegistry(st config.Static) (registry.Registry, error) {
	// The stores name themselves in their log lines.
	log := a.log
	switch st.Registry.Backend {
	case "etcd":
		r, err := etcd.Open(etcd.Options{
			Endpoints: st.Registry.Endpoints, Prefix: st.Registry.Prefix,
			DialTimeout: st.Registry.DialTimeout.D(), Logger: log,
		})
		if err != nil {
			return nil, fmt.Errorf("opening the etcd registry: %w", err)
		}
		return r, nil
	default:
		r, err := memory.Open(filepath.Join(st.StateDir, "registry"), memory.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening the registry under %s: %w", st.StateDir, err)
		}
		return r, nil
	}
}

// registryWatches keeps one watch per configured service, feeding its
// registered instances to the gateway.
type registryWatches struct {
	mu      sync.Mutex
	cancels map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// syncRegistry starts watches for services new in cfg and stops those of
// services it dropped.
func (a *App) syncRegistry(cfg *config.Config) {
	if a.reg == nil {
		return
	}
	w := &a.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancels == nil {
		w.cancels = map[string]context.CancelFunc{}
	}
	for name := range cfg.Dynamic.Services {
		if _, ok := w.cancels[name]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := a.reg.Watch(ctx, name)
		if err != nil {
			cancel()
			a.log.Error("watching registered instances", "service", name, "err", err)
			continue
		}
		w.cancels[name] = cancel
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for set := range ch {
				ts := make([]upstream.Target, 0, len(set))
				for _, in := range set {
					ts = append(ts, upstream.Target{Address: in.Address})
				}
				a.setTargets(name, registrySource, ts)
			}
		}()
	}
	for name, cancel := range w.cancels {
		if _, ok := cfg.Dynamic.Services[name]; !ok {
			cancel()
			delete(w.cancels, name)
		}
	}
}

// stopRegistry ends every watch and closes the store.
func (a *App) stopRegistry() error {
	if a.reg == nil {
		return nil
	}
	a.watches.mu.Lock()
	for name, cancel := range a.watches.cancels {
		cancel()
		delete(a.watches.cancels, name)
	}
	a.watches.mu.Unlock()
	a.watches.wg.Wait()
	return a.reg.Close()
}

// setTargets is the one path by which discovered endpoints reach the
// gateway, so health checks follow every change.
func (a *App) setTargets(service, source string, ts []upstream.Target) {
	if err := a.gw.SetSourceTargets(service, source, ts); err != nil {
		a.log.Error("updating endpoints", "service", service, "source", source, "err", err)
	}
	a.noteKubeTargets(service, source, ts)
	a.syncHealthTargets(service)
}
