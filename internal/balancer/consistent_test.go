package balancer

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/shoal-gw/shoal/internal/upstream"
)

const keyCount = 100_000

// lookuper is what ring and maglev share: a pick by precomputed key hash.
type lookuper interface {
	lookup(h uint64, exclude []*upstream.Endpoint) *upstream.Endpoint
}

func buildHash(t testing.TB, policy string, eps []*upstream.Endpoint) lookuper {
	t.Helper()
	return build(t, Options{Policy: policy}, eps).(lookuper)
}

// owners maps every test key to the address it lands on.
func owners(l lookuper, keys []uint64) []string {
	out := make([]string, len(keys))
	for i, h := range keys {
		out[i] = l.lookup(h, nil).Address()
	}
	return out
}

func testKeys() []uint64 {
	keys := make([]uint64, keyCount)
	for i := range keys {
		keys[i] = hashString("user-" + strconv.Itoa(i))
	}
	return keys
}

// TestAddOneEndpointMovesFewKeys is the promise: adding one endpoint
// to N moves about 1/(N+1) of the keys (the new endpoint's fair share), and
// with a ring every moved key moves to the new endpoint.
func TestAddOneEndpointMovesFewKeys(t *testing.T) {
	keys := testKeys()
	tolerance := map[string]float64{RingHash: 1.3, Maglev: 1.5}
	for _, policy := range []string{RingHash, Maglev} {
		for _, n := range []int{10, 50} {
			all := endpoints(t, n+1, nil)
			before := owners(buildHash(t, policy, all[:n]), keys)
			after := owners(buildHash(t, policy, all), keys)
			newAddr := all[n].Address()
			moved, toNew := 0, 0
			for i := range keys {
				if before[i] != after[i] {
					moved++
					if after[i] == newAddr {
						toNew++
					}
				}
			}
			frac := float64(moved) / keyCount
			limit := tolerance[policy] / float64(n+1)
			t.Logf("%s N=%d: moved %.4f of keys, ideal %.4f, limit %.4f", policy, n, frac, 1/float64(n+1), limit)
			if frac > limit {
				t.Errorf("%s N=%d: adding one endpoint moved %.4f of keys, limit %.4f", policy, n, frac, limit)
			}
			if frac < 0.5/float64(n+1) {
				t.Errorf("%s N=%d: new endpoint got only %.4f of keys", policy, n, frac)
			}
			if policy == RingHash && toNew != moved {
				t.Errorf("ring hash N=%d: %d of %d moved keys went elsewhere than the new endpoint", n, moved-toNew, moved)
			}
		}
	}
}

// TestRingRemovalMovesOnlyRemovedKeys: removing an endpoint leaves every key
// of the others where it was.
func TestRingRemovalMovesOnlyRemovedKeys(t *testing.T) {
	keys := testKeys()
	for _, n := range []int{10, 50} {
		all := endpoints(t, n, nil)
		gone := all[n/2]
		rest := append(append([]*upstream.Endpoint{}, all[:n/2]...), all[n/2+1:]...)
		before := owners(buildHash(t, RingHash, all), keys)
		after := owners(buildHash(t, RingHash, rest), keys)
		for i := range keys {
			if before[i] != after[i] && before[i] != gone.Address() {
				t.Fatalf("N=%d: key %d moved from %s (still present) to %s", n, i, before[i], after[i])
			}
		}
	}
}

// TestUnreadyWalksLikeRemoval: an endpoint that goes unready between
// rebuilds sends its keys exactly where a rebuild without it would.
func TestUnreadyWalksLikeRemoval(t *testing.T) {
	keys := testKeys()[:20_000]
	all := endpoints(t, 10, nil)
	ring := buildHash(t, RingHash, all)
	rebuilt := buildHash(t, RingHash, append(append([]*upstream.Endpoint{}, all[:3]...), all[4:]...))
	all[3].SetReady(false)
	if got, want := owners(ring, keys), owners(rebuilt, keys); !equalStrings(got, want) {
		t.Fatal("walking past an unready endpoint differs from rebuilding without it")
	}
}

func equalStrings(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestHashOrderIndependent: two gateways that list the same endpoints in a
// different order must map keys identically.
func TestHashOrderIndependent(t *testing.T) {
	keys := testKeys()[:20_000]
	eps := endpoints(t, 20, nil)
	shuffled := append([]*upstream.Endpoint{}, eps...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, policy := range []string{RingHash, Maglev} {
		if !equalStrings(owners(buildHash(t, policy, eps), keys), owners(buildHash(t, policy, shuffled), keys)) {
			t.Errorf("%s: mapping depends on endpoint order", policy)
		}
	}
}

// TestHashBalanceAndWeights: shares follow weights within a tolerance
// (Maglev is near exact, a ring with 160 points per endpoint is within ~±25%).
func TestHashBalanceAndWeights(t *testing.T) {
	keys := testKeys()
	tol := map[string]float64{RingHash: 0.25, Maglev: 0.05}
	for _, policy := range []string{RingHash, Maglev} {
		eps := endpoints(t, 12, func(i int) int { return i%3 + 1 }) // weights 1,2,3
		got := make(map[string]int)
		for _, a := range owners(buildHash(t, policy, eps), keys) {
			got[a]++
		}
		for _, e := range eps {
			want := float64(keyCount) * float64(e.Weight()) / 24 // total weight 24
			if dev := (float64(got[e.Address()]) - want) / want; dev > tol[policy] || dev < -tol[policy] {
				t.Errorf("%s: %s (weight %d) got %d keys, want %.0f ±%.0f%%", policy, e.Address(), e.Weight(), got[e.Address()], want, tol[policy]*100)
			}
		}
	}
}

func TestMaglevTableSize(t *testing.T) {
	for _, c := range []struct{ configured, n, want int }{
		{65537, 10, 65537},
		{0, 10, 1009}, // grows to 100 slots per endpoint, rounded up to a prime
		{65537, 1000, 100003},
		{1000, 3, 1009},
	} {
		if got := maglevSize(c.configured, c.n); got != c.want {
			t.Errorf("maglevSize(%d, %d) = %d, want %d", c.configured, c.n, got, c.want)
		}
	}
}
