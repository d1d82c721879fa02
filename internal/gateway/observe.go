package gateway

import (
	"sync/atomic"

	"github.com/shoal-gw/shoal/internal/proxy"
)

// Observer learns the outcome of every upstream attempt: the hook through
// which passive health (outlier detection) sees real traffic. It runs on the
// request path and must be cheap and non-blocking.
type Observer interface {
	// Observe reports one attempt to addr: kind is ErrNone when the endpoint
	// answered (status is then its status code).
	Observe(addr string, kind proxy.ErrorKind, status int)
}

// observerRef boxes an Observer so it can be swapped atomically.
type observerRef struct{ Observer }

type observerSlot struct{ p atomic.Pointer[observerRef] }

func (s *observerSlot) load() Observer {
	if r := s.p.Load(); r != nil {
		return r.Observer
	}
	return nil
}

// SetObserver installs (or, with nil, removes) the observer of a service's
// attempts. It survives reloads for as long as the service exists.
func (g *Gateway) SetObserver(service string, o Observer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	slot := g.observerFor(service)
	if o == nil {
		slot.p.Store(nil)
		return
	}
	slot.p.Store(&observerRef{o})
}

// observerFor returns the service's slot, creating it so that an observer
// set later reaches handlers compiled now. Call with g.mu held.
func (g *Gateway) observerFor(service string) *observerSlot {
	if g.observers == nil {
		g.observers = map[string]*observerSlot{}
	}
	slot := g.observers[service]
	if slot == nil {
		slot = &observerSlot{}
		g.observers[service] = slot
	}
	return slot
}
