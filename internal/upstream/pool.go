package upstream

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
)

// Balancer picks one endpoint of an immutable snapshot for a request. It
// returns nil when every endpoint is excluded or not ready. exclude holds
// endpoints already tried (compared with Same); it may be nil.
// Implementations live in internal/balancer and must be safe for concurrent use.
type Balancer interface {
	Pick(r *http.Request, exclude []*Endpoint) *Endpoint
}

// BalancerFactory builds a Balancer for a non-empty list of ready endpoints.
// The list is owned by the balancer afterwards and never changes.
type BalancerFactory func(ready []*Endpoint) Balancer

// snapshot is what one atomic load gives the request path.
type snapshot struct {
	all   []*Endpoint
	ready []*Endpoint // what the balancer picks from (all eligible in panic mode)
	// nReady counts endpoints that are ready in their own right, for
	// Counts, which the activator calls on every request.
	nReady int
	bal    Balancer // nil when no endpoint is ready
}

// Pool is the set of endpoints of one service. Reads (Pick, Counts,
// Endpoints) are one atomic load; writes (Update, SetBalancer, readiness
// changes) rebuild the snapshot under a lock and swap it in.
type Pool struct {
	name   string
	states *States
	snap   atomic.Pointer[snapshot]

	mu sync.Mutex // serialises rebuilds
	// dirty says readiness changed and the snapshot needs a rebuild; see
	// readinessChanged for how concurrent flips share one rebuild.
	dirty   atomic.Bool
	factory BalancerFactory
	eps     []*Endpoint // current endpoints, in Update order
	closed  bool

	// Panic mode (Envoy's healthy panic threshold): when fewer than
	// panicPct percent of the endpoints are ready, health verdicts are
	// ignored and load spreads over every endpoint that is not draining or
	// disabled, so that the few survivors are not overwhelmed and a broken
	// health check cannot take a whole service down.
	panicPct  atomic.Uint32 // percent × 100; 0 disables
	panicking atomic.Bool
}

// SetPanicThreshold sets the panic threshold in percent (0 disables).
func (p *Pool) SetPanicThreshold(percent float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.panicPct.Store(uint32(percent * 100))
	p.rebuildLocked()
}

// Panicking reports whether the pool is in panic mode.
func (p *Pool) Panicking() bool { return p.panicking.Load() }

// NewPool makes an empty pool for service name. factory builds the balancer
// for each snapshot (see balancer.New).
func NewPool(name string, states *States, factory BalancerFactory) *Pool {
	p := &Pool{name: name, states: states, factory: factory}
	p.snap.Store(&snapshot{})
	return p
}

// Name is the service name the pool was made for.
func (p *Pool) Name() string { return p.name }

// Update replaces the endpoint set. Endpoints whose address stays keep their
// state; new addresses get (or share) a state from the store; removed ones
// release theirs. On error (bad address, duplicate) the pool is unchanged.
func (p *Pool) Update(targets []Target) error {
	type parsed struct {
		addr string
		t    Target
		ep   *Endpoint
	}
	list := make([]parsed, 0, len(targets))
	seen := make(map[string]bool, len(targets))
	for _, t := range targets {
		addr, u, err := ParseTarget(t)
		if err != nil {
			return fmt.Errorf("service %s: %w", p.name, err)
		}
		if seen[addr] {
			return fmt.Errorf("service %s: endpoint %s listed twice", p.name, addr)
		}
		seen[addr] = true
		list = append(list, parsed{addr: addr, t: t, ep: &Endpoint{url: u, weight: weightOf(t), pool: p}})
	}

	p.mu.Lock()
	defer p.unlock()
	if p.closed {
		return fmt.Errorf("service %s: pool is closed", p.name)
	}
	old := make(map[string]*Endpoint, len(p.eps))
	for _, e := range p.eps {
		old[e.Address()] = e
	}
	eps := make([]*Endpoint, len(list))
	for i, it := range list {
		if prev, ok := old[it.addr]; ok {
			delete(old, it.addr)
			if prev.weight == it.ep.weight && *prev.url == *it.ep.url {
				eps[i] = prev // unchanged: keep the pointer too
				continue
			}
			it.ep.State = prev.State
			eps[i] = it.ep
			continue
		}
		it.ep.State = p.states.Ref(it.addr)
		it.ep.addWatcher(p)
		eps[i] = it.ep
	}
	for addr, e := range old {
		e.removeWatcher(p)
		p.states.Unref(addr)
	}
	p.eps = eps
	p.rebuildLocked()
	return nil
}

