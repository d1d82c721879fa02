package adaptive

import (
	"testing"
	"time"
)

// run keeps the limiter full for n requests with a latency that depends on
// the concurrency: a service with c cores answers in base while in flight
// ≤ c and queues beyond.
func run(l *Limiter, n, cores int, base time.Duration) {
	for range n {
		var got int
		for l.Acquire() {
			got++
		}
		rtt := base
		if got > cores {
			rtt = base * time.Duration(got) / time.Duration(cores)
		}
		for range got {
			l.Release(rtt, false)
		}
	}
}

func TestGradientSettlesNearCapacity(t *testing.T) {
	l := New(Options{Algorithm: "gradient", InitialLimit: 100, MinLimit: 1, MaxLimit: 1000})
	run(l, 300, 10, 10*time.Millisecond)
	if s := l.Stats(); s.Limit > 40 || s.Limit < 5 {
		t.Fatalf("limit %d; a service with 10 slots should settle near 10 (queue allowance on top)", s.Limit)
	}
}

func TestGradientGrowsWhenLatencyFlat(t *testing.T) {
	l := New(Options{Algorithm: "gradient", InitialLimit: 5, MaxLimit: 200})
	run(l, 200, 1000, 10*time.Millisecond)
	if s := l.Stats(); s.Limit <= 5 {
		t.Fatalf("limit %d did not grow with flat latency", s.Limit)
	}
}

func TestAIMD(t *testing.T) {
	l := New(Options{Algorithm: "aimd", InitialLimit: 10, MaxLimit: 100, BackoffRatio: 0.5})
	for range 10 {
		if !l.Acquire() {
			t.Fatal("refused under the limit")
		}
	}
	if l.Acquire() {
		t.Fatal("accepted over the limit")
	}
	l.Release(time.Millisecond, true)
	if s := l.Stats(); s.Limit != 5 || s.Shed != 1 {
		t.Fatalf("after a drop: %+v", s)
	}
	for range 9 {
		l.Release(time.Millisecond, false)
	}
	before := l.limit
	for range 50 {
		for l.Acquire() {
		}
		for l.Stats().InFlight > 0 {
			l.Release(time.Millisecond, false)
		}
	}
	if l.limit <= before {
		t.Fatalf("limit %g did not grow from %g on successes", l.limit, before)
	}
}
