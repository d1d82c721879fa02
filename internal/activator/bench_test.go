package activator

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// BenchmarkWake measures the product promise from the gateway's side: the
// time from Notify (an instance became ready) until every one of 64 held
// requests has reached the origin. Reported as ns/op per wake.
func BenchmarkWake(b *testing.B) {
	const held = 64
	c := &benchCapacity{}
	a := New(Options{Capacity: c.get, Recheck: -1})
	var reached sync.WaitGroup
	h := a.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Done() }))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for b.Loop() {
		b.StopTimer()
		c.ready.Store(0)
		reached.Add(held)
		for range held {
			go h.ServeHTTP(httptest.NewRecorder(), req)
		}
		for a.Stats().Held != held {
			time.Sleep(50 * time.Microsecond)
		}
		b.StartTimer()
		c.ready.Store(1)
		a.Notify()
		reached.Wait()
	}
}
