package balancer

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// Maglev (Eisenbud et al., NSDI 2016): each endpoint has its own permutation
// of a prime-sized table and the endpoints take turns claiming their next
// free slot. A key maps to table[hash mod size]: O(1) lookups, near-perfect
// balance, and small (slightly above minimal) disruption when the set changes.

const (
	defaultTableSize = 65537
	maxTableSize     = 1 << 24
	// slotsPerEndpoint keeps balance good: the paper and Envoy advise a
	// table at least 100 × the endpoint count.
	slotsPerEndpoint = 100
)

func newMaglevFactory(opts Options) (Factory, error) {
	key, err := hashKey(opts)
	if err != nil {
		return nil, err
	}
	size := opts.TableSize
	if size < 0 || size > maxTableSize {
		return nil, fmt.Errorf("table_size %d out of range 0..%d", size, maxTableSize)
	}
	if size == 0 {
		size = defaultTableSize
	}
	return func(eps []*upstream.Endpoint) Balancer { return newMaglev(eps, key, size) }, nil
}

type maglev struct {
	eps   []*upstream.Endpoint // sorted by address
	key   Key
	table []int32
}

// maglevSize is the prime table size for n endpoints. It grows only when n
// outgrows the configured size, which then remaps most keys once.
func maglevSize(configured, n int) int {
	return nextPrime(max(configured, min(n*slotsPerEndpoint, maxTableSize)))
}

func nextPrime(n int) int {
	if n <= 2 {
		return 2
	}
	if n%2 == 0 {
		n++
	}
	for !isPrime(n) {
		n += 2
	}
	return n
}

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func newMaglev(in []*upstream.Endpoint, key Key, configured int) *maglev {
	// Fill order decides ties, so sort by address: every gateway builds the
	// same table whatever order its registry listed the endpoints in.
	if len(in) == 0 {
		return &maglev{key: key} // pools never build one, but stay safe
	}
	eps := slices.Clone(in)
	slices.SortFunc(eps, func(a, b *upstream.Endpoint) int { return cmp.Compare(a.Address(), b.Address()) })
	m := uint64(maglevSize(configured, len(eps)))

	n := len(eps)
	pos := make([]uint64, n)  // current slot of each permutation
	skip := make([]uint64, n) // step of each permutation
	taken := make([]int, n)   // slots claimed so far
	maxW := 1
	for i, e := range eps {
		base := hashString(e.Address())
		pos[i] = derive(base, 0) % m
		skip[i] = derive(base, 1)%(m-1) + 1
		maxW = max(maxW, e.Weight())
	}

	table := make([]int32, m)
	for i := range table {
		table[i] = -1
	}
	filled := uint64(0)
	// Weighted turns as in Envoy: in round r an endpoint may claim a slot
	// only while taken × maxWeight < r × weight, so claims follow weights.
	for round := 1; filled < m; round++ {
		for i := 0; i < n && filled < m; i++ {
			if taken[i]*maxW >= round*eps[i].Weight() {
				continue
			}
			for table[pos[i]] >= 0 {
				pos[i] += skip[i]
				if pos[i] >= m {
					pos[i] -= m
				}
			}
			table[pos[i]] = int32(i)
			taken[i]++
			filled++
		}
	}
	return &maglev{eps: eps, key: key, table: table}
}

func (g *maglev) Pick(req *http.Request, exclude []*upstream.Endpoint) *upstream.Endpoint {
	h, ok := g.key.Hash(req)
	if !ok {
		return randomPick(g.eps, exclude)
	}
	return g.lookup(h, exclude)
}

func (g *maglev) lookup(h uint64, exclude []*upstream.Endpoint) *upstream.Endpoint {
	m := uint64(len(g.table))
	if m == 0 {
		return nil
	}
	i := h % m
	if e := g.eps[g.table[i]]; usable(e, exclude) {
		return e
	}
	// The table has no "next point" like a ring; probing the following slots
	// lands on endpoints in proportion to their share, which is a fair
	// stand-in until the pool rebuilds the table without the endpoint.
	for range m - 1 {
		i++
		if i == m {
			i = 0
		}
		if e := g.eps[g.table[i]]; usable(e, exclude) {
			return e
		}
	}
	return nil
}