// SetBalancer switches the balancing policy (a reload that changed it) and
// rebuilds the snapshot. Endpoint state is untouched.
func (p *Pool) SetBalancer(f BalancerFactory) {
	p.mu.Lock()
	defer p.unlock()
	p.factory = f
	p.rebuildLocked()
}

// Close releases every endpoint state and stops following updates and
// readiness. Close the old pool only after its replacement is updated, so
// that shared states are not dropped in between.
//
// Pick keeps answering from the last snapshot: a reload that replaces a
// service's backend closes the old pool while requests that were routed
// under the old config still hold it, between loading the route table and
// picking, or between two tries of a retry. Emptying it answered those with
// 503 no-healthy-endpoint (1 request in 12 000 of the reload-under-load
// check, which flips the route, and with it the services' idle timeouts,
// on every reload). The balancers re-check each endpoint's readiness on
// every pick, and an address the new config kept shares its state.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, e := range p.eps {
		e.removeWatcher(p)
		p.states.Unref(e.Address())
	}
	p.eps = nil
}

// readinessChanged is called by State.SetReady. A Maglev rebuild for
// thousands of endpoints takes milliseconds, so a burst of flips (a rack goes
// down) must not queue one rebuild each: the flip marks the pool dirty, and
// whoever holds the lock rebuilds once for all flips seen so far. Picks in
// the meantime are safe because balancers re-check Ready on every pick.
func (p *Pool) readinessChanged() {
	p.dirty.Store(true)
	if p.mu.TryLock() {
		p.unlock()
	}
}

// unlock releases p.mu after rebuilding for any readiness flip that arrived
// while it was held. A flip that lands after the last check but before the
// Unlock finds the lock taken and returns; the re-check after Unlock is what
// catches it.
func (p *Pool) unlock() {
	for {
		for p.dirty.Swap(false) {
			if !p.closed {
				p.rebuildLocked()
			}
		}
		p.mu.Unlock()
		if !p.dirty.Load() || !p.mu.TryLock() {
			return
		}
	}
}

func (p *Pool) rebuildLocked() {
	ready := make([]*Endpoint, 0, len(p.eps))
	eligible := 0
	for _, e := range p.eps {
		if e.Ready() {
			ready = append(ready, e)
		}
		if e.Down()&hardReasons == 0 {
			eligible++
		}
	}
	pct := float64(p.panicPct.Load()) / 100
	panicking := pct > 0 && eligible > 0 && float64(len(ready))*100 < pct*float64(eligible)
	p.panicking.Store(panicking)
	nReady := len(ready)
	if panicking {
		ready = ready[:0]
		for _, e := range p.eps {
			if e.Down()&hardReasons == 0 {
				ready = append(ready, e)
			}
		}
	}
	s := &snapshot{all: p.eps, ready: ready, nReady: nReady}
	if len(ready) > 0 && p.factory != nil {
		s.bal = p.factory(ready)
	}
	p.snap.Store(s)
}

// Pick chooses a ready endpoint for r, or nil when none is ready (the proxy
// answers 503).
func (p *Pool) Pick(r *http.Request) *Endpoint {
	s := p.snap.Load()
	if s.bal == nil {
		return nil
	}
	return s.bal.Pick(r, nil)
}

// PickExcluding chooses a ready endpoint that is not in tried when there is
// one, and otherwise any ready endpoint (a retry to the same instance beats
// no retry). nil only when none is ready.
func (p *Pool) PickExcluding(r *http.Request, tried []*Endpoint) *Endpoint {
	s := p.snap.Load()
	if s.bal == nil {
		return nil
	}
	if len(tried) > 0 {
		if e := s.bal.Pick(r, tried); e != nil {
			return e
		}
	}
	return s.bal.Pick(r, nil)
}

// Counts reports how many endpoints the pool has and how many are ready.
func (p *Pool) Counts() (total, ready int) {
	s := p.snap.Load()
	return len(s.all), s.nReady
}

// Endpoints is the current endpoint list (ready or not) for the admin API.
// The slice is shared and must not be modified.
func (p *Pool) Endpoints() []*Endpoint { return p.snap.Load().all }
