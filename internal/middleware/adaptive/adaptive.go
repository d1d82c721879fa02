// Package adaptive is a concurrency limiter that finds a service's limit
// from what it measures, instead of from configuration: it sheds requests
// beyond the limit before queueing turns into collapsing latency.
//
// Two algorithms, after Netflix's concurrency-limits:
//   - gradient: compares the recent latency with the lowest seen (the
//     service time without queueing); when recent latency rises above that
//     baseline times a tolerance the limit shrinks in proportion, otherwise
//     it grows by a small queue allowance.
//   - aimd: additive increase while requests succeed under the latency
//     threshold, multiplicative decrease on a failure or a slow answer.
package adaptive

import (
	"math"
	"sync"
	"time"
)

// Options configure a Limiter.
type Options struct {
	// Algorithm is "gradient" or "aimd".
	Algorithm string
	// InitialLimit, MinLimit and MaxLimit bound the limit.
	InitialLimit, MinLimit, MaxLimit int
	// Smoothing (0-1] is how fast gradient moves towards a new limit.
	Smoothing float64
	// BackoffRatio (0-1) multiplies the aimd limit on a drop.
	BackoffRatio float64
	// SlowLatency counts an aimd answer slower than this as a drop.
	SlowLatency time.Duration
}

// rttTolerance is how much recent latency may exceed the baseline before
// the gradient limiter sees queueing.
const rttTolerance = 1.5

// Limiter is safe for concurrent use.
type Limiter struct {
	o        Options
	mu       sync.Mutex
	limit    float64
	inFlight int
	minRTT   float64 // ns: the no-queue baseline, drifting up slowly
	shortRTT float64 // ns, fast EWMA: what requests see now
	shed     int64
}

// New returns a limiter at o.InitialLimit.
func New(o Options) *Limiter {
	if o.MinLimit < 1 {
		o.MinLimit = 1
	}
	if o.MaxLimit < o.MinLimit {
		o.MaxLimit = o.MinLimit
	}
	if o.InitialLimit < o.MinLimit {
		o.InitialLimit = o.MinLimit
	}
	if o.Smoothing <= 0 || o.Smoothing > 1 {
		o.Smoothing = 0.2
	}
	if o.BackoffRatio <= 0 || o.BackoffRatio >= 1 {
		o.BackoffRatio = 0.9
	}
	return &Limiter{o: o, limit: float64(o.InitialLimit)}
}

// Acquire reports whether a request may go now; each true must be followed
// by one Release.
func (l *Limiter) Acquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if float64(l.inFlight) >= math.Floor(l.limit) {
		l.shed++
		return false
	}
	l.inFlight++
	return true
}

// Release records a finished request: its latency and whether it failed
// in a way that signals overload (timeout, 5xx, connection refused).
func (l *Limiter) Release(rtt time.Duration, dropped bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Only a limiter that is being used learns: an idle service's latency
	// says nothing about what it could take.
	busy := float64(l.inFlight) >= l.limit/2
	l.inFlight--
	if l.o.Algorithm == "aimd" {
		l.aimd(rtt, dropped, busy)
	} else {
		l.gradient(rtt, dropped, busy)
	}
	l.limit = math.Max(float64(l.o.MinLimit), math.Min(float64(l.o.MaxLimit), l.limit))
}

func (l *Limiter) aimd(rtt time.Duration, dropped, busy bool) {
	switch {
	case dropped || (l.o.SlowLatency > 0 && rtt > l.o.SlowLatency):
		l.limit *= l.o.BackoffRatio
	case busy:
		l.limit += 1 / l.limit // about +1 per limit's worth of successes
	}
}

func (l *Limiter) gradient(rtt time.Duration, dropped, busy bool) {
	ns := float64(rtt)
	if dropped {
		// A failure's latency is not a service time; treat it as queueing.
		l.limit *= 0.9
		return
	}
	if l.minRTT == 0 {
		l.minRTT, l.shortRTT = ns, ns
		return
	}
	l.shortRTT += 0.1 * (ns - l.shortRTT)
	// The baseline creeps up a little with every sample so that a service
	// that became slower for good is re-learnt (about 2x per 70k samples)
	// instead of being throttled forever.
	l.minRTT = math.Min(ns, l.minRTT*(1+1e-5))
	if !busy {
		return
	}
	gradient := math.Max(0.5, math.Min(1, rttTolerance*l.minRTT/l.shortRTT))
	queue := math.Sqrt(l.limit)
	next := l.limit*gradient + queue
	l.limit = l.limit*(1-l.o.Smoothing) + next*l.o.Smoothing
}

// Stats is the limiter's state for the admin API and metrics.
type Stats struct {
	Limit    int
	InFlight int
	Shed     int64
}

// Stats returns the current limit, requests in flight and the count shed.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Limit: int(l.limit), InFlight: l.inFlight, Shed: l.shed}
}
