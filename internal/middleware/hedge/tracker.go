// Package hedge decides when a hedged request goes: it estimates a latency
// percentile online, cheaply enough to sit on the request path, and turns
// it into the wait before a second try is sent.
package hedge

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Options configure a Tracker.
type Options struct {
	// Percentile (0-100 exclusive) of recent latencies to wait for.
	Percentile float64
	// MinDelay and MaxDelay bound the answer; MaxDelay is also the answer
	// until MinSamples latencies were seen.
	MinDelay, MaxDelay time.Duration
	// MinSamples is how many latencies the estimate needs (default 20).
	MinSamples int
	// Window is the length of one histogram generation (default 20s); the
	// estimate covers the current and the previous one.
	Window time.Duration
	// Now replaces the clock in tests.
	Now func() time.Time
}

// nBuckets log-scaled buckets, four per power of two, from 1µs to beyond a
// minute: about 19% resolution, which is plenty for a hedge delay.
const nBuckets = 112

// recompute bounds how often Delay walks the histogram.
const recompute = 250 * time.Millisecond

// Tracker is a two-generation histogram of latencies. Observe and Delay
// are safe for concurrent use and take no lock: counts are atomics, and a
// generation that ages out is cleared by whichever observer notices first
// (a few counts may be lost at that instant, which an estimate tolerates).
type Tracker struct {
	o      Options
	gens   [2]generation
	delay  atomic.Int64 // cached answer, nanoseconds
	stamp  atomic.Int64 // when it was computed, unix nanoseconds
	window int64
}

type generation struct {
	epoch  atomic.Int64 // window number this generation counts
	counts [nBuckets]atomic.Uint32
}

// New returns a Tracker that answers MaxDelay until it has seen enough.
func New(o Options) *Tracker {
	if o.MinSamples <= 0 {
		o.MinSamples = 20
	}
	if o.Window <= 0 {
		o.Window = 20 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	t := &Tracker{o: o, window: int64(o.Window)}
	t.delay.Store(int64(o.MaxDelay))
	for i := range t.gens {
		t.gens[i].epoch.Store(-1)
	}
	return t
}

// bucket maps a latency to its bucket: the floor of 4·log2(µs+4), offset so
// the smallest values still have two bits below the leading one.
func bucket(d time.Duration) int {
	v := uint64(max(d/time.Microsecond, 0)) + 4
	l := bits.Len64(v) - 1 // ≥ 2
	i := 4*(l-2) + int((v>>(l-2))&3)
	return min(i, nBuckets-1)
}

// upper is the largest latency bucket i holds.
func upper(i int) time.Duration {
	l := i/4 + 2
	sub := uint64(i % 4)
	return time.Duration((5+sub)<<(l-2)-4) * time.Microsecond
}

// Observe records one latency.
func (t *Tracker) Observe(d time.Duration) {
	ep := t.o.Now().UnixNano() / t.window
	g := &t.gens[ep%2]
	if cur := g.epoch.Load(); cur != ep && g.epoch.CompareAndSwap(cur, ep) {
		for i := range g.counts {
			g.counts[i].Store(0)
		}
	}
	g.counts[bucket(d)].Add(1)
}

// Delay is the wait before a hedge: the percentile of the latencies seen in
// the last one to two windows, within [MinDelay, MaxDelay].
func (t *Tracker) Delay() time.Duration {
	now := t.o.Now().UnixNano()
	if now-t.stamp.Load() < int64(recompute) {
		return time.Duration(t.delay.Load())
	}
	t.stamp.Store(now)
	d := t.compute(now / t.window)
	t.delay.Store(int64(d))
	return d
}

func (t *Tracker) compute(ep int64) time.Duration {
	var sum [nBuckets]uint64
	var total uint64
	for gi := range t.gens {
		g := &t.gens[gi]
		if e := g.epoch.Load(); e != ep && e != ep-1 {
			continue
		}
		for i := range g.counts {
			c := uint64(g.counts[i].Load())
			sum[i] += c
			total += c
		}
	}
	if total < uint64(t.o.MinSamples) {
		return t.o.MaxDelay
	}
	// The smallest bucket whose cumulative count reaches the rank.
	rank := uint64(float64(total)*t.o.Percentile/100 + 0.5)
	rank = max(rank, 1)
	var cum uint64
	d := t.o.MaxDelay
	for i, c := range sum {
		cum += c
		if cum >= rank {
			d = upper(i)
			break
		}
	}
	return min(max(d, t.o.MinDelay), t.o.MaxDelay)
}
