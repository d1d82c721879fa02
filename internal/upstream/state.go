// Package upstream holds what the request path knows about the instances behind
// a service: each Endpoint's live state (in-flight requests, peak-EWMA latency,
// readiness, counters) and the Pool that hands a balancer an immutable snapshot
// of the ready endpoints.
//
// The package imports neither config, registry, health nor autoscale: those
// packages push targets into a Pool (Update) and readiness into a State
// (SetReady); the proxy calls Pick, Acquire and Release.
package upstream

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// State is the live, mutable part of an endpoint. It is keyed by address in a
// States store so that it survives config reloads: every Pool that lists the
// same address shares one State.
type State struct {
	addr  string
	clock *clock

	down     atomic.Uint32 // Reason bits; ready when zero
	inFlight atomic.Int64
	requests atomic.Uint64
	failures atomic.Uint64

	// Peak EWMA: estimate in nanoseconds (float64 bits) and the time of the
	// last observation. Readers load both without a lock; a torn pair only
	// skews one cost estimate slightly, which the balancer tolerates.
	ewmaBits atomic.Uint64
	stamp    atomic.Int64
	ewmaMu   sync.Mutex // serialises the read-modify-write in observe

	// Pools that must rebuild their snapshot when readiness flips.
	watchMu  sync.Mutex
	watchers []*Pool
}

func newState(addr string, c *clock) *State {
	s := &State{addr: addr, clock: c}
	// Endpoints start ready: a static endpoint without health checks must get
	// traffic. A health checker that wants "unready until the first probe
	// passes" calls SetDown(Unhealthy, true) before the address is put into
	// a pool.
	return s
}

// Address is the host:port the state is keyed by.
func (s *State) Address() string { return s.addr }

// Reason is one independent cause for an endpoint being out of rotation.
// Several can hold at once (an ejected endpoint can also fail its probe);
// the endpoint is ready only when none does, so one subsystem clearing its
// reason never overrides another's.
type Reason uint32

const (
	// Manual: SetReady(false) by an operator or a caller without a finer reason.
	Manual Reason = 1 << iota
	// Unhealthy: the active health check is failing.
	Unhealthy
	// Ejected: passive outlier detection took it out for a while.
	Ejected
	// Draining: it is being stopped or deregistered; in-flight requests finish.
	Draining
)

// String lists the reasons, for the admin API.
func (r Reason) String() string {
	if r == 0 {
		return "ready"
	}
	var out string
	for _, n := range []struct {
		r    Reason
		name string
	}{{Manual, "disabled"}, {Unhealthy, "unhealthy"}, {Ejected, "ejected"}, {Draining, "draining"}} {
		if r&n.r != 0 {
			if out != "" {
				out += ","
			}
			out += n.name
		}
	}
	return out
}

// Ready reports whether the endpoint may receive new requests.
func (s *State) Ready() bool { return s.down.Load() == 0 }

// Down reports the reasons the endpoint is out of rotation (0 when ready).
func (s *State) Down() Reason { return Reason(s.down.Load()) }

// SetReady sets or clears the Manual reason. It reports whether readiness
// changed.
func (s *State) SetReady(ready bool) bool { return s.SetDown(Manual, !ready) }

// SetDown sets or clears one reason. It reports whether the endpoint's
// readiness changed; a change makes every pool holding the endpoint rebuild
// its snapshot.
func (s *State) SetDown(r Reason, down bool) bool {
	for {
		old := s.down.Load()
		nw := old &^ uint32(r)
		if down {
			nw = old | uint32(r)
		}
		if nw == old {
			return false
		}
		if !s.down.CompareAndSwap(old, nw) {
			continue
		}
		if (old == 0) == (nw == 0) {
			return false
		}
		break
	}
	s.watchMu.Lock()
	pools := append([]*Pool(nil), s.watchers...)
	s.watchMu.Unlock()
	// Called outside watchMu: a pool rebuild takes the pool's own lock, and
	// Pool.Update takes the pool lock before touching watchers.
	for _, p := range pools {
		p.readinessChanged()
	}
	return true
}

// InFlight is the number of attempts started with Acquire and not yet released.
func (s *State) InFlight() int64 { return s.inFlight.Load() }

