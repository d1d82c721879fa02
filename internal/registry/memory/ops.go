package memory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
)

// Register validates inst, assigns an ID when empty, sets its deadline and
// stores it durably before returning it.
func (s *Store) Register(_ context.Context, inst registry.Instance) (registry.Instance, error) {
	inst, err := registry.Prepare(inst)
	if err != nil {
		return registry.Instance{}, fmt.Errorf("registering instance: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return registry.Instance{}, registry.ErrClosed
	}
	now := s.opts.Now()
	inst.RegisteredAt = now
	inst.ExpiresAt = time.Time{}
	if inst.TTL > 0 {
		inst.ExpiresAt = now.Add(inst.TTL)
	}
	if err := s.commitLocked(putOp(inst)); err != nil {
		return registry.Instance{}, fmt.Errorf("registering %s/%s: %w", inst.Service, inst.ID, err)
	}
	s.publishLocked(inst.Service)
	return inst.Clone(), nil
}

// Deregister removes an instance durably.
func (s *Store) Deregister(_ context.Context, service, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return registry.ErrClosed
	}
	if _, ok := s.liveLocked(service, id); !ok {
		return fmt.Errorf("deregistering %s/%s: %w", service, id, registry.ErrNotFound)
	}
	if err := s.commitLocked(delOp(service, id)); err != nil {
		return fmt.Errorf("deregistering %s/%s: %w", service, id, err)
	}
	s.publishLocked(service)
	return nil
}

// Heartbeat moves the instance's deadline to now+TTL, durably.
func (s *Store) Heartbeat(_ context.Context, service, id string) (registry.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return registry.Instance{}, registry.ErrClosed
	}
	inst, ok := s.liveLocked(service, id)
	if !ok {
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: %w", service, id, registry.ErrNotFound)
	}
	if inst.TTL == 0 {
		return inst.Clone(), nil // nothing to extend; no need to write
	}
	inst.ExpiresAt = s.opts.Now().Add(inst.TTL)
	if err := s.commitLocked(putOp(inst)); err != nil {
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: %w", service, id, err)
	}
	// The set's membership is unchanged, so watchers are not woken.
	return inst.Clone(), nil
}

// liveLocked finds an instance that has not expired yet.
func (s *Store) liveLocked(service, id string) (registry.Instance, bool) {
	inst, ok := s.services[service][id]
	if !ok || inst.Expired(s.opts.Now()) {
		return registry.Instance{}, false
	}
	return inst, true
}

// List returns the live instances of service sorted by ID.
func (s *Store) List(_ context.Context, service string) ([]registry.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, registry.ErrClosed
	}
	return s.listLocked(service), nil
}

func (s *Store) listLocked(service string) []registry.Instance {
	now := s.opts.Now()
	m := s.services[service]
	out := make([]registry.Instance, 0, len(m))
	for _, inst := range m {
		if !inst.Expired(now) {
			out = append(out, inst.Clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Services returns the names of services with at least one instance.
func (s *Store) Services(_ context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, registry.ErrClosed
	}
	out := make([]string, 0, len(s.services))
	for svc := range s.services {
		out = append(out, svc)
	}
	sort.Strings(out)
	return out, nil
}

// Watch delivers the service's set now and after every membership change.
func (s *Store) Watch(ctx context.Context, service string) (<-chan []registry.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, registry.ErrClosed
	}
	// Subscribing under s.mu orders the first set before any later Publish.
	return s.hub.Subscribe(ctx, service, s.listLocked(service))
}

func (s *Store) publishLocked(service string) {
	if s.hub.Watching(service) {
		s.hub.Publish(service, s.listLocked(service))
	}
}

// Sweep expires every instance whose deadline has passed and returns how
// many it removed. The janitor calls it every SweepInterval.
func (s *Store) Sweep() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, registry.ErrClosed
	}
	now := s.opts.Now()
	var ops []op
	touched := make(map[string]bool)
	for svc, m := range s.services {
		for id, inst := range m {
			if inst.Expired(now) {
				ops = append(ops, delOp(svc, id))
				touched[svc] = true
			}
		}
	}
	if len(ops) == 0 {
		return 0, nil
	}
	if err := s.commitLocked(ops...); err != nil {
		return 0, fmt.Errorf("expiring instances: %w", err)
	}
	for svc := range touched {
		s.publishLocked(svc)
	}
	for _, o := range ops {
		s.log.Info("instance expired", "service", o.Service, "id", o.ID)
	}
	return len(ops), nil
}

func (s *Store) runJanitor() {
	defer s.janitor.Done()
	t := time.NewTicker(s.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, err := s.Sweep(); err != nil && !errors.Is(err, registry.ErrClosed) {
				s.log.Error("registry janitor", "err", err)
			}
		}
	}
}
