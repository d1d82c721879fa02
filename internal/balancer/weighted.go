package balancer

import (
	"math/rand/v2"
	"net/http"
	"sync/atomic"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// Smooth weighted round robin, as in nginx: every pick adds each endpoint's
// weight to its running score, takes the highest score and subtracts the
// weight total from it. Weights 5,1,1 give a a b a c a a, not a a a a a b c.
//
// The schedule repeats after (sum of weights) picks, so it is computed once
// when the snapshot is built and a pick is one atomic add. Building costs
// (sum of weights) × endpoints steps; past a budget (thousands of endpoints
// with mixed weights) the pool uses an earliest-deadline-first schedule
// instead (edf.go): same long-run shares, O(log n) per pick, interleaved
// but not nginx's exact order.

// Budgets for precomputing the cycle: its length, and the build work
// (length × endpoints), which bounds snapshot rebuild time to a few ms.
const (
	maxCycle     = 1 << 16
	maxCycleWork = 1 << 22
)

func newWeighted(eps []*upstream.Endpoint) Balancer {
	weights := make([]int64, len(eps))
	g := int64(0)
	for i, e := range eps {
		weights[i] = int64(e.Weight())
		g = gcd(g, weights[i])
	}
	var total int64
	allSame := true
	for i := range weights {
		weights[i] /= g
		total += weights[i]
		allSame = allSame && weights[i] == weights[0]
	}
	if allSame {
		return newRoundRobin(eps)
	}
	if total <= maxCycle && total*int64(len(eps)) <= maxCycleWork {
		return newCycle(eps, weights, total)
	}
	return newEDF(eps)
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// smoothStep runs one step of the algorithm and returns the chosen index.
func smoothStep(weights, current []int64) int {
	best, total := -1, int64(0)
	for i, w := range weights {
		current[i] += w
		total += w
		if best < 0 || current[i] > current[best] {
			best = i
		}
	}
	current[best] -= total
	return best
}

// cycle is the precomputed schedule.
type cycle struct {
	eps  []*upstream.Endpoint
	seq  []int32
	next atomic.Uint64
}

func newCycle(eps []*upstream.Endpoint, weights []int64, total int64) *cycle {
	current := make([]int64, len(eps))
	seq := make([]int32, total)
	for k := range seq {
		seq[k] = int32(smoothStep(weights, current))
	}
	c := &cycle{eps: eps, seq: seq}
	// A random phase, for the same reason as round robin.
	c.next.Store(rand.Uint64N(uint64(total)))
	return c
}

func (c *cycle) Pick(_ *http.Request, exclude []*upstream.Endpoint) *upstream.Endpoint {
	n := uint64(len(c.seq))
	var k uint64
	if len(exclude) > 0 {
		// A retry or a hedge peeks at the smooth order without consuming
		// it, so it does not take a first try's turn (see roundRobin).
		k = c.next.Load() % n
	} else {
		k = (c.next.Add(1) - 1) % n
	}
	// Skipping unusable entries keeps the others in their smooth order; a
	// full lap with no hit means none is usable.
	for range n {
		if e := c.eps[c.seq[k]]; usable(e, exclude) {
			return e
		}
		k++
		if k == n {
			k = 0
		}
	}
	return nil
}
