package signals

import (
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Point is one complete second of a service, for the dashboard.
type Point struct {
	T           time.Time
	Arrivals    float64
	Completions float64
	Errors      float64
	// InFlight is the time-averaged number of requests in flight.
	InFlight float64
	// Queued is the time-averaged number of them waiting in the gateway
	// queue; QueueMeasured says a queue reports it (see Service.Holds).
	Queued        float64
	QueueMeasured bool
	// P50MS and P99MS are latencies of the requests that ended in the
	// second, in milliseconds (0 when none ended).
	P50MS float64
	P99MS float64
}

// Sample converts the point to what the autoscaling policies observe.
func (p Point) Sample() autoscale.Sample {
	return autoscale.Sample{T: p.T, Arrivals: p.Arrivals, Completions: p.Completions,
		InFlight: p.InFlight, Errors: p.Errors, Queued: p.Queued, QueueMeasured: p.QueueMeasured}
}

const historyPoints = int(HistoryLength / time.Second)

// control is the state of the control side, behind its own mutex so the
// request path never waits for it.
type control struct {
	mu sync.Mutex
	// next is the first second not folded yet; carry the requests in flight
	// when it began, heldCarry those of them waiting in the gateway queue.
	next      int64
	carry     int64
	heldCarry int64
	// pending holds the samples not yet drained (oldest first, bounded by
	// the history length); history the last points, a ring.
	pending []autoscale.Sample
	history []Point
	head    int // index of the oldest point once history is full
	scratch counts
}

func (c *control) init(startNanos int64) {
	c.next, _ = secondOf(startNanos)
	c.history = make([]Point, 0, historyPoints)
}

// Drain returns the seconds completed since the previous call (at most the
// last 15 minutes), oldest first, as autoscale samples.
func (s *Service) Drain(now time.Time) []autoscale.Sample {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	s.advanceLocked(now)
	out := s.ctl.pending
	s.ctl.pending = nil
	return out
}

// Recent returns the complete seconds strictly after since, oldest first,
// from the last 15 minutes.
func (s *Service) Recent(since time.Time) []Point {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	s.advanceLocked(s.clock())
	h := s.ctl.history
	out := make([]Point, 0, len(h))
	for i := range h {
		p := h[(s.ctl.head+i)%len(h)]
		if p.T.After(since) {
			out = append(out, p)
		}
	}
	return out
}

// advanceLocked folds every second that ended at least SettleDelay before
// now into pending and history.
func (s *Service) advanceLocked(now time.Time) {
	c := &s.ctl
	nowNanos := s.baseNanos + int64(now.Sub(s.base))
	last, _ := secondOf(nowNanos - int64(SettleDelay))
	last-- // the second holding now-SettleDelay is not complete yet
	if last < c.next {
		return
	}
	// The ring must still hold every second from next to the current one,
	// which is at most two seconds after last.
	if last-c.next > ringSize-3 {
		// Nobody folded for longer than the ring holds: the older seconds
		// are gone. Start again from what the ring still has and rebuild
		// the carry from the gauge.
		c.next = last - (ringSize - 3)
		c.carry, c.heldCarry = s.carryAt(c.next, nowNanos)
	}
	for ; c.next <= last; c.next++ {
		p := s.foldLocked(c.next)
		if len(c.pending) >= historyPoints {
			copy(c.pending, c.pending[1:])
			c.pending = c.pending[:len(c.pending)-1]
		}
		c.pending = append(c.pending, p.Sample())
		if len(c.history) < historyPoints {
			c.history = append(c.history, p)
		} else {
			c.history[c.head] = p
			c.head = (c.head + 1) % historyPoints
		}
	}
}

// foldLocked turns second sec into a point and moves the carry on.
func (s *Service) foldLocked(sec int64) Point {
	c := &s.ctl
	p := Point{T: time.Unix(sec, 0), QueueMeasured: s.queueMeasured.Load()}
	k := &c.scratch
	if !s.ring[sec&(ringSize-1)].read(sec, k) {
		// No request began, ended or moved in the queue in this second.
		p.InFlight = float64(max(c.carry, 0))
		p.Queued = float64(min(max(c.heldCarry, 0), max(c.carry, 0)))
		return p
	}
	p.InFlight = max(k.flight.mean(c.carry), 0)
	held := k.held.mean(c.heldCarry)
	// Requests are counted in flight before they join the queue and after
	// they leave it, so the queue is part of the in-flight time.
	p.Queued = min(max(held, 0), p.InFlight)
	p.Arrivals = float64(k.flight.ups)
	p.Completions = float64(k.flight.downs)
	p.Errors = float64(k.errors)
	p.P50MS = quantile(&k.hist, k.flight.downs, 0.50) / float64(time.Millisecond)
	p.P99MS = quantile(&k.hist, k.flight.downs, 0.99) / float64(time.Millisecond)
	c.carry = max(c.carry+k.flight.net(), 0)
	c.heldCarry = max(c.heldCarry+k.held.net(), 0)
	return p
}

// carryAt estimates the requests in flight, and those waiting in the
// gateway queue, at the start of second from: the gauges now minus the net
// arrivals (and holds) of the seconds since.
func (s *Service) carryAt(from, nowNanos int64) (inFlight, held int64) {
	cur, _ := secondOf(nowNanos)
	n, h := s.inflight.Load(), s.held.Load()
	k := &s.ctl.scratch
	for sec := from; sec <= cur; sec++ {
		if s.ring[sec&(ringSize-1)].read(sec, k) {
			n -= k.flight.net()
			h -= k.held.net()
		}
	}
	return max(n, 0), max(h, 0)
}
