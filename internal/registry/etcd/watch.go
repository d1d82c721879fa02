package etcd

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/shoal-gw/shoal/internal/registry"
)

// Watch loads the service's set, then follows etcd's watch from the revision
// it was read at, so no change between the two is missed. Each call has its
// own one-slot hub, so bursts coalesce per reader.
func (r *Registry) Watch(ctx context.Context, service string) (<-chan []registry.Instance, error) {
	if err := registry.ValidateName("service", service); err != nil {
		return nil, fmt.Errorf("watching: %w", err)
	}
	if r.ctx.Err() != nil {
		return nil, registry.ErrClosed
	}
	insts, rev, err := r.load(ctx, service)
	if err != nil {
		return nil, fmt.Errorf("watching %s: %w", service, err)
	}
	hub := registry.NewHub()
	ch, err := hub.Subscribe(ctx, service, sorted(insts))
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	go func() {
		// Ends with the caller's context or the registry.
		select {
		case <-wctx.Done():
		case <-r.ctx.Done():
		}
		cancel()
		hub.Close()
	}()
	go r.follow(wctx, service, hub, insts, rev)
	return ch, nil
}

// follow applies watch events to insts and publishes the new set after each
// response. When the watch breaks (compaction, lost leader, etcd restart) it
// reloads the whole set and resumes from the new revision.
func (r *Registry) follow(ctx context.Context, service string, hub *registry.Hub, insts map[string]registry.Instance, rev int64) {
	prefix := r.instancesPrefix(service)
	for ctx.Err() == nil {
		wch := r.cli.Watch(clientv3.WithRequireLeader(ctx), prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
		for resp := range wch {
			if err := resp.Err(); err != nil {
				r.log.Warn("etcd watch broke; reloading", "service", service, "err", err)
				break
			}
			for _, ev := range resp.Events {
				id := strings.TrimPrefix(string(ev.Kv.Key), prefix)
				if ev.Type == clientv3.EventTypeDelete {
					delete(insts, id)
					continue
				}
				inst, err := decode(ev.Kv.Value)
				if err != nil {
					r.log.Warn("skipping undecodable instance", "key", string(ev.Kv.Key), "err", err)
					continue
				}
				insts[inst.ID] = inst
			}
			rev = resp.Header.Revision
			if len(resp.Events) > 0 {
				hub.Publish(service, sorted(insts))
			}
		}
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(r.resync):
			}
			fresh, frev, err := r.load(ctx, service)
			if err != nil {
				r.log.Warn("reloading after broken watch", "service", service, "err", err)
				continue
			}
			insts, rev = fresh, frev
			hub.Publish(service, sorted(insts))
			break
		}
	}
}
