package activator

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// benchCapacity mimics an integrator that keeps the ready count in an atomic.
type benchCapacity struct{ ready, per atomic.Int64 }

func (c *benchCapacity) get() (int, int) { return int(c.ready.Load()), int(c.per.Load()) }

func benchFastPath(b *testing.B, per int64) {
	c := &benchCapacity{}
	c.ready.Store(4)
	c.per.Store(per)
	a := New(Options{Capacity: c.get})
	h := a.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}

// BenchmarkFastPathUnlimited: ready instances, no per-instance limit.
func BenchmarkFastPathUnlimited(b *testing.B) { benchFastPath(b, 0) }

// BenchmarkFastPathLimited: ready instances under their concurrency limit
// (the CAS loop).
func BenchmarkFastPathLimited(b *testing.B) { benchFastPath(b, 1<<20) }

// BenchmarkBaseline is the same handler without the activator, for the
// difference.
func BenchmarkBaseline(b *testing.B) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}
