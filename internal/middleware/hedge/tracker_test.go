package hedge

import (
	"sync"
	"testing"
	"time"
)

func TestBucketsAreOrderedAndBoundTheirValues(t *testing.T) {
	prev := -1
	for _, d := range []time.Duration{0, time.Microsecond, 3 * time.Microsecond, 50 * time.Microsecond,
		time.Millisecond, 7 * time.Millisecond, 100 * time.Millisecond, time.Second, time.Minute} {
		b := bucket(d)
		if b < prev {
			t.Fatalf("bucket(%s) = %d below the previous %d", d, b, prev)
		}
		prev = b
		if up := upper(b); up < d {
			t.Fatalf("bucket %d of %s ends at %s", b, d, up)
		}
		// Within about 20% (resolution of the histogram).
		if d >= time.Millisecond && float64(upper(b)) > 1.3*float64(d) {
			t.Fatalf("bucket %d of %s ends at %s: too coarse", b, d, upper(b))
		}
	}
}

func TestDelayFollowsThePercentileWithinBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	tr := New(Options{Percentile: 90, MinDelay: time.Millisecond, MaxDelay: time.Second, Now: clock})
	if d := tr.Delay(); d != time.Second {
		t.Fatalf("no samples: %s, want max_delay", d)
	}
	// 90 fast answers and 10 slow ones: p90 is the fast ones' latency.
	for range 90 {
		tr.Observe(20 * time.Millisecond)
	}
	for range 10 {
		tr.Observe(500 * time.Millisecond)
	}
	now = now.Add(time.Second) // past the recompute interval
	if d := tr.Delay(); d < 20*time.Millisecond || d > 25*time.Millisecond {
		t.Fatalf("p90 = %s, want about 20ms", d)
	}
	// More slow answers move p90 up to them.
	for range 100 {
		tr.Observe(500 * time.Millisecond)
	}
	now = now.Add(time.Second)
	if d := tr.Delay(); d < 500*time.Millisecond || d > 600*time.Millisecond {
		t.Fatalf("p90 = %s, want about 500ms", d)
	}
	// The floor holds for very fast services.
	fast := New(Options{Percentile: 50, MinDelay: 5 * time.Millisecond, MaxDelay: time.Second, Now: clock})
	for range 50 {
		fast.Observe(100 * time.Microsecond)
	}
	if d := fast.Delay(); d != 5*time.Millisecond {
		t.Fatalf("floor: %s", d)
	}
}

func TestOldWindowsAgeOut(t *testing.T) {
	now := time.Unix(1000, 0)
	tr := New(Options{Percentile: 50, MinDelay: time.Millisecond, MaxDelay: 2 * time.Second, Window: 10 * time.Second, Now: func() time.Time { return now }})
	for range 50 {
		tr.Observe(time.Second)
	}
	now = now.Add(time.Second)
	if d := tr.Delay(); d < time.Second {
		t.Fatalf("p50 = %s", d)
	}
	// Two windows later the slow past is forgotten; new fast answers rule.
	now = now.Add(25 * time.Second)
	for range 50 {
		tr.Observe(10 * time.Millisecond)
	}
	now = now.Add(time.Second)
	if d := tr.Delay(); d > 15*time.Millisecond {
		t.Fatalf("p50 = %s after the slow window aged out", d)
	}
}

func TestConcurrentUse(t *testing.T) {
	tr := New(Options{Percentile: 95, MinDelay: time.Millisecond, MaxDelay: time.Second})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 500 {
				tr.Observe(time.Duration(i*j) * time.Microsecond)
				_ = tr.Delay()
			}
		}()
	}
	wg.Wait()
	if d := tr.Delay(); d < time.Millisecond || d > time.Second {
		t.Fatalf("delay %s outside its bounds", d)
	}
}

// BenchmarkObserveDelay is the per-request cost on a hedged route.
func BenchmarkObserveDelay(b *testing.B) {
	tr := New(Options{Percentile: 95, MinDelay: time.Millisecond, MaxDelay: time.Second})
	b.ReportAllocs()
	for b.Loop() {
		tr.Observe(3 * time.Millisecond)
		_ = tr.Delay()
	}
}
