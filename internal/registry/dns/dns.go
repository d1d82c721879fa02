// Package dns is a read-only registry whose instances come from DNS names
// re-resolved periodically:
//
//	"host:port"          A/AAAA records of host, each address with port
//	"_service._proto.name"  SRV records; each target resolved to A/AAAA with
//	                        the record's port (priority and weight kept in
//	                        the "srv_priority" and "srv_weight" metadata)
//
// When a name fails to resolve, its previous addresses are kept: a DNS hiccup
// should not empty a pool that was serving.
package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/static"
)

// Resolver is the part of *net.Resolver the backend uses; tests pass a fake.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// Options configure the DNS registry.
type Options struct {
	// Services maps a service to the names that give its instances.
	Services map[string][]string
	Interval time.Duration // re-resolution period (default 30s)
	Timeout  time.Duration // bound on one round of lookups (default 5s)
	Resolver Resolver      // default net.DefaultResolver
	Logger   *slog.Logger
}

// reader is the registry interface under a private name: embedding it
// gives Registry the methods of its static registry (reads, Watch and the
// read-only errors of Register, Deregister and Heartbeat) without an
// exported field, and without the static registry's Set and Replace,
// which only re-resolution may call.
type reader = registry.Registry

// Registry is the DNS-backed registry. Reads, Watch and the read-only errors
// ("instances come from DNS") come from a static registry it keeps up to
// date; Close is its own.
type Registry struct {
	reader // ro, seen through the registry interface
	ro     *static.Registry
	opts   Options
	log    *slog.Logger

	mu   sync.Mutex
	last map[string]map[string][]registry.Instance // service → name → instances

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

var _ registry.Registry = (*Registry)(nil)

// New validates the names, resolves them once and starts re-resolving every
// Interval until Close. A name that does not resolve at start is logged and
// retried; it is not an error, since DNS may lag behind the instances.
func New(opts Options) (*Registry, error) {
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	for svc, names := range opts.Services {
		if err := registry.ValidateName("service", svc); err != nil {
			return nil, fmt.Errorf("dns registry: %w", err)
		}
		for _, n := range names {
			if err := validateName(n); err != nil {
				return nil, fmt.Errorf("dns registry: service %s: %w", svc, err)
			}
		}
	}
	ro := static.NewEmpty("DNS")
	r := &Registry{
		reader: ro,
		ro:     ro,
		opts:   opts,
		log:    opts.Logger.With("component", "registry", "backend", "dns"),
		last:   make(map[string]map[string][]registry.Instance),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	if err := r.Refresh(ctx); err != nil {
		r.log.Warn("initial DNS resolution incomplete", "err", err)
	}
	cancel()
	go r.loop()
	return r, nil
}

func isSRV(name string) bool { return strings.HasPrefix(name, "_") }

func validateName(name string) error {
	if isSRV(name) {
		parts := strings.Split(strings.TrimSuffix(name, "."), ".")
		if len(parts) < 3 || !strings.HasPrefix(parts[1], "_") {
			return fmt.Errorf("%w: SRV name %q must look like _service._proto.domain", registry.ErrInvalid, name)
		}
		return nil
	}
	return registry.ValidateAddress(name)
}

func (r *Registry) loop() {
	defer close(r.done)
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), r.opts.Timeout)
			if err := r.Refresh(ctx); err != nil {
				r.log.Warn("DNS re-resolution failed; keeping previous addresses", "err", err)
			}
			cancel()
		}
	}
}

// Refresh resolves every name now and publishes the services whose set
// changed. It returns the lookups that failed (their names keep their
// previous addresses).
func (r *Registry) Refresh(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for svc, names := range r.opts.Services {
		prev := r.last[svc]
		cur := make(map[string][]registry.Instance, len(names))
		var all []registry.Instance
		seen := map[string]bool{}
		for _, name := range names {
			insts, err := r.resolve(ctx, svc, name)
			if err != nil {
				errs = append(errs, fmt.Errorf("service %s: %w", svc, err))
				insts = prev[name]
			}
			cur[name] = insts
			for _, in := range insts {
				if !seen[in.ID] {
					seen[in.ID] = true
					all = append(all, in)
				}
			}
		}
		r.last[svc] = cur
		r.ro.Set(svc, all)
	}
	return errors.Join(errs...)
}

// resolve turns one name into instances.
func (r *Registry) resolve(ctx context.Context, svc, name string) ([]registry.Instance, error) {
	if !isSRV(name) {
		host, port, _ := net.SplitHostPort(name) // validated in New
		return r.lookupHost(ctx, svc, name, host, port, nil)
	}
	_, srvs, err := r.opts.Resolver.LookupSRV(ctx, "", "", name)
	if err != nil {
		return nil, fmt.Errorf("SRV lookup of %s: %w", name, err)
	}
	var out []registry.Instance
	for _, s := range srvs {
		meta := map[string]string{"srv_priority": strconv.Itoa(int(s.Priority)), "srv_weight": strconv.Itoa(int(s.Weight))}
		insts, err := r.lookupHost(ctx, svc, name, strings.TrimSuffix(s.Target, "."), strconv.Itoa(int(s.Port)), meta)
		if err != nil {
			return nil, fmt.Errorf("SRV target of %s: %w", name, err)
		}
		out = append(out, insts...)
	}
	return out, nil
}

func (r *Registry) lookupHost(ctx context.Context, svc, name, host, port string, meta map[string]string) ([]registry.Instance, error) {
	ips, err := r.opts.Resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("address lookup of %s: %w", host, err)
	}
	out := make([]registry.Instance, 0, len(ips))
	for _, ip := range ips {
		addr := net.JoinHostPort(ip.String(), port)
		md := map[string]string{"dns_name": name}
		for k, v := range meta {
			md[k] = v
		}
		in, err := registry.Prepare(registry.Instance{ID: static.IDFor(addr), Service: svc, Address: addr, Metadata: md})
		if err != nil {
			return nil, fmt.Errorf("%s gave %s: %w", name, addr, err)
		}
		out = append(out, in)
	}
	return out, nil
}

// Close stops re-resolution and closes watchers.
func (r *Registry) Close() error {
	r.once.Do(func() {
		close(r.stop)
		<-r.done
	})
	return r.ro.Close()
}
