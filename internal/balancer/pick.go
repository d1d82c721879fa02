package balancer

import (
	"math/rand/v2"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// usable reports whether e may take this request: routable now (readiness
// can flip between a snapshot rebuild and this pick; panic mode routes to
// unhealthy endpoints too) and not already tried.
func usable(e *upstream.Endpoint, exclude []*upstream.Endpoint) bool {
	return e.Routable() && (len(exclude) == 0 || !e.In(exclude))
}

// scanFrom returns the first usable endpoint at or after start, wrapping.
func scanFrom(eps []*upstream.Endpoint, start int, exclude []*upstream.Endpoint) *upstream.Endpoint {
	n := len(eps)
	for i := range n {
		j := start + i
		if j >= n {
			j -= n
		}
		if e := eps[j]; usable(e, exclude) {
			return e
		}
	}
	return nil
}

// randomPick is the fallback for hash policies when a request has no key:
// any usable endpoint, uniformly. Random rather than round robin so that it
// needs no shared counter.
func randomPick(eps []*upstream.Endpoint, exclude []*upstream.Endpoint) *upstream.Endpoint {
	if len(eps) == 0 {
		return nil
	}
	return scanFrom(eps, rand.IntN(len(eps)), exclude)
}

// twoDistinct draws two different indexes in [0,n), n >= 2.
func twoDistinct(n int) (int, int) {
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	return i, j
}
