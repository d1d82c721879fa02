package signals

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// noSecond marks a slot that has never held a second.
const noSecond = math.MinInt64

// Latency histogram layout: log-linear, 4 sub-buckets per power of two
// (at most 25 % wide, so a percentile read at the bucket is within about
// 12 %), from 2^16 ns (65 µs) to 2^36 ns (69 s). Below and above go to the
// first and last bucket.
const (
	histMinExp  = 16
	histMaxExp  = 36
	histSub     = 4
	histBuckets = 1 + (histMaxExp-histMinExp)*histSub + 1
)

// slot is one second of counts. Every field is written with atomic adds
// only; sec says which second it holds.
type slot struct {
	sec atomic.Int64
	// flight counts the requests that arrived (ups) and completed
	// (downs) in the second, held those that began and stopped waiting in
	// the gateway queue (see Holds).
	flight edges
	held   edges
	errors atomic.Int64
	hist   [histBuckets]atomic.Uint32
}

// edges counts, for one second, the times a gauge (requests in flight,
// requests held) went up and down, and sums in nanoseconds the time from
// each to the end of the second: with the gauge's value when the second
// began, that gives its exact time average (see the package comment).
type edges struct {
	ups, downs     atomic.Int64
	upOff, downOff atomic.Int64
}

// up records a rise off nanoseconds before the end of the second.
func (e *edges) up(off int64) {
	e.ups.Add(1)
	e.upOff.Add(off)
}

// down records a fall off nanoseconds before the end of the second.
func (e *edges) down(off int64) {
	e.downs.Add(1)
	e.downOff.Add(off)
}

func (e *edges) reset() {
	e.ups.Store(0)
	e.downs.Store(0)
	e.upOff.Store(0)
	e.downOff.Store(0)
}

func (e *edges) read(c *edgeCounts) {
	c.ups, c.downs = e.ups.Load(), e.downs.Load()
	c.upOff, c.downOff = e.upOff.Load(), e.downOff.Load()
}

// edgeCounts is a plain copy of edges.
type edgeCounts struct{ ups, downs, upOff, downOff int64 }

// mean is the gauge's time average over the second, given its value when
// the second began.
func (c edgeCounts) mean(start int64) float64 {
	return float64(start) + float64(c.upOff-c.downOff)/float64(time.Second)
}

// net is how much the gauge rose over the second.
func (c edgeCounts) net() int64 { return c.ups - c.downs }

func (b *slot) reset() {
	b.flight.reset()
	b.held.reset()
	b.errors.Store(0)
	for i := range b.hist {
		b.hist[i].Store(0)
	}
}

// counts is a plain copy of a slot, read by the control side.
type counts struct {
	flight, held edgeCounts
	errors       int64
	hist         [histBuckets]uint32
}

// read copies slot b if it holds second sec. ok is false when it holds
// another second, or was reused while being read.
func (b *slot) read(sec int64, c *counts) bool {
	if b.sec.Load() != sec {
		return false
	}
	b.flight.read(&c.flight)
	b.held.read(&c.held)
	c.errors = b.errors.Load()
	for i := range b.hist {
		c.hist[i] = b.hist[i].Load()
	}
	return b.sec.Load() == sec
}

// histIndex maps a latency in nanoseconds to its histogram bucket.
func histIndex(ns int64) int {
	if ns < 1<<histMinExp {
		return 0
	}
	e := bits.Len64(uint64(ns)) - 1
	if e >= histMaxExp {
		return histBuckets - 1
	}
	sub := int(uint64(ns)>>(e-2)) & (histSub - 1)
	return 1 + (e-histMinExp)*histSub + sub
}

// histBounds returns the range [lo, hi) in nanoseconds of bucket i.
func histBounds(i int) (lo, hi float64) {
	switch {
	case i <= 0:
		return 0, 1 << histMinExp
	case i >= histBuckets-1:
		return 1 << histMaxExp, 1 << (histMaxExp + 1)
	}
	e := histMinExp + (i-1)/histSub
	sub := (i - 1) % histSub
	step := math.Ldexp(1, e-2)
	return float64(histSub+sub) * step, float64(histSub+sub+1) * step
}

// quantile returns the q-quantile latency in nanoseconds, interpolated
// inside its bucket; 0 when the histogram is empty.
func quantile(h *[histBuckets]uint32, total int64, q float64) float64 {
	if total <= 0 {
		return 0
	}
	rank := q * float64(total)
	var cum float64
	for i, n := range h {
		if n == 0 {
			continue
		}
		if cum+float64(n) >= rank {
			lo, hi := histBounds(i)
			frac := (rank - cum) / float64(n)
			return lo + (hi-lo)*frac
		}
		cum += float64(n)
	}
	lo, hi := histBounds(histBuckets - 1)
	return (lo + hi) / 2
}
