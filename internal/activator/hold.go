package activator

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/internal/proxy"
)

// waiter is one held request. Its links and granted flag are guarded by the
// activator's mutex; ch is closed when the request is given a slot.
type waiter struct {
	prev, next *waiter
	granted    bool
	ch         chan struct{}
}

// queue is an intrusive FIFO: removing a request whose client left is O(1)
// wherever it sits.
type queue struct{ head, tail *waiter }

func (q *queue) push(w *waiter) {
	w.prev = q.tail
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
}

func (q *queue) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next = nil, nil
}

// dispatchLocked hands free slots to held requests, oldest first, and stops
// at the first one that does not fit so that order is kept.
func (a *Activator) dispatchLocked() {
	granted := false
	for w := a.q.head; w != nil; w = a.q.head {
		if !a.tryAcquire() {
			return
		}
		a.q.remove(w)
		a.queued.Add(-1)
		w.granted = true
		close(w.ch)
		granted = true
	}
	if granted {
		// The queue drained on capacity: the next shortage is a new
		// transition and deserves its own Wake.
		a.wanting.Store(false)
	}
}

// hold is the slow path: the starting page, the queue-full rejection, or a
// wait for a slot.
func (a *Activator) hold(next http.Handler, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ready, _ := a.capacity()
	cold := ready <= 0
	// The page says "starting up", so it is shown only when that is true; a
	// busy service holds browsers like everyone else, usually for far less
	// than a page refresh would cost.
	if cold && a.startingPage && r.Method == http.MethodGet && acceptsHTML(r) {
		a.needCapacity()
		a.pages.Add(1)
		a.report(0, OutcomeStartingPage)
		a.writePage(w)
		return
	}

	wt := &waiter{ch: make(chan struct{})}
	a.mu.Lock()
	if a.queued.Load() >= a.queueLimit {
		a.mu.Unlock()
		a.needCapacity()
		a.rejected.Add(1)
		a.report(0, OutcomeQueueFull)
		a.reject(w, ReasonQueueFull)
		return
	}
	a.q.push(wt)
	// queued goes up before dispatch looks for a slot; see release.
	a.queued.Add(1)
	a.dispatchLocked()
	startPump := !wt.granted && !a.pumping && a.recheck > 0
	if startPump {
		a.pumping = true
	}
	immediate := wt.granted
	a.mu.Unlock()

	if immediate {
		// A slot freed up between the fast path's look and ours: the
		// request never waited, so it carries no wait header.
		defer a.release()
		next.ServeHTTP(w, r)
		return
	}
	if a.holds != nil {
		a.holds.HoldBegin()
	}
	if startPump {
		go a.pump()
	}
	a.needCapacity()

	timer := time.NewTimer(a.waitTimeout)
	ctx := r.Context()
	select {
	case <-wt.ch:
	case <-ctx.Done():
	case <-timer.C:
	}
	timer.Stop()

	a.mu.Lock()
	granted := wt.granted
	if !granted {
		a.q.remove(wt)
		a.queued.Add(-1)
	}
	a.mu.Unlock()
	if a.holds != nil {
		a.holds.HoldEnd()
	}
	waited := time.Since(start)

	ctxErr := ctx.Err()
	if granted && ctxErr != nil {
		// Granted in the same instant the client left or its deadline
		// passed: give the slot to the next in line.
		a.release()
		granted = false
	}
	if granted {
		a.released.Add(1)
		a.report(waited, OutcomeReleased)
		name := HeaderQueued
		if cold {
			name = HeaderColdStart
		}
		w.Header().Set(name, formatWait(waited))
		defer a.release()
		next.ServeHTTP(w, r)
		return
	}
	if errors.Is(ctxErr, context.Canceled) {
		a.canceled.Add(1)
		a.report(waited, OutcomeCanceled)
		// Nobody is listening; the status is only for the access log, as
		// the forwarder does for a client that leaves mid-request.
		w.WriteHeader(proxy.StatusClientClosed)
		return
	}
	a.timedOut.Add(1)
	a.report(waited, OutcomeTimeout)
	a.reject(w, ReasonTimeout)
}

// pump re-checks capacity while requests are held, so that a missed Notify
// delays them by at most one Recheck instead of stranding them until their
// timeout. It exits as soon as the queue is empty.
func (a *Activator) pump() {
	t := time.NewTicker(a.recheck)
	defer t.Stop()
	for range t.C {
		a.mu.Lock()
		if a.q.head == nil {
			a.pumping = false
			a.mu.Unlock()
			return
		}
		a.dispatchLocked()
		a.mu.Unlock()
	}
}

func (a *Activator) reject(w http.ResponseWriter, reason string) {
	w.Header().Set("Retry-After", a.retryAfter)
	proxy.WriteError(w, http.StatusServiceUnavailable, reason)
}

// formatWait renders a wait as seconds with millisecond precision ("1.234s"),
// a form both people and time.ParseDuration read.
func formatWait(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
}

// retryAfterValue rounds up to whole seconds, the only unit Retry-After has,
// and never advertises 0 (which invites an immediate retry storm).
func retryAfterValue(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}
