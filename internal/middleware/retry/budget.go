// Package retry holds the pieces of a retry policy that know nothing about
// HTTP forwarding: the per-service retry budget, backoff with jitter and the
// rules for which requests are safe to send twice.
package retry

import (
	"sync"
	"sync/atomic"
	"time"
)

// Budget caps retries at a share of first tries over a sliding window, plus
// a small floor per second so a quiet service can still retry at all (the
// Finagle/Linkerd design). During an outage every first try fails; without
// a budget each client request would become attempts+1 upstream requests
// exactly when the service can least take them.
type Budget struct {
	ratio    float64
	floor    float64 // retries per second always allowed
	bucket   time.Duration
	now      func() time.Time
	mu       sync.Mutex
	firsts   []int64 // per bucket, ring
	retries  []int64
	stamps   []int64 // bucket index each slot holds
	retried  atomic.Int64
	rejected atomic.Int64
}

// BudgetOptions size a Budget.
type BudgetOptions struct {
	// Ratio of retries to first tries, e.g. 0.2 for 20%.
	Ratio float64
	// MinPerSecond retries are allowed regardless of traffic.
	MinPerSecond float64
	// Window over which tries are counted; split into 10 buckets.
	Window time.Duration
	// Now replaces the clock in tests.
	Now func() time.Time
}

const buckets = 10

// NewBudget returns an empty budget.
func NewBudget(o BudgetOptions) *Budget {
	if o.Window <= 0 {
		o.Window = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Budget{
		ratio: o.Ratio, floor: o.MinPerSecond, bucket: o.Window / buckets, now: o.Now,
		firsts: make([]int64, buckets), retries: make([]int64, buckets), stamps: make([]int64, buckets),
	}
}

// slot returns the ring position of now, clearing it when it held an older
// bucket. Call with b.mu held.
func (b *Budget) slot() int {
	idx := b.now().UnixNano() / int64(b.bucket)
	i := int(idx % buckets)
	if b.stamps[i] != idx {
		b.stamps[i], b.firsts[i], b.retries[i] = idx, 0, 0
	}
	return i
}

// First records a first try.
func (b *Budget) First() {
	b.mu.Lock()
	b.firsts[b.slot()]++
	b.mu.Unlock()
}

// TryRetry reports whether one more retry fits the budget, and if so counts
// it. A false answer is counted as budget exhaustion.
func (b *Budget) TryRetry() bool {
	if !b.spend() {
		return false
	}
	b.retried.Add(1)
	return true
}

// TryHedge is TryRetry for a hedged try: it spends from the same budget,
// so hedges and retries together never add more than the budget allows,
// but it is not counted among the retries.
func (b *Budget) TryHedge() bool { return b.spend() }

// spend takes one extra try from the budget when it fits, and counts a
// refusal as exhaustion.
func (b *Budget) spend() bool {
	b.mu.Lock()
	cur := b.slot()
	idx := b.stamps[cur]
	var firsts, retries int64
	for i := range buckets {
		if idx-b.stamps[i] < buckets {
			firsts += b.firsts[i]
			retries += b.retries[i]
		}
	}
	window := float64(b.bucket*buckets) / float64(time.Second)
	ok := float64(retries+1) <= b.ratio*float64(firsts)+b.floor*window
	if ok {
		b.retries[cur]++
	}
	b.mu.Unlock()
	if !ok {
		b.rejected.Add(1)
	}
	return ok
}

// Retried is the number of retries the budget allowed since it was made.
func (b *Budget) Retried() int64 { return b.retried.Load() }

// Exhausted is the number of retries the budget refused.
func (b *Budget) Exhausted() int64 { return b.rejected.Load() }
