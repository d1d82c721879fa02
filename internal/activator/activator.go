// Package activator holds requests at the gateway while a service has no
// capacity for them — scaled to zero, every instance still starting, or every
// ready instance at its concurrency limit — and releases them, oldest first,
// the moment capacity appears.
//
// One Activator lives per service for as long as the service does (across
// config reloads), so that its in-flight count and its queue outlive the
// handler chains it is wrapped into. The package knows nothing of pools,
// autoscalers or config: the integrator tells it how much capacity there is
// (Options.Capacity), calls Notify when that changes, and gets a Wake call
// when the service needs an instance.
package activator

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultQueueLimit  = 1000
	DefaultWaitTimeout = 30 * time.Second
	DefaultRetryAfter  = time.Second
	DefaultRecheck     = 250 * time.Millisecond
)

// Outcomes passed to Options.OnHeld.
const (
	// OutcomeReleased: the request waited and was then passed on.
	OutcomeReleased = "released"
	// OutcomeTimeout: the wait timeout (or the request's own deadline)
	// passed first; the client got 503 activator-timeout.
	OutcomeTimeout = "timeout"
	// OutcomeCanceled: the client went away while waiting.
	OutcomeCanceled = "canceled"
	// OutcomeQueueFull: rejected at once, the queue was at its limit
	// (waited is 0).
	OutcomeQueueFull = "queue-full"
	// OutcomeStartingPage: a browser got the "starting up" page at once
	// (waited is 0).
	OutcomeStartingPage = "starting-page"
)

// Response headers and Shoal-Error reasons set by the activator.
const (
	// HeaderColdStart is set on a response that waited because the service
	// had no ready instance when the request arrived: how long it waited,
	// in seconds with millisecond precision ("1.234s").
	HeaderColdStart = "Shoal-Cold-Start"
	// HeaderQueued is set instead when the service had ready instances but
	// all were at their concurrency limit.
	HeaderQueued = "Shoal-Queued"

	ReasonQueueFull = "activator-queue-full"
	ReasonTimeout   = "activator-timeout"
	ReasonStarting  = "activator-starting"
)

// Options configures one service's activator.
type Options struct {
	// Service names the service on the starting page.
	Service string
	// Capacity reports how many instances are ready now and how many
	// requests each may take at once (0 = unlimited). It is called on every
	// request, so it must be cheap and safe for concurrent use. Required.
	Capacity func() (ready, perInstance int)
	// Wake asks for an instance now. It is called once each time the service
	// goes from "has capacity" to "needs capacity", not per request (and
	// again every WaitTimeout while the shortage lasts), outside
	// any lock; it must return quickly (hand off, do not start a process
	// inline) and may call Notify. Optional.
	Wake func()
	// QueueLimit is the most requests held at once; beyond it a request gets
	// 503 activator-queue-full at once. 0 means DefaultQueueLimit.
	QueueLimit int
	// WaitTimeout is the longest a request is held before 503
	// activator-timeout. 0 means DefaultWaitTimeout.
	WaitTimeout time.Duration
	// RetryAfter is advertised in the Retry-After header of every 503 the
	// activator writes, rounded up to whole seconds. 0 means DefaultRetryAfter.
	RetryAfter time.Duration
	// StartingPage answers a browser's GET (Accept: text/html) with a small
	// self-refreshing "starting up" page instead of holding it, when the
	// service has no ready instance.
	StartingPage bool
	// Recheck is how often Capacity is polled while requests are held, as a
	// safety net for a missed Notify. 0 means DefaultRecheck; negative
	// disables polling (then only Notify and completions release requests).
	Recheck time.Duration
	// OnHeld, when set, is told of every request that was held or turned
	// away: how long it waited and one of the Outcome constants. It runs on
	// the request's goroutine and must not block.
	OnHeld func(waited time.Duration, outcome string)
	// Holds, when set, is told when each request starts and stops waiting
	// in the queue (signals.Holds fits), so the traffic signals can tell
	// the time spent waiting from the time spent in service. Its methods
	// run on the request's goroutine, outside any lock, and must not block.
	Holds HoldObserver
}

// HoldObserver follows the queue: HoldBegin when a request starts waiting
// for a slot, HoldEnd when it stops (released, timed out or canceled), both
// called from the held request's goroutine in that order. Requests that are
// passed on or turned away at once are never held.
type HoldObserver interface {
	HoldBegin()
	HoldEnd()
}

// Activator gates one service's requests on its capacity. Make it with New.
type Activator struct {
	capacity     func() (int, int)
	wake         func()
	onHeld       func(time.Duration, string)
	holds        HoldObserver
	queueLimit   int64
	waitTimeout  time.Duration
	recheck      time.Duration
	retryAfter   string
	startingPage bool
	page         []byte

	// Hot, read on every request. inFlight counts requests passed on and not
	// yet finished; it is written by every request, so it sits alone on its
	// cache line and does not slow the reads of the fields below. queued
	// mirrors the queue length so the fast path can see "someone is waiting"
	// without the lock.
	_        [64]byte
	inFlight atomic.Int64
	_        [56]byte
	queued   atomic.Int64
	// wanting is set when Wake has been called and capacity has not been
	// seen since; it makes Wake once per transition.
	wanting atomic.Bool
	// wakeMu makes needCapacity's decide-and-record one step: with two
	// atomics, a second held request could read the old lastWake between
	// the first one's wanting and lastWake stores and wake again.
	wakeMu   sync.Mutex
	lastWake int64 // unix nanos of the last Wake; guarded by wakeMu

	mu      sync.Mutex
	q       queue
	pumping bool // a recheck goroutine is running (guarded by mu)

	released, timedOut, canceled, rejected, pages, wakes atomic.Uint64
}

