// Package breaker is a circuit breaker: it counts the outcomes of calls to
// one target and, when they keep failing, refuses calls for a while so the
// target can recover and callers fail fast instead of piling up.
//
// Closed: calls pass; consecutive failures or a failure rate over a window
// open it. Open: calls are refused until open_for has passed. Half-open: a
// few probe calls pass; when they all succeed it closes, one failure opens
// it again.
package breaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// State is where a breaker is.
type State uint8

const (
	Closed State = iota
	Open
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	default:
		return "closed"
	}
}

// Options configure a Breaker. Zero thresholds turn their rule off.
type Options struct {
	// ConsecutiveFailures opens the breaker after this many failures in a row.
	ConsecutiveFailures int
	// FailureRate (0-1] opens it when the share of failures over Window
	// reaches it, once MinRequests calls were seen in the window.
	FailureRate float64
	MinRequests int
	Window      time.Duration
	// OpenFor is how long an open breaker refuses calls.
	OpenFor time.Duration
	// HalfOpenProbes calls are let through when half-open; all must succeed.
	HalfOpenProbes int
	// Now replaces the clock in tests.
	Now func() time.Time
	// OnChange, when set, learns every transition (called without locks held).
	OnChange func(from, to State)
}

// Breaker is safe for concurrent use.
type Breaker struct {
	o  Options
	mu sync.Mutex
	st State
	// closed-state counting
	consecutive  int
	winStart     time.Time
	calls, fails int
	// open/half-open
	openedAt  time.Time
	probes    int // probes let through in this half-open period
	successes int // probes that succeeded

	opens    atomic.Int64
	rejected atomic.Int64
}

// New returns a closed breaker.
func New(o Options) *Breaker {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Window <= 0 {
		o.Window = 10 * time.Second
	}
	if o.OpenFor <= 0 {
		o.OpenFor = 5 * time.Second
	}
	if o.HalfOpenProbes <= 0 {
		o.HalfOpenProbes = 1
	}
	return &Breaker{o: o, winStart: o.Now()}
}

// Allow reports whether a call may go ahead. Every allowed call must be
// followed by exactly one Done.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	var from State
	changed := false
	if b.st == Open && b.o.Now().Sub(b.openedAt) >= b.o.OpenFor {
		from, changed = b.st, true
		b.st, b.probes, b.successes = HalfOpen, 0, 0
	}
	ok := true
	switch b.st {
	case Open:
		ok = false
	case HalfOpen:
		if b.probes >= b.o.HalfOpenProbes {
			ok = false
		} else {
			b.probes++
		}
	}
	b.mu.Unlock()
	if changed {
		b.notify(from, HalfOpen)
	}
	if !ok {
		b.rejected.Add(1)
	}
	return ok
}

// Done records the outcome of an allowed call.
func (b *Breaker) Done(success bool) {
	b.mu.Lock()
	from, to := b.st, b.st
	now := b.o.Now()
	switch b.st {
	case HalfOpen:
		if !success {
			to = b.openLocked(now)
		} else if b.successes++; b.successes >= b.o.HalfOpenProbes {
			to = Closed
			b.st, b.consecutive, b.calls, b.fails, b.winStart = Closed, 0, 0, 0, now
		}
	case Closed:
		if now.Sub(b.winStart) >= b.o.Window {
			b.winStart, b.calls, b.fails = now, 0, 0
		}
		b.calls++
		if success {
			b.consecutive = 0
		} else {
			b.consecutive++
			b.fails++
		}
		if b.tripLocked() {
			to = b.openLocked(now)
		}
	}
	b.mu.Unlock()
	if from != to {
		b.notify(from, to)
	}
}

func (b *Breaker) tripLocked() bool {
	if n := b.o.ConsecutiveFailures; n > 0 && b.consecutive >= n {
		return true
	}
	return b.o.FailureRate > 0 && b.calls >= max(b.o.MinRequests, 1) &&
		float64(b.fails) >= b.o.FailureRate*float64(b.calls)
}

func (b *Breaker) openLocked(now time.Time) State {
	b.st, b.openedAt = Open, now
	b.opens.Add(1)
	return Open
}

func (b *Breaker) notify(from, to State) {
	if b.o.OnChange != nil {
		b.o.OnChange(from, to)
	}
}

// Stats is a breaker's state for the admin API and metrics.
type Stats struct {
	State State
	// Opens counts transitions to open; Rejected counts refused calls.
	Opens, Rejected int64
	// Since is when the breaker last opened (zero if never).
	Since time.Time
}

// Stats returns the current state. An open breaker whose open_for has
// passed reports half_open, as the next call would find it.
func (b *Breaker) Stats() Stats {
	b.mu.Lock()
	st := b.st
	if st == Open && b.o.Now().Sub(b.openedAt) >= b.o.OpenFor {
		st = HalfOpen
	}
	s := Stats{State: st, Since: b.openedAt}
	b.mu.Unlock()
	s.Opens, s.Rejected = b.opens.Load(), b.rejected.Load()
	return s
}
