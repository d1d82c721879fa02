package balancer

import (
	"math/rand/v2"
	"net/http"
	"sync/atomic"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// roundRobin walks the endpoints in order with one shared counter. It ignores
// weights; weighted_round_robin honours them.
type roundRobin struct {
	eps  []*upstream.Endpoint
	next atomic.Uint64
}

func newRoundRobin(eps []*upstream.Endpoint) Balancer {
	b := &roundRobin{eps: eps}
	// Start at a random place: every rebuild (a readiness flip, a reload)
	// would otherwise send the next request of every gateway to endpoint 0.
	b.next.Store(rand.Uint64N(uint64(len(eps)) + 1))
	return b
}

func (b *roundRobin) Pick(_ *http.Request, exclude []*upstream.Endpoint) *upstream.Endpoint {
	n := uint64(len(b.eps))
	if n == 0 {
		return nil
	}
	if len(exclude) > 0 {
		// A retry or a hedge: take the endpoint after the last one tried,
		// without moving the shared rotation. Advancing it here would hand
		// the next first try back to the endpoint just tried: with two
		// endpoints and every request hedged, one of them got every first
		// try.
		last := exclude[len(exclude)-1]
		for i, e := range b.eps {
			if e.Same(last) {
				return scanFrom(b.eps, (i+1)%int(n), exclude)
			}
		}
	}
	start := (b.next.Add(1) - 1) % n
	return scanFrom(b.eps, int(start), exclude)
}
