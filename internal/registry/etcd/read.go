package etcd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/shoal-gw/shoal/internal/registry"
)

// List returns the service's instances sorted by ID.
func (r *Registry) List(ctx context.Context, service string) ([]registry.Instance, error) {
	if err := r.closedErr(); err != nil {
		return nil, err
	}
	insts, _, err := r.load(ctx, service)
	if err != nil {
		return nil, err
	}
	return sorted(insts), nil
}

// load reads a service's instances and the revision they were read at.
func (r *Registry) load(ctx context.Context, service string) (map[string]registry.Instance, int64, error) {
	resp, err := r.cli.Get(ctx, r.instancesPrefix(service), clientv3.WithPrefix())
	if err != nil {
		return nil, 0, fmt.Errorf("listing %s: %w", service, err)
	}
	insts := make(map[string]registry.Instance, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		inst, err := decode(kv.Value)
		if err != nil {
			r.log.Warn("skipping undecodable instance", "key", string(kv.Key), "err", err)
			continue
		}
		insts[inst.ID] = inst
	}
	return insts, resp.Header.Revision, nil
}

func sorted(m map[string]registry.Instance) []registry.Instance {
	out := make([]registry.Instance, 0, len(m))
	for _, in := range m {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Services lists the services that have at least one instance key.
func (r *Registry) Services(ctx context.Context) ([]string, error) {
	if err := r.closedErr(); err != nil {
		return nil, err
	}
	resp, err := r.cli.Get(ctx, r.servicesPrefix(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, kv := range resp.Kvs {
		rest := strings.TrimPrefix(string(kv.Key), r.servicesPrefix())
		svc, _, ok := strings.Cut(rest, "/instances/")
		if ok && !seen[svc] {
			seen[svc] = true
			out = append(out, svc)
		}
	}
	sort.Strings(out)
	return out, nil
}
