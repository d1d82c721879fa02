// Package bulkhead limits how many requests run at once against one
// service or route, with a bounded queue for the excess, so that a slow
// dependency holds at most its share of the gateway's goroutines and
// connections.
package bulkhead

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrFull is returned when both the running slots and the queue are full,
// or a queued request waited longer than the queue timeout.
var ErrFull = errors.New("bulkhead full")

// Options size a Limiter.
type Options struct {
	// MaxConcurrent requests run at once; must be positive.
	MaxConcurrent int
	// MaxPending requests may wait for a slot; 0 rejects at once.
	MaxPending int
	// QueueTimeout bounds the wait of a pending request.
	QueueTimeout time.Duration
}

// Limiter is a semaphore with a bounded, timed queue.
type Limiter struct {
	o        Options
	slots    chan struct{}
	pending  atomic.Int64
	rejected atomic.Int64
}

// New returns a limiter; o.MaxConcurrent must be positive.
func New(o Options) *Limiter {
	if o.QueueTimeout <= 0 {
		o.QueueTimeout = time.Second
	}
	return &Limiter{o: o, slots: make(chan struct{}, max(o.MaxConcurrent, 1))}
}

// Acquire takes a slot, waiting in the queue when there is room in it. It
// returns ErrFull, or ctx's error when the caller gave up first. Every nil
// return must be matched by Release.
func (l *Limiter) Acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if l.pending.Add(1) > int64(l.o.MaxPending) {
		l.pending.Add(-1)
		l.rejected.Add(1)
		return ErrFull
	}
	defer l.pending.Add(-1)
	t := time.NewTimer(l.o.QueueTimeout)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		l.rejected.Add(1)
		return ErrFull
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release frees a slot.
func (l *Limiter) Release() { <-l.slots }

// Stats is the limiter's load for the admin API and metrics.
type Stats struct {
	Active, Pending, Rejected int64
	MaxConcurrent, MaxPending int
}

// Stats returns the current load.
func (l *Limiter) Stats() Stats {
	return Stats{
		Active: int64(len(l.slots)), Pending: l.pending.Load(), Rejected: l.rejected.Load(),
		MaxConcurrent: cap(l.slots), MaxPending: l.o.MaxPending,
	}
}

// Middleware runs next under the limiter; refused requests get 503 with
// Shoal-Error: bulkhead-full and Retry-After.
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := l.Acquire(r.Context()); err != nil {
			Reject(w)
			return
		}
		defer l.Release()
		next.ServeHTTP(w, r)
	})
}

// Reject answers a request the bulkhead refused.
func Reject(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Shoal-Error", "bulkhead-full")
	h.Set("Retry-After", "1")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("Service Unavailable: bulkhead-full\n"))
}