// New makes an activator. It panics when o.Capacity is nil: without it the
// activator cannot tell when to hold, which is a wiring bug.
func New(o Options) *Activator {
	if o.Capacity == nil {
		panic("activator.New: Options.Capacity is nil")
	}
	a := &Activator{
		capacity:     o.Capacity,
		wake:         o.Wake,
		onHeld:       o.OnHeld,
		holds:        o.Holds,
		queueLimit:   int64(o.QueueLimit),
		waitTimeout:  o.WaitTimeout,
		recheck:      o.Recheck,
		startingPage: o.StartingPage,
	}
	if a.queueLimit <= 0 {
		a.queueLimit = DefaultQueueLimit
	}
	if a.waitTimeout <= 0 {
		a.waitTimeout = DefaultWaitTimeout
	}
	if a.recheck == 0 {
		a.recheck = DefaultRecheck
	}
	ra := o.RetryAfter
	if ra <= 0 {
		ra = DefaultRetryAfter
	}
	a.retryAfter = retryAfterValue(ra)
	if a.startingPage {
		a.page = startingPage(o.Service)
	}
	return a
}

// Wrap returns next gated by the activator; its method value is a
// func(http.Handler) http.Handler middleware. Wrapping several handlers (one
// per reload) with the same Activator shares one queue and in-flight count.
func (a *Activator) Wrap(next http.Handler) http.Handler {
	return &handler{a: a, next: next}
}

type handler struct {
	a    *Activator
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := h.a
	// Fast path: nobody is waiting (so passing cannot overtake anyone) and
	// there is a free slot. Two atomic loads, the capacity call and one
	// atomic add; no lock, no allocation.
	if a.queued.Load() == 0 && a.tryAcquire() {
		if a.wanting.Load() {
			a.wanting.Store(false)
		}
		defer a.release()
		h.next.ServeHTTP(w, r)
		return
	}
	a.hold(h.next, w, r)
}

// tryAcquire takes one in-flight slot if the service has room for it.
func (a *Activator) tryAcquire() bool {
	ready, per := a.capacity()
	if ready <= 0 {
		return false
	}
	if per <= 0 {
		a.inFlight.Add(1)
		return true
	}
	limit := int64(ready) * int64(per)
	for {
		n := a.inFlight.Load()
		if n >= limit {
			return false
		}
		if a.inFlight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release gives back a slot when a passed-on request finishes (in a defer,
// because ReverseProxy aborts handlers with a panic). The decrement comes
// before the load of queued; hold increments queued before it checks for a
// slot, so one of the two always sees the other and no waiter is stranded
// next to a free slot.
func (a *Activator) release() {
	a.inFlight.Add(-1)
	if a.queued.Load() > 0 {
		a.mu.Lock()
		a.dispatchLocked()
		a.mu.Unlock()
	}
}

// Notify tells the activator that the service's capacity may have changed
// (an instance became ready or went away, the per-instance limit changed).
// Held requests that now fit are released before Notify returns. Cheap when
// nothing is held; safe to call from any goroutine, including from Wake.
func (a *Activator) Notify() {
	if a.queued.Load() > 0 {
		a.mu.Lock()
		a.dispatchLocked()
		a.mu.Unlock()
	}
	if a.wanting.Load() && a.queued.Load() == 0 {
		if ready, _ := a.capacity(); ready > 0 {
			a.wanting.Store(false)
		}
	}
}

// needCapacity calls Wake on the transition into "needs capacity", and
// again once per WaitTimeout while the shortage lasts: a Wake that came to
// nothing (the scaler failed, the instance crashed while starting) must not
// leave the service asleep for good just because no capacity was ever seen.
// Only the slow path gets here, so reading the clock is affordable.
func (a *Activator) needCapacity() {
	a.wakeMu.Lock()
	now := time.Now().UnixNano()
	fire := !a.wanting.Load() || now-a.lastWake >= int64(a.waitTimeout)
	if fire {
		a.lastWake = now
		a.wanting.Store(true)
	}
	a.wakeMu.Unlock()
	if !fire {
		return
	}
	a.wakes.Add(1)
	if a.wake != nil {
		a.wake()
	}
}

func (a *Activator) report(waited time.Duration, outcome string) {
	if a.onHeld != nil {
		a.onHeld(waited, outcome)
	}
}

// Stats is a point-in-time view for the admin API.
type Stats struct {
	Held          int64  `json:"held"`
	InFlight      int64  `json:"in_flight"`
	Released      uint64 `json:"released_total"`
	TimedOut      uint64 `json:"timed_out_total"`
	Canceled      uint64 `json:"canceled_total"`
	Rejected      uint64 `json:"rejected_total"`
	StartingPages uint64 `json:"starting_pages_total"`
	Wakes         uint64 `json:"wakes_total"`
}

// Stats reads the counters; each is exact, the set is not one atomic view.
func (a *Activator) Stats() Stats {
	return Stats{
		Held:          a.queued.Load(),
		InFlight:      a.inFlight.Load(),
		Released:      a.released.Load(),
		TimedOut:      a.timedOut.Load(),
		Canceled:      a.canceled.Load(),
		Rejected:      a.rejected.Load(),
		StartingPages: a.pages.Load(),
		Wakes:         a.wakes.Load(),
	}
}
