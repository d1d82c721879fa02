package health

import "sync"

// Readiness combines the independent reasons an endpoint may not get traffic
// (failing active checks, outlier ejection, draining before a stop) into one
// ready bit, and calls apply whenever that bit changes. It implements Sink
// and Ejector; wire apply to upstream's State.SetReady (via States.Lookup).
//
// An address is ready when it is healthy, not ejected and not draining. An
// address never mentioned is ready: a static endpoint without checks must
// get traffic.
//
// One Readiness serves a whole gateway, keyed by address like upstream's
// States. If two services list the same address with different checks, the
// last verdict of either wins, because the request path keeps one readiness
// bit per address.
type Readiness struct {
	apply func(addr string, ready bool)

	mu sync.Mutex // also serialises apply, so calls for an address stay in order
	m  map[string]*Causes
}

// Causes lists why an address is (not) ready, for the admin API.
type Causes struct {
	Unhealthy bool `json:"unhealthy"`
	Ejected   bool `json:"ejected"`
	Draining  bool `json:"draining"`
}

// Ready reports whether no cause keeps the address out of rotation.
func (c Causes) Ready() bool { return !c.Unhealthy && !c.Ejected && !c.Draining }

// NewReadiness returns a combiner that reports changes to apply. apply is
// called with the combiner's lock held and must not call back into it.
func NewReadiness(apply func(addr string, ready bool)) *Readiness {
	return &Readiness{apply: apply, m: make(map[string]*Causes)}
}

// SetHealthy implements Sink.
func (r *Readiness) SetHealthy(addr string, healthy bool) {
	r.set(addr, func(c *Causes) { c.Unhealthy = !healthy })
}

// SetEjected implements Ejector.
func (r *Readiness) SetEjected(addr string, ejected bool) {
	r.set(addr, func(c *Causes) { c.Ejected = ejected })
}

// SetDraining marks an address that is being taken out of service (scale-in,
// deregistration): it gets no new requests whatever its health. Draining is
// also the one cause that the panic threshold never overrides.
func (r *Readiness) SetDraining(addr string, draining bool) {
	r.set(addr, func(c *Causes) { c.Draining = draining })
}

// Causes reports the current causes for addr (all false when unknown).
func (r *Readiness) Causes(addr string) Causes {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.m[addr]; ok {
		return *c
	}
	return Causes{}
}

// Forget drops what is known about addr, once no service lists it any more.
// It does not call apply: the endpoint is gone. A later mention starts fresh.
func (r *Readiness) Forget(addr string) {
	r.mu.Lock()
	delete(r.m, addr)
	r.mu.Unlock()
}

func (r *Readiness) set(addr string, change func(*Causes)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.m[addr]
	if !ok {
		c = &Causes{}
		r.m[addr] = c
	}
	before := c.Ready()
	change(c)
	if after := c.Ready(); after != before || !ok {
		// The first mention always applies, so the endpoint's state matches
		// even if it was left not-ready by an earlier life of the address.
		r.apply(addr, after)
	}
}
