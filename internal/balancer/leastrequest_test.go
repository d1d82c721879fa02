package balancer

import (
	"testing"
	"time"
)

func TestLeastRequestPrefersLessLoaded(t *testing.T) {
	eps := endpoints(t, 3, nil)
	for range 10 {
		eps[0].Acquire()
	}
	eps[1].Acquire()
	b := build(t, Options{Policy: LeastRequest}, eps)
	c := counts(t, b, eps, 3000, nil)
	// P2C draws two different endpoints, so the busiest one loses every
	// comparison, and the idle one wins every one it is in (2/3 of draws).
	if c[0] != 0 {
		t.Fatalf("busy endpoint picked %d times: %v", c[0], c)
	}
	if c[2] < 1800 || c[2] > 2200 {
		t.Fatalf("idle endpoint picked %d of 3000, want about 2000: %v", c[2], c)
	}
}

func TestLeastRequestWeights(t *testing.T) {
	eps := endpoints(t, 2, func(i int) int { return []int{4, 1}[i] })
	// Same in-flight count; the weight-4 endpoint has more room.
	for _, e := range eps {
		e.Acquire()
		e.Acquire()
	}
	b := build(t, Options{Policy: LeastRequest}, eps)
	c := counts(t, b, eps, 100, nil)
	if c[0] != 100 {
		t.Fatalf("weighted least request: %v, want all on the weight-4 endpoint", c)
	}
	// Load is (in-flight+1)/weight: 12 in flight on weight 4 is 13/4 > 3/1.
	for range 10 {
		eps[0].Acquire()
	}
	c = counts(t, b, eps, 100, nil)
	if c[1] != 100 {
		t.Fatalf("12 in flight on weight 4 vs 2 on weight 1: %v, want all on the light one", c)
	}
}

func TestPeakEWMAAvoidsSlowEndpoint(t *testing.T) {
	eps := endpoints(t, 3, nil)
	for i, lat := range []time.Duration{300 * time.Millisecond, 5 * time.Millisecond, 6 * time.Millisecond} {
		eps[i].Acquire()
		eps[i].Release(lat, true)
	}
	b := build(t, Options{Policy: PeakEWMA}, eps)
	c := counts(t, b, eps, 3000, nil)
	if c[0] != 0 {
		t.Fatalf("slow endpoint picked %d times: %v", c[0], c)
	}
	// Load counts too: enough in flight on the fastest makes the other win.
	for range 5 {
		eps[1].Acquire()
	}
	c = counts(t, b, eps, 3000, nil)
	if c[2] <= c[1] {
		t.Fatalf("5 in flight at 5ms vs 0 at 6ms: %v, want the idle one preferred", c)
	}
}

func TestPeakEWMATriesUnknownEndpoints(t *testing.T) {
	eps := endpoints(t, 2, nil)
	eps[0].Acquire()
	eps[0].Release(time.Millisecond, true)
	b := build(t, Options{Policy: PeakEWMA}, eps)
	// eps[1] has never answered and has nothing in flight: it costs 0.
	if e := b.Pick(nil, nil); !e.Same(eps[1]) {
		t.Fatal("a never-tried endpoint should be tried first")
	}
	eps[1].Acquire() // now it has a request out and no answer yet
	if e := b.Pick(nil, nil); !e.Same(eps[0]) {
		t.Fatal("an endpoint with an unanswered request should look expensive")
	}
}
