package upstream

import (
	"sync"
	"time"
)

// DefaultDecay is the peak-EWMA time constant when none is given; Finagle and
// Linkerd use the same 10 s.
const DefaultDecay = 10 * time.Second

// States is the store of per-endpoint state keyed by address (host:port).
// Make one per gateway and hand it to every Pool, so that state outlives
// reloads: a new pool for the same address gets the same *State.
//
// Entries are reference counted by the pools that list them (and by anyone
// else who calls Ref, such as a health checker). An entry is dropped when its
// count reaches zero, i.e. when no pool lists the address any more. A reload
// must therefore build and Update the new pools before it Closes the old ones;
// the gateway's build-then-swap order does exactly that.
type States struct {
	clock clock
	mu    sync.Mutex
	m     map[string]*stateRef
}

type stateRef struct {
	st   *State
	refs int
}

// NewStates makes an empty store. decay is the peak-EWMA time constant
// (how fast an old latency estimate fades); zero means DefaultDecay.
func NewStates(decay time.Duration) *States {
	if decay <= 0 {
		decay = DefaultDecay
	}
	return &States{
		clock: clock{epoch: time.Now(), tau: float64(decay)},
		m:     make(map[string]*stateRef),
	}
}

// Ref returns the state for addr, creating it if needed, and counts one
// reference. Pair it with Unref.
func (s *States) Ref(addr string) *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[addr]
	if !ok {
		r = &stateRef{st: newState(addr, &s.clock)}
		s.m[addr] = r
	}
	r.refs++
	return r.st
}

// Unref drops one reference; the entry is forgotten at zero.
func (s *States) Unref(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[addr]
	if !ok {
		return
	}
	r.refs--
	if r.refs <= 0 {
		delete(s.m, addr)
	}
}

// Lookup returns the state for addr, or nil when no one references it.
// Health checks and outlier detection use it to reach SetReady.
func (s *States) Lookup(addr string) *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.m[addr]; ok {
		return r.st
	}
	return nil
}

// Len is the number of live entries.
func (s *States) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
