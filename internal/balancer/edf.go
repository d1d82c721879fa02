package balancer

import (
	"math/rand/v2"
	"net/http"
	"sync"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// edf is weighted round robin for sets too large to precompute: each
// endpoint has a virtual deadline that advances by 1/weight when it is
// picked, and the earliest deadline goes next (Envoy's weighted scheduler).
// A binary min-heap under a mutex makes a pick O(log n).
type edf struct {
	eps  []*upstream.Endpoint
	mu   sync.Mutex
	heap []edfEntry
}

type edfEntry struct {
	deadline float64
	step     float64 // 1/weight
	idx      int32
}

func newEDF(eps []*upstream.Endpoint) *edf {
	h := make([]edfEntry, len(eps))
	for i, e := range eps {
		step := 1 / float64(e.Weight())
		// A random phase within the first period, so that gateways and
		// rebuilds do not all start on the same endpoints.
		h[i] = edfEntry{deadline: rand.Float64() * step, step: step, idx: int32(i)}
	}
	b := &edf{eps: eps, heap: h}
	for i := len(h)/2 - 1; i >= 0; i-- {
		b.down(i)
	}
	return b
}

func (b *edf) Pick(_ *http.Request, exclude []*upstream.Endpoint) *upstream.Endpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	// An unusable endpoint at the top loses its turn, which is what nginx's
	// smooth algorithm does with down peers too; after n turns without a
	// usable one there is none.
	for range len(b.heap) {
		top := &b.heap[0]
		e := b.eps[top.idx]
		top.deadline += top.step
		b.down(0)
		if usable(e, exclude) {
			return e
		}
	}
	return nil
}

func (b *edf) less(i, j int) bool {
	x, y := &b.heap[i], &b.heap[j]
	if x.deadline != y.deadline {
		return x.deadline < y.deadline
	}
	return x.idx < y.idx
}

func (b *edf) down(i int) {
	n := len(b.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && b.less(r, l) {
			m = r
		}
		if !b.less(m, i) {
			return
		}
		b.heap[i], b.heap[m] = b.heap[m], b.heap[i]
		i = m
	}
}
