package balancer

import (
	"net/http/httptest"
	"strconv"
	"testing"
)

var benchSizes = []int{10, 1000, 10000}

// BenchmarkPick measures one pick (with Acquire/Release for the load-aware
// policies, as the proxy does) per policy and endpoint count. Weighted runs
// use weights 1..4 so weighted_round_robin does not degrade to round robin.
func BenchmarkPick(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-User", "user-12345")
	for _, policy := range Names() {
		for _, n := range benchSizes {
			b.Run(policy+"/"+strconv.Itoa(n), func(b *testing.B) {
				eps := endpoints(b, n, func(i int) int { return i%4 + 1 })
				bal := build(b, Options{Policy: policy, HashOn: "header:X-User"}, eps)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					bal.Pick(r, nil)
				}
			})
		}
	}
}

// BenchmarkPickParallel is the contended case: all cores picking at once.
func BenchmarkPickParallel(b *testing.B) {
	for _, policy := range Names() {
		b.Run(policy, func(b *testing.B) {
			eps := endpoints(b, 100, func(i int) int { return i%4 + 1 })
			bal := build(b, Options{Policy: policy, HashOn: "header:X-User"}, eps)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("X-User", "user-1")
				for pb.Next() {
					if e := bal.Pick(r, nil); e != nil {
						e.Acquire()
						e.Release(1000, true)
					}
				}
			})
		})
	}
}

// BenchmarkBuild measures snapshot (table) build time: this runs on every
// endpoint-set or readiness change, not per request.
func BenchmarkBuild(b *testing.B) {
	for _, policy := range []string{RingHash, Maglev, WeightedRoundRobin} {
		for _, n := range benchSizes {
			b.Run(policy+"/"+strconv.Itoa(n), func(b *testing.B) {
				eps := endpoints(b, n, func(i int) int { return i%4 + 1 })
				f, err := New(Options{Policy: policy})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					f(eps)
				}
			})
		}
	}
}
