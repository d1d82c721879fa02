// Package kube is a read-only registry whose instances come from the
// EndpointSlices of Kubernetes Services, watched with client-go informers
// (one per namespace in use). Each Shoal service names one Kubernetes
// Service (namespace, name, port); SetServices changes that mapping on a
// config reload, starting and stopping namespace watches as needed.
//
// Endpoint conditions are honoured: ready endpoints are listed, serving
// but terminating ones are listed with the "draining" metadata set to
// "true" (no new requests; requests in flight finish), the others are
// left out. Pod, node, zone and topology hints are kept in the metadata.
// A source limited to one node (Source.Node) lists only the endpoints on
// that node, as internalTrafficPolicy: Local does.
package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/static"
)

// Source is the Kubernetes Service whose EndpointSlices give a Shoal
// service's instances.
type Source struct {
	Namespace string
	// Service is the Kubernetes Service name (the slices' label
	// kubernetes.io/service-name).
	Service string
	// PortName picks the slice port with this name; PortNumber the one with
	// this number. Neither: the slice's only TCP port.
	PortName   string
	PortNumber int32
	// Node, when set, keeps only the endpoints whose nodeName is this node
	// (the gateway's own), like internalTrafficPolicy: Local. Endpoints
	// that report no node are left out then.
	Node string
}

// Options configure the registry.
type Options struct {
	Client kubernetes.Interface
	Logger *slog.Logger
	// Resync re-delivers every cached slice this often, a safety net for a
	// missed event. 0: never (the watch is reliable).
	Resync time.Duration
}

// reader is the registry interface under a private name: embedding it
// gives Registry the methods of its static registry (reads, Watch and the
// read-only errors of Register, Deregister and Heartbeat) without an
// exported field, and without the static registry's Set and Replace,
// which only the EndpointSlice watch may call.
type reader = registry.Registry

// Registry lists the instances found in EndpointSlices. Reads, Watch and
// the read-only errors ("instances come from Kubernetes EndpointSlices")
// come from a static registry it keeps up to date; Close is its own.
type Registry struct {
	reader // ro, seen through the registry interface
	ro     *static.Registry
	client kubernetes.Interface
	log    *slog.Logger
	resync time.Duration

	mu      sync.Mutex
	sources map[string]Source          // Shoal service → Kubernetes Service
	watches map[string]*namespaceWatch // namespace → informer
	warned  map[string]string          // slice → resourceVersion warned about
	closed  bool
}

var _ registry.Registry = (*Registry)(nil)

// New returns a registry that watches nothing until SetServices.
func New(opts Options) (*Registry, error) {
	if opts.Client == nil {
		return nil, errors.New("kubernetes registry: no client")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ro := static.NewEmpty("Kubernetes EndpointSlices")
	return &Registry{
		reader:  ro,
		ro:      ro,
		client:  opts.Client,
		log:     opts.Logger.With("component", "kube-discovery"),
		resync:  opts.Resync,
		sources: map[string]Source{},
		watches: map[string]*namespaceWatch{},
		warned:  map[string]string{},
	}, nil
}

// SetServices replaces the Shoal service → Kubernetes Service mapping:
// namespaces newly in use get a watch, namespaces no longer used lose
// theirs, and every service whose source changed is listed again from the
// watch cache. Services no longer mapped lose their instances.
func (r *Registry) SetServices(sources map[string]Source) error {
	for name, src := range sources {
		if err := registry.ValidateName("service", name); err != nil {
			return fmt.Errorf("kubernetes registry: %w", err)
		}
		if src.Namespace == "" || src.Service == "" {
			return fmt.Errorf("kubernetes registry: service %s: %w: namespace and Kubernetes Service name are required", name, registry.ErrInvalid)
		}
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return registry.ErrClosed
	}
	var changed, removed []string
	for name, src := range sources {
		if old, ok := r.sources[name]; !ok || old != src {
			changed = append(changed, name)
		}
	}
	for name := range r.sources {
		if _, ok := sources[name]; !ok {
			removed = append(removed, name)
		}
	}
	r.sources = make(map[string]Source, len(sources))
	used := map[string]bool{}
	for name, src := range sources {
		r.sources[name] = src
		used[src.Namespace] = true
	}
	for ns := range used {
		if r.watches[ns] == nil {
			r.watches[ns] = r.startNamespace(ns)
		}
	}
	var stale []*namespaceWatch
	for ns, w := range r.watches {
		if !used[ns] {
			stale = append(stale, w)
			delete(r.watches, ns)
		}
	}
	for _, name := range changed {
		r.refreshLocked(name)
	}
	r.mu.Unlock()
	for _, name := range removed {
		r.ro.Set(name, nil)
	}
	// Stopping waits for the informer's handlers, which take r.mu: only
	// after it is released.
	for _, w := range stale {
		w.stop()
	}
	return nil
}

// WaitSynced blocks until every namespace watch has listed its slices
// once, so List answers from a complete cache.
func (r *Registry) WaitSynced(ctx context.Context) error {
	r.mu.Lock()
	ws := make([]*namespaceWatch, 0, len(r.watches))
	for _, w := range r.watches {
		ws = append(ws, w)
	}
	r.mu.Unlock()
	for _, w := range ws {
		if err := w.waitSynced(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close stops every watch and closes the watchers' channels.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ws := r.watches
	r.watches = map[string]*namespaceWatch{}
	r.mu.Unlock()
	for _, w := range ws {
		w.stop()
	}
	return r.ro.Close()
}
