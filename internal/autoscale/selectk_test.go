package autoscale

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// kthSmallest agrees with sorting, on every index of slices with and
// without repeated values.
func TestKthSmallestMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 130; n++ {
		for _, distinct := range []int{3, 1000} {
			d := make([]float64, n)
			for i := range d {
				d[i] = float64(rng.IntN(distinct))
			}
			sorted := slices.Sorted(slices.Values(d))
			for k := range n {
				c := slices.Clone(d)
				if got := kthSmallest(c, k); got != sorted[k] {
					t.Fatalf("n %d, k %d: %v, want %v", n, k, got, sorted[k])
				}
			}
		}
	}
}
