package gateway

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/shoal-gw/shoal/internal/activator"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/signals"
	"github.com/shoal-gw/shoal/internal/upstream"
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

// serviceSlot holds what belongs to a service name for as long as the
// gateway runs, across reloads and backend replacements: the attempt
// observer, the activator, the wake hook and the traffic signals.
type serviceSlot struct {
	p    atomic.Pointer[observerRef]
	pool atomic.Pointer[upstream.Pool]
	act  atomic.Pointer[activator.Activator]
	// actOpts are the options act was built with; control side only,
	// under the gateway's lock.
	actOpts activatorOptions
	wake    atomic.Pointer[func()]
	// sig records the service's per-second signals (arrivals, in-flight,
	// latency) for the autoscaler and the dashboard.
	sig *signals.Service
}

func (s *serviceSlot) load() Observer {
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
	slot := g.slotFor(service)
	if o == nil {
		slot.p.Store(nil)
		return
	}
	slot.p.Store(&observerRef{o})
}

// SetWaker installs the function the activator calls when a request finds
// the service without capacity (scaled to zero, or every instance busy): the
// control side starts an instance.
func (g *Gateway) SetWaker(service string, wake func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.slotFor(service).wake.Store(&wake)
}

// Notify tells the service's activator that capacity may have changed, so
// held requests go at once.
func (g *Gateway) Notify(service string) {
	g.mu.Lock()
	slot := g.slots[service]
	g.mu.Unlock()
	if slot == nil {
		return
	}
	if a := slot.act.Load(); a != nil {
		a.Notify()
	}
}

// ActivatorStats reports a service's activator counters, if it has one.
func (g *Gateway) ActivatorStats(service string) (activator.Stats, bool) {
	g.mu.Lock()
	slot := g.slots[service]
	g.mu.Unlock()
	if slot == nil {
		return activator.Stats{}, false
	}
	a := slot.act.Load()
	if a == nil {
		return activator.Stats{}, false
	}
	return a.Stats(), true
}

// ensureActivator gives a service an activator the first time it needs one
// (it has a scale block) and keeps it across reloads, so its queue and
// in-flight count outlive the handler chains it wraps. Call with g.mu held.
func (g *Gateway) ensureActivator(service string, opts activatorOptions) *activator.Activator {
	slot := g.slotFor(service)
	if a := slot.act.Load(); a != nil && slot.actOpts == opts {
		return a
	}
	// New settings get a new activator; requests held by the old one are
	// released by it through the handler chain they entered with.
	slot.actOpts = opts
	ao := activator.Options{Service: service, QueueLimit: opts.QueueLimit, WaitTimeout: opts.WaitTimeout, StartingPage: opts.StartingPage}
	// The recorder in front of the activator learns what waited in it, so
	// the autoscaler can tell the queue from the work (Sample.Queued).
	ao.Holds = slot.sig.Holds()
	ao.Capacity = func() (int, int) {
		p := slot.pool.Load()
		if p == nil {
			return 0, 0
		}
		total, ready := p.Counts()
		if ready == 0 && p.Panicking() {
			// Panic mode routes to unhealthy endpoints: they are capacity.
			ready = total
		}
		return ready, opts.ContainerConcurrency
	}
	ao.Wake = func() {
		if w := slot.wake.Load(); w != nil {
			(*w)()
		}
	}
	a := activator.New(ao)
	slot.act.Store(a)
	return a
}

// activatorOptions are the activator settings of one service (comparable,
// so a reload can tell whether they changed).
type activatorOptions struct {
	QueueLimit   int
	WaitTimeout  time.Duration
	StartingPage bool
	// ContainerConcurrency is the per-instance concurrency limit; 0 means
	// the activator only holds requests while no instance is ready.
	ContainerConcurrency int
}

// wrapService puts the service's signal recorder and activator, if any, in
// front of its handler.
func (g *Gateway) wrapService(service string, h http.Handler) http.Handler {
	slot := g.slotFor(service)
	if a := slot.act.Load(); a != nil {
		h = a.Wrap(h)
	}
	return &signalsHandler{sig: slot.sig, next: h}
}

// slotFor returns the service's slot, creating it so that an observer
// set later reaches handlers compiled now. Call with g.mu held.
func (g *Gateway) slotFor(service string) *serviceSlot {
	if g.slots == nil {
		g.slots = map[string]*serviceSlot{}
	}
	slot := g.slots[service]
	if slot == nil {
		slot = &serviceSlot{sig: signals.NewService(service, nil)}
		g.slots[service] = slot
	}
	return slot
}

// Signals returns the recorder of a service's traffic signals. A service
// the config does not have gets an empty recorder that is not kept: the
// autoscaler or the dashboard still asking about a removed service must not
// bring its slot back (it would live until the next reload).
func (g *Gateway) Signals(service string) *signals.Service {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.slots[service] == nil && g.services[service] == nil {
		return signals.NewService(service, nil)
	}
	return g.slotFor(service).sig
}

// signalsHandler records every request that reaches a service, held ones
// included, so demand is measured where it arrives and not where capacity
// lets it through.
type signalsHandler struct {
	sig  *signals.Service
	next http.Handler
}

func (h *signalsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := h.sig.Begin()
	status := http.StatusOK
	defer func() {
		// Runs on panics too (ReverseProxy aborts broken copies with one).
		h.sig.End(t, status, status >= 500)
	}()
	h.next.ServeHTTP(w, r)
	if rec := findRecorder(w); rec != nil {
		status = rec.code()
		if rec.errKind != proxy.ErrNone {
			status = rec.errKind.Status()
		}
	}
}