// Acquire marks the start of one attempt to this endpoint. Every Acquire must
// be followed by exactly one Release.
func (s *State) Acquire() {
	s.inFlight.Add(1)
	s.requests.Add(1)
}

// Release marks the end of an attempt that took latency. ok=false counts a
// failure (connect error, reset, timeout, 5xx as the proxy decides).
//
// A successful attempt feeds its latency to the peak EWMA. A failed one only
// feeds it when that raises the estimate: a timeout is a strong "slow" signal,
// but a fast connection refusal must not make a broken endpoint look fast.
func (s *State) Release(latency time.Duration, ok bool) {
	s.inFlight.Add(-1)
	if ok {
		s.observe(s.clock.now(), latency)
		return
	}
	s.failures.Add(1)
	s.observeIfHigher(latency)
}

// ReleaseCancelled ends an attempt that was cut short before its answer:
// its client left, or it lost a hedged race and was cancelled. It is
// neither a success nor a failure, and its duration is only a lower bound
// on the endpoint's latency, so it feeds the estimate only when it raises
// it (a slow endpoint whose hedged tries keep being cancelled must not
// look as fast as the time it was given).
func (s *State) ReleaseCancelled(latency time.Duration) {
	s.inFlight.Add(-1)
	s.observeIfHigher(latency)
}

// observeIfHigher feeds a latency that is only a lower bound (a failure, a
// cancelled attempt) to the estimate when it raises it.
func (s *State) observeIfHigher(latency time.Duration) {
	now := s.clock.now()
	if float64(latency) > s.costAt(now) {
		s.observe(now, latency)
	}
}

// Latency is the current peak-EWMA latency estimate, decayed to now; zero
// means nothing has been observed yet (or it decayed away entirely).
func (s *State) Latency() time.Duration {
	return time.Duration(s.costAt(s.clock.now()))
}

// LatencyNanos is Latency as a float, for balancers that multiply it.
func (s *State) LatencyNanos() float64 { return s.costAt(s.clock.now()) }

// observe applies one latency sample at time now (nanoseconds on the clock).
// Peaks replace the estimate at once; lower samples pull it down with a
// weight that depends on how long ago the previous sample was, so the
// estimate reacts to time rather than to request rate.
func (s *State) observe(now int64, rtt time.Duration) {
	x := float64(rtt)
	s.ewmaMu.Lock()
	est := math.Float64frombits(s.ewmaBits.Load())
	last := s.stamp.Load()
	if x > est {
		est = x
	} else {
		w := s.clock.decayWeight(now - last)
		est = est*w + x*(1-w)
	}
	s.ewmaBits.Store(math.Float64bits(est))
	s.stamp.Store(now)
	s.ewmaMu.Unlock()
}

// costAt is the estimate decayed toward zero for the time since the last
// sample: an endpoint that was slow and then got no traffic becomes
// attractive again, so the balancer probes it instead of starving it forever.
func (s *State) costAt(now int64) float64 {
	est := math.Float64frombits(s.ewmaBits.Load())
	if est == 0 {
		return 0
	}
	return est * s.clock.decayWeight(now-s.stamp.Load())
}

// Stats is a point-in-time copy of a State for the admin API.
type Stats struct {
	Ready    bool          `json:"ready"`
	InFlight int64         `json:"in_flight"`
	Latency  time.Duration `json:"ewma_latency_ns"`
	Requests uint64        `json:"requests"`
	Failures uint64        `json:"failures"`
}

// Stats copies the counters.
func (s *State) Stats() Stats {
	return Stats{
		Ready:    s.Ready(),
		InFlight: s.InFlight(),
		Latency:  s.Latency(),
		Requests: s.requests.Load(),
		Failures: s.failures.Load(),
	}
}

func (s *State) addWatcher(p *Pool) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, p)
	s.watchMu.Unlock()
}

func (s *State) removeWatcher(p *Pool) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	for i, w := range s.watchers {
		if w == p {
			last := len(s.watchers) - 1
			s.watchers[i] = s.watchers[last]
			s.watchers[last] = nil
			s.watchers = s.watchers[:last]
			return
		}
	}
}
