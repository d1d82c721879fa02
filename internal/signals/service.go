// Package signals records what the gateway sees of one service (or one
// instance) in 1-second buckets: arrivals, completions, errors, the
// time-averaged number of requests in flight (and of those among them
// waiting in the gateway queue, when a queue reports through Holds) and a
// latency histogram.
//
// The request path (Begin/End) is lock-free and allocation-free: a few atomic
// adds into the bucket of the current second. The control side folds finished
// seconds into autoscale.Samples (Drain, for the autoscaler) and into a
// rolling 15-minute history with latency percentiles (Recent, for the
// dashboard).
//
// The in-flight average is exact, not sampled. Rather than integrating
// "in-flight × time since the last change" under a lock, each request adds the
// part of the second it is in flight: an arrival at t adds (end of second − t)
// to its bucket, a completion at t subtracts (end of second − t) from its
// bucket, and every request in flight when a second starts counts the whole
// second (the carry, kept by the control side). The sum is the same integral,
// and it needs only independent atomic adds.
package signals

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock returns the current time. Real clocks carry a monotonic reading, so
// wall-clock jumps do not disturb the buckets.
type Clock func() time.Time

// SettleDelay is how long after the end of a second its bucket is treated as
// complete: a request that read the clock just before the boundary may still
// be adding to it for a moment.
const SettleDelay = 200 * time.Millisecond

// HistoryLength is how much per-second history Recent keeps.
const HistoryLength = 15 * time.Minute

// ringSize is the number of live buckets (a power of two). The control side
// must fold a bucket within ringSize-1 seconds or it is lost; after a longer
// gap Drain resynchronises from the in-flight gauge.
const ringSize = 16

// Token is what Begin hands out and End takes back: the start time.
type Token struct{ start int64 }

// Service records the signals of one service or one instance. All methods
// are safe for concurrent use.
type Service struct {
	name      string
	clock     Clock
	base      time.Time
	baseNanos int64

	inflight atomic.Int64
	// held is the number of requests waiting in the gateway queue (see
	// Holds); queueMeasured is set once a queue reports to it.
	held          atomic.Int64
	queueMeasured atomic.Bool
	ring          [ringSize]slot
	// resetMu is taken only when a bucket is reused for a new second (at
	// most once per second), never on the common path.
	resetMu sync.Mutex

	ctl control
}

// NewService returns a recorder for name. A nil clock means time.Now.
func NewService(name string, clock Clock) *Service {
	if clock == nil {
		clock = time.Now
	}
	s := &Service{name: name, clock: clock}
	s.base = clock()
	s.baseNanos = s.base.UnixNano()
	for i := range s.ring {
		s.ring[i].sec.Store(noSecond)
	}
	s.ctl.init(s.baseNanos)
	return s
}

// Name is the name given to NewService.
func (s *Service) Name() string { return s.name }

// InFlight is the number of requests begun and not yet ended.
func (s *Service) InFlight() int64 { return s.inflight.Load() }

// nanos is the current time in Unix nanoseconds, advanced by the monotonic
// clock since the Service was made.
func (s *Service) nanos() int64 { return s.baseNanos + int64(s.clock().Sub(s.base)) }

// Begin records an arrival. Call End with the token when the request ends.
func (s *Service) Begin() Token {
	t := s.nanos()
	s.inflight.Add(1)
	sec, end := secondOf(t)
	if b := s.bucket(sec); b != nil {
		b.flight.up(end - t)
	}
	return Token{start: t}
}

// End records a completion of the request begun with t. It counts as an
// error when errored is set or the status is 5xx.
func (s *Service) End(t Token, status int, errored bool) {
	now := s.nanos()
	s.inflight.Add(-1)
	sec, end := secondOf(now)
	b := s.bucket(sec)
	if b == nil {
		return
	}
	b.flight.down(end - now)
	if errored || status >= 500 {
		b.errors.Add(1)
	}
	b.hist[histIndex(now-t.start)].Add(1)
}

// bucket returns the slot of second sec, resetting a slot that still holds
// an older second. It returns nil for a second so old that its slot was
// already reused (a goroutine descheduled for longer than the ring).
func (s *Service) bucket(sec int64) *slot {
	b := &s.ring[sec&(ringSize-1)]
	if b.sec.Load() == sec {
		return b
	}
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	switch cur := b.sec.Load(); {
	case cur == sec:
		return b
	case cur > sec:
		return nil
	}
	b.reset()
	// The stamp is stored last: a writer that sees it sees zeroed counters.
	b.sec.Store(sec)
	return b
}

// secondOf returns the Unix second holding t and the end of that second,
// both from Unix nanoseconds.
func secondOf(t int64) (sec, end int64) {
	sec = t / int64(time.Second)
	if t < 0 && t%int64(time.Second) != 0 {
		sec--
	}
	return sec, (sec + 1) * int64(time.Second)
}
