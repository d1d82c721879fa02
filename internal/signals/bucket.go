package signals

import (
	"math"
	"math/bits"
	"sync/atomic"
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
	sec         atomic.Int64
	arrivals    atomic.Int64
	completions atomic.Int64
	errors      atomic.Int64
	// arrOff and compOff sum, in nanoseconds, the time from each arrival
	// (completion) to the end of the second: see the package comment.
	arrOff  atomic.Int64
	compOff atomic.Int64
	// holds and unholds count requests that began and stopped waiting in
	// the gateway queue (see Holds); holdOff and unholdOff are their
	// offsets to the end of the second, as arrOff and compOff are.
	holds, unholds     atomic.Int64
	holdOff, unholdOff atomic.Int64
	hist               [histBuckets]atomic.Uint32
}

func (b *slot) reset() {
	b.arrivals.Store(0)
	b.completions.Store(0)
	b.errors.Store(0)
	b.arrOff.Store(0)
	b.compOff.Store(0)
	b.holds.Store(0)
	b.unholds.Store(0)
	b.holdOff.Store(0)
	b.unholdOff.Store(0)
	for i := range b.hist {
		b.hist[i].Store(0)
	}
}

// counts is a plain copy of a slot, read by the control side.
type counts struct {
	arrivals, completions, errors int64
	arrOff, compOff               int64
	holds, unholds                int64
	holdOff, unholdOff            int64
	hist                          [histBuckets]uint32
}

// read copies slot b if it holds second sec. ok is false when it holds
// another second, or was reused while being read.
func (b *slot) read(sec int64, c *counts) bool {
	if b.sec.Load() != sec {
		return false
	}
	c.arrivals = b.arrivals.Load()
	c.completions = b.completions.Load()
	c.errors = b.errors.Load()
	c.arrOff = b.arrOff.Load()
	c.compOff = b.compOff.Load()
	c.holds = b.holds.Load()
	c.unholds = b.unholds.Load()
	c.holdOff = b.holdOff.Load()
	c.unholdOff = b.unholdOff.Load()
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
