package balancer

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// Ring hash (Ketama style): each endpoint puts points on a 64-bit ring, a
// request goes to the first point at or after its key's hash. Adding an
// endpoint only takes the keys that land just before its new points; removing
// one only moves the keys that were on its points.

const (
	defaultVirtualNodes = 160 // Ketama's per-server count
	// maxRingPoints bounds memory (12 B per point) and build time; above it
	// every endpoint's point count is scaled down alike.
	maxRingPoints = 1 << 20
)

func newRingHashFactory(opts Options) (Factory, error) {
	key, err := hashKey(opts)
	if err != nil {
		return nil, err
	}
	vnodes := opts.VirtualNodes
	if vnodes < 0 || vnodes > maxRingPoints {
		return nil, fmt.Errorf("virtual_nodes %d out of range 0..%d", vnodes, maxRingPoints)
	}
	if vnodes == 0 {
		vnodes = defaultVirtualNodes
	}
	return func(eps []*upstream.Endpoint) Balancer { return newRing(eps, key, vnodes) }, nil
}

func hashKey(opts Options) (Key, error) {
	key, err := ParseKey(opts.HashOn)
	if err != nil {
		return Key{}, err
	}
	key.ClientIP = opts.ClientIP
	return key, nil
}

type ring struct {
	eps    []*upstream.Endpoint
	key    Key
	hashes []uint64 // sorted
	owner  []int32  // owner[i] indexes eps for hashes[i]
}

// pointCounts gives each endpoint vnodes × weight/maxWeight points (at least
// one), scaled down when the ring would exceed maxRingPoints. Counts depend
// only on the endpoint's own weight relative to the heaviest, so adding an
// equally weighted endpoint leaves every other endpoint's points in place.
func pointCounts(eps []*upstream.Endpoint, vnodes int) []int {
	maxW := 1
	for _, e := range eps {
		maxW = max(maxW, e.Weight())
	}
	counts := make([]int, len(eps))
	total := 0
	for i, e := range eps {
		counts[i] = max(1, int(float64(vnodes)*float64(e.Weight())/float64(maxW)+0.5))
		total += counts[i]
	}
	if total > maxRingPoints {
		scale := float64(maxRingPoints) / float64(total)
		for i := range counts {
			counts[i] = max(1, int(float64(counts[i])*scale))
		}
	}
	return counts
}

func newRing(eps []*upstream.Endpoint, key Key, vnodes int) *ring {
	counts := pointCounts(eps, vnodes)
	type point struct {
		h   uint64
		idx int32
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	pts := make([]point, 0, total)
	for i, e := range eps {
		base := hashString(e.Address())
		for j := range counts[i] {
			pts = append(pts, point{derive(base, uint64(j)), int32(i)})
		}
	}
	// Ties (two endpoints on one 64-bit point) are broken by address, so the
	// ring does not depend on the order endpoints were listed in and every
	// gateway builds the same one.
	slices.SortFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(eps[a.idx].Address(), eps[b.idx].Address())
	})
	r := &ring{eps: eps, key: key, hashes: make([]uint64, len(pts)), owner: make([]int32, len(pts))}
	for i, p := range pts {
		r.hashes[i], r.owner[i] = p.h, p.idx
	}
	return r
}

func (r *ring) Pick(req *http.Request, exclude []*upstream.Endpoint) *upstream.Endpoint {
	h, ok := r.key.Hash(req)
	if !ok {
		return randomPick(r.eps, exclude)
	}
	return r.lookup(h, exclude)
}

func (r *ring) lookup(h uint64, exclude []*upstream.Endpoint) *upstream.Endpoint {
	n := len(r.hashes)
	i, _ := slices.BinarySearch(r.hashes, h)
	// Walking on past unusable endpoints is what rebuilding the ring without
	// them would do, so keys of other endpoints stay where they are.
	for range n {
		if i == n {
			i = 0
		}
		if e := r.eps[r.owner[i]]; usable(e, exclude) {
			return e
		}
		i++
	}
	return nil
}
