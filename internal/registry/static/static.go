// Package static is a read-only registry of fixed instance lists, such as the
// endpoints a config file names. The list can be replaced on a config reload
// with Set; watchers see only the services whose set changed. The dns backend
// builds on it.
package static

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/shoal-gw/shoal/internal/registry"
)

// Registry holds fixed instance sets. Create it with New or NewEmpty.
type Registry struct {
	origin string // says where instances come from, for the read-only error
	hub    *registry.Hub

	mu       sync.Mutex
	services map[string][]registry.Instance
	closed   bool
}

var _ registry.Registry = (*Registry)(nil)

// New returns a registry of the given service → addresses. An address is
// host:port or http(s)://host:port; a scheme is kept in the "scheme" metadata.
func New(services map[string][]string) (*Registry, error) {
	r := NewEmpty("the config's static endpoints")
	for svc, addrs := range services {
		insts, err := Instances(svc, addrs)
		if err != nil {
			return nil, err
		}
		r.Set(svc, insts)
	}
	return r, nil
}

// NewEmpty returns an empty registry; origin names the source of its
// instances in the error writes get ("... come from <origin>").
func NewEmpty(origin string) *Registry {
	return &Registry{origin: origin, hub: registry.NewHub(), services: make(map[string][]registry.Instance)}
}

// Instances turns addresses into validated instances whose IDs derive from
// the address, so the same address keeps the same ID across reloads.
func Instances(service string, addrs []string) ([]registry.Instance, error) {
	seen := make(map[string]bool, len(addrs))
	out := make([]registry.Instance, 0, len(addrs))
	for _, a := range addrs {
		in := registry.Instance{Service: service, Address: a}
		if scheme, rest, ok := strings.Cut(a, "://"); ok {
			u, err := url.Parse(a)
			if err != nil || (scheme != "http" && scheme != "https") || (u.Path != "" && u.Path != "/") {
				return nil, fmt.Errorf("service %s: endpoint %q: %w: want host:port or http(s)://host:port", service, a, registry.ErrInvalid)
			}
			in.Address = strings.TrimSuffix(rest, "/")
			in.Metadata = map[string]string{"scheme": scheme}
		}
		in.ID = IDFor(in.Address)
		if seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		p, err := registry.Prepare(in)
		if err != nil {
			return nil, fmt.Errorf("service %s: endpoint %q: %w", service, a, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// IDFor derives an instance ID from an address: every character an ID may
// not hold becomes '_' ("127.0.0.1:80" → "127.0.0.1_80").
func IDFor(addr string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, addr)
}

// Set replaces a service's instances (none removes the service) and wakes its
// watchers when the set changed.
func (r *Registry) Set(service string, insts []registry.Instance) {
	sorted := make([]registry.Instance, len(insts))
	for i, in := range insts {
		sorted[i] = in.Clone()
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || reflect.DeepEqual(r.services[service], sorted) {
		return
	}
	if len(sorted) == 0 {
		delete(r.services, service)
	} else {
		r.services[service] = sorted
	}
	r.hub.Publish(service, r.copyLocked(service))
}

// Replace sets every service at once: those missing from services are removed.
func (r *Registry) Replace(services map[string][]registry.Instance) {
	r.mu.Lock()
	var gone []string
	for svc := range r.services {
		if _, ok := services[svc]; !ok {
			gone = append(gone, svc)
		}
	}
	r.mu.Unlock()
	for _, svc := range gone {
		r.Set(svc, nil)
	}
	for svc, insts := range services {
		r.Set(svc, insts)
	}
}

func (r *Registry) copyLocked(service string) []registry.Instance {
	src := r.services[service]
	out := make([]registry.Instance, len(src))
	for i, in := range src {
		out[i] = in.Clone()
	}
	return out
}

func (r *Registry) readOnly(op string) error {
	return fmt.Errorf("%s: %w: instances come from %s", op, registry.ErrReadOnly, r.origin)
}

// Register always fails: this registry is read-only.
func (r *Registry) Register(context.Context, registry.Instance) (registry.Instance, error) {
	return registry.Instance{}, r.readOnly("register")
}

// Deregister always fails: this registry is read-only.
func (r *Registry) Deregister(context.Context, string, string) error {
	return r.readOnly("deregister")
}

// Heartbeat always fails: this registry is read-only.
func (r *Registry) Heartbeat(context.Context, string, string) (registry.Instance, error) {
	return registry.Instance{}, r.readOnly("heartbeat")
}

// List returns the service's instances sorted by ID.
func (r *Registry) List(_ context.Context, service string) ([]registry.Instance, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, registry.ErrClosed
	}
	return r.copyLocked(service), nil
}

// Services returns the services with instances, sorted.
func (r *Registry) Services(context.Context) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, registry.ErrClosed
	}
	out := make([]string, 0, len(r.services))
	for svc := range r.services {
		out = append(out, svc)
	}
	sort.Strings(out)
	return out, nil
}

// Watch delivers the service's set now and after every Set that changes it.
func (r *Registry) Watch(ctx context.Context, service string) (<-chan []registry.Instance, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, registry.ErrClosed
	}
	return r.hub.Subscribe(ctx, service, r.copyLocked(service))
}

// Close closes all watchers.
func (r *Registry) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.hub.Close()
	return nil
}
