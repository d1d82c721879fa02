package app

import (
	"fmt"
	"maps"
	"strconv"
	"sync"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/kube/gatewayapi"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// splitSource names the endpoints a weighted split gets from its backends.
const splitSource = "gatewayapi"

// splitWeightScale spreads a backend's weight over its endpoints with
// enough resolution that 1% of traffic over many endpoints stays above 0.
const splitWeightScale = 1000

// kubeRoutes holds the routes read from Gateway API HTTPRoutes. Every
// config the gateway applies, whatever its trigger, is the file merged with
// them, so a file reload keeps them and a route change keeps the file.
type kubeRoutes struct {
	src *gatewayapi.Source

	mu       sync.Mutex
	routes   []gatewayapi.Generated
	services map[string]map[string]any
	splits   map[string][]gatewayapi.Share
	existing map[string]string            // "ns/service/port" → the file's service
	feeds    map[string][]upstream.Target // EndpointSlice endpoints by service, for splits
}

// startKubeRoutes starts the Gateway API source when the config names a
// Gateway. The kubernetes block is static, so this happens once.
func (a *App) startKubeRoutes(cfg *config.Config) error {
	k := cfg.Static.Kubernetes
	if k == nil || k.GatewayAPI.Gateway == "" {
		return nil
	}
	c, err := a.kubeClients(k)
	if err != nil {
		return fmt.Errorf("gateway API routes: %w", err)
	}
	a.kroutes.mu.Lock()
	a.kroutes.existing = existingKubeServices(cfg)
	a.kroutes.mu.Unlock()
	src := gatewayapi.Start(gatewayapi.Options{
		Dynamic: c.Dynamic, Kube: c.Kube,
		Namespace: k.GatewayNamespace(), Gateway: k.GatewayAPI.Gateway,
		Target: kubeRouteTarget{a}, Log: a.log,
	})
	a.kroutes.mu.Lock()
	a.kroutes.src = src
	a.kroutes.mu.Unlock()
	return nil
}

func (a *App) stopKubeRoutes() {
	a.kroutes.mu.Lock()
	src := a.kroutes.src
	a.kroutes.src = nil
	a.kroutes.mu.Unlock()
	// Outside the lock: Close waits for a sync in progress, which takes it.
	if src != nil {
		src.Close()
	}
}

// withKubeRoutes returns the config to apply for a file that parsed as
// file: itself when there are no Gateway API routes, else the file merged
// with them. The file is parsed alone first, so its own errors keep their
// lines. The file is the primary source: when it no longer fits with the
// routes (a new service name clashes, say), it is applied alone and the
// routes are checked again against it, each on its own.
func (a *App) withKubeRoutes(name string, data []byte, file *config.Config) (*config.Config, error) {
	k := &a.kroutes
	k.mu.Lock()
	defer k.mu.Unlock()
	existing := existingKubeServices(file)
	if !maps.Equal(existing, k.existing) {
		// Routes may now reuse (or lose) a service of the file.
		k.existing = existing
		k.resync()
	}
	if len(k.routes) == 0 && len(k.services) == 0 {
		return file, nil
	}
	merged, err := gatewayapi.Merge(data, k.routes, k.services)
	if err == nil {
		var cfg *config.Config
		if cfg, err = config.Parse(name+" with Gateway API routes", merged); err == nil {
			return cfg, nil
		}
	}
	a.log.Warn("the config no longer fits with the Gateway API routes; applying it alone and checking the routes again", "err", err)
	k.routes, k.services, k.splits = nil, nil, nil
	k.resync()
	return file, nil
}

// resync asks the Gateway API source for a new round, if there is one.
func (k *kubeRoutes) resync() {
	if k.src != nil {
		k.src.Resync()
	}
}

// existingKubeServices maps the Kubernetes Service ports the file's
// services discover to those services.
func existingKubeServices(cfg *config.Config) map[string]string {
	out := map[string]string{}
	for name, s := range cfg.Dynamic.Services {
		t, ok := s.KubeTarget()
		if !ok {
			continue
		}
		port := t.PortName
		if t.PortNumber != 0 {
			port = strconv.Itoa(int(t.PortNumber))
		}
		out[t.Namespace+"/"+t.Name+"/"+port] = name
	}
	return out
}

// kubeRouteTarget is the gateway as the Gateway API source sees it.
type kubeRouteTarget struct{ a *App }

func (t kubeRouteTarget) Existing() map[string]string {
	k := &t.a.kroutes
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.existing
}

// Check validates the current config merged with one route's rules, the
// way a reload would, without applying it.
func (t kubeRouteTarget) Check(routes []gatewayapi.Generated, services map[string]map[string]any) error {
	a := t.a
	a.mu.Lock()
	src := a.source
	a.mu.Unlock()
	merged, err := gatewayapi.Merge(src, routes, services)
	if err != nil {
		return err
	}
	cfg, err := config.Parse("HTTPRoute", merged)
	if err != nil {
		return err
	}
	if err := checkRuntime(cfg, a.opts.ConfigPath); err != nil {
		return err
	}
	return gateway.Check("HTTPRoute", &cfg.Dynamic)
}

// Apply re-applies the current config with these routes; on failure the
// previous routes stay, as does the table serving.
func (t kubeRouteTarget) Apply(routes []gatewayapi.Generated, services map[string]map[string]any, splits map[string][]gatewayapi.Share) error {
	a := t.a
	k := &a.kroutes
	k.mu.Lock()
	prevR, prevS, prevSp := k.routes, k.services, k.splits
	k.routes, k.services, k.splits = routes, services, splits
	k.mu.Unlock()
	if err := a.apply("kubernetes", "", nil); err != nil {
		k.mu.Lock()
		k.routes, k.services, k.splits = prevR, prevS, prevSp
		k.mu.Unlock()
		return err
	}
	a.refreshSplits()
	return nil
}

// noteKubeTargets records a service's EndpointSlice endpoints and
// refreshes the splits built from them.
func (a *App) noteKubeTargets(service, source string, ts []upstream.Target) {
	if source != kubeSource {
		return
	}
	k := &a.kroutes
	k.mu.Lock()
	if k.feeds == nil {
		k.feeds = map[string][]upstream.Target{}
	}
	k.feeds[service] = ts
	used := false
	for _, shares := range k.splits {
		for _, s := range shares {
			used = used || s.Service == service
		}
	}
	k.mu.Unlock()
	if used {
		a.refreshSplits()
	}
}

// refreshSplits gives each split service the union of its backends'
// endpoints (splitTargets).
func (a *App) refreshSplits() {
	k := &a.kroutes
	k.mu.Lock()
	out := make(map[string][]upstream.Target, len(k.splits))
	for split, shares := range k.splits {
		out[split] = splitTargets(shares, k.feeds)
	}
	k.mu.Unlock()
	for split, ts := range out {
		if err := a.gw.SetSourceTargets(split, splitSource, ts); err != nil {
			a.log.Error("updating a Gateway API split", "service", split, "err", err)
		}
	}
}

// splitTargets weights each endpoint by its backend's share divided by the
// backend's endpoint count, so a 90/10 split holds whatever the replica
// counts are.
func splitTargets(shares []gatewayapi.Share, feeds map[string][]upstream.Target) []upstream.Target {
	var ts []upstream.Target
	for _, s := range shares {
		eps := feeds[s.Service]
		for _, e := range eps {
			w := max(s.Weight*splitWeightScale/len(eps), 1)
			ts = append(ts, upstream.Target{Address: e.Address, Weight: w})
		}
	}
	return ts
}
