package autoscale

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday

// feedConst observes secs seconds of a constant in-flight value.
func feedConst(p Policy, from time.Time, secs int, inflight float64) time.Time {
	for i := 0; i < secs; i++ {
		p.Observe(Sample{T: from, InFlight: inflight, Arrivals: inflight})
		from = from.Add(time.Second)
	}
	return from
}

func newHPA(t *testing.T, p Params) *HPA {
	t.Helper()
	a, err := NewHPA(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Kubernetes docs: "if the current metric value is 200m, and the desired
// value is 100m, the number of replicas will be doubled" (2 → 4).
func TestHPADocumentedDoubling(t *testing.T) {
	a := newHPA(t, Params{Target: 0.1})
	now := feedConst(a, t0, 30, 0.4) // 2 pods × 200m
	d := a.Decide(State{Now: now, Desired: 2, Ready: 2})
	if d.Desired != 4 {
		t.Fatalf("desired = %d, want 4 (%s)", d.Desired, d.Reason)
	}
	// And "if the current value is instead 50m, you'll halve": 4 → 2 is
	// held back by the 300 s stabilisation window (it remembers 4).
	now = feedConst(a, now, 30, 0.2) // 4 pods × 50m
	d = a.Decide(State{Now: now, Desired: 4, Ready: 4})
	if d.Desired != 4 {
		t.Fatalf("desired = %d, want 4 held by stabilisation", d.Desired)
	}
}

// Within the 0.1 tolerance nothing changes; just outside it, it does.
func TestHPATolerance(t *testing.T) {
	a := newHPA(t, Params{Target: 1})
	now := feedConst(a, t0, 30, 10.9) // ratio 1.09
	if d := a.Decide(State{Now: now, Desired: 10, Ready: 10}); d.Desired != 10 {
		t.Fatalf("ratio 1.09: desired = %d, want 10", d.Desired)
	}
	b := newHPA(t, Params{Target: 1})
	now = feedConst(b, t0, 30, 11.5) // ratio 1.15 → ceil(11.5) = 12
	if d := b.Decide(State{Now: now, Desired: 10, Ready: 10}); d.Desired != 12 {
		t.Fatalf("ratio 1.15: desired = %d, want 12", d.Desired)
	}
}

// Scale-down stabilisation uses the max recommendation of the last 300 s,
// then drops at once (100 % per 15 s allows it).
func TestHPAScaleDownStabilisation(t *testing.T) {
	a := newHPA(t, Params{Target: 1})
	now := feedConst(a, t0, 30, 10)
	start := now
	if d := a.Decide(State{Now: now, Desired: 10, Ready: 10}); d.Desired != 10 {
		t.Fatalf("desired = %d, want 10", d.Desired)
	}
	// The first sync after the drop recommends 6 (the 30 s metric window
	// still holds 15 s of the old load); that ages out 15 s after the 10.
	for now.Sub(start) < 315*time.Second {
		now = feedConst(a, now, 15, 2)
		d := a.Decide(State{Now: now, Desired: 10, Ready: 10})
		want := 10
		switch el := now.Sub(start); {
		case el == 300*time.Second:
			want = 6
		case el > 300*time.Second:
			want = 2
		}
		if d.Desired != want {
			t.Fatalf("after %v: desired = %d, want %d (%s)", now.Sub(start), d.Desired, want, d.Reason)
		}
	}
}

// Default scale-up behaviour: max(100 %, 4 pods) per 15 s period.
func TestHPAScaleUpRate(t *testing.T) {
	a := newHPA(t, Params{Target: 1})
	now := feedConst(a, t0, 30, 1000)
	cur := 1
	for _, want := range []int{5, 10, 20, 40} {
		d := a.Decide(State{Now: now, Desired: cur, Ready: cur})
		if d.Desired != want {
			t.Fatalf("from %d: desired = %d, want %d (%s)", cur, d.Desired, want, d.Reason)
		}
		cur = d.Desired
		now = feedConst(a, now, 15, 1000)
	}
	// Two syncs inside one period share it: 40 → 80 at most in 15 s.
	b := newHPA(t, Params{Target: 1, HPA: HPAParams{SyncPeriod: 5 * time.Second}})
	now = feedConst(b, t0, 30, 1000)
	d1 := b.Decide(State{Now: now, Desired: 40, Ready: 40})
	now = feedConst(b, now, 5, 1000)
	d2 := b.Decide(State{Now: now, Desired: d1.Desired, Ready: 40, Starting: d1.Desired - 40})
	if d1.Desired != 80 || d2.Desired != 80 {
		t.Fatalf("same period: %d then %d, want 80 then 80", d1.Desired, d2.Desired)
	}
}

// Pending pods count as 0 on a scale-up; if that brings the ratio within
// tolerance, HPA holds.
func TestHPAUnreadyPods(t *testing.T) {
	a := newHPA(t, Params{Target: 1})
	now := feedConst(a, t0, 30, 4.2) // per ready pod 2.1, per pod 1.05
	if d := a.Decide(State{Now: now, Desired: 4, Ready: 2, Starting: 2}); d.Desired != 4 {
		t.Fatalf("desired = %d, want 4 (unready pods rebalanced)", d.Desired)
	}
	b := newHPA(t, Params{Target: 1})
	now = feedConst(b, t0, 30, 8) // per pod 2 even with unready at 0
	if d := b.Decide(State{Now: now, Desired: 4, Ready: 2, Starting: 2}); d.Desired != 8 {
		t.Fatalf("desired = %d, want 8", d.Desired)
	}
}

func TestHPAMinMaxAndNoMetrics(t *testing.T) {
	a := newHPA(t, Params{Target: 1, Max: 6})
	if d := a.Decide(State{Now: t0, Desired: 0}); d.Desired != 1 {
		t.Fatalf("from 0: desired = %d, want min 1", d.Desired)
	}
	if d := a.Decide(State{Now: t0, Desired: 3, Ready: 3}); d.Desired != 3 {
		t.Fatalf("no metrics: desired = %d, want unchanged 3", d.Desired)
	}
	now := feedConst(a, t0, 30, 100)
	if d := a.Decide(State{Now: now, Desired: 3, Ready: 3}); d.Desired != 6 {
		t.Fatalf("desired = %d, want max 6", d.Desired)
	}
}

// With the rps metric the HPA reads arrivals, not in-flight.
func TestHPARequestRateMetric(t *testing.T) {
	a := newHPA(t, Params{Metric: MetricRPS, Target: 50})
	now := t0
	for i := 0; i < 30; i++ {
		a.Observe(Sample{T: now, Arrivals: 300, InFlight: 3})
		now = now.Add(time.Second)
	}
	if d := a.Decide(State{Now: now, Desired: 2, Ready: 2}); d.Desired != 6 {
		t.Fatalf("300 req/s at 50 per pod: desired = %d, want 6", d.Desired)
	}
}
