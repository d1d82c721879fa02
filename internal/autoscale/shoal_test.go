package autoscale

import (
	"testing"
	"time"
)

// When capacity is missing the gateway queue grows every second; shoal
// must size for the arrivals, not for the queue.
func TestShoalIgnoresQueueGrowth(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := t0
	// Steady: 200 req/s at 0.1 s each → 20 in flight, kept up with.
	for i := 0; i < 120; i++ {
		a.Observe(Sample{T: now, Arrivals: 200, Completions: 200, InFlight: 20})
		now = now.Add(time.Second)
	}
	// Traffic doubles and only 2 instances serve it: the queue grows by
	// 200 requests a second.
	queue := 0.0
	for i := 0; i < 20; i++ {
		queue += 200
		a.Observe(Sample{T: now, Arrivals: 400, Completions: 200, InFlight: 20 + queue})
		now = now.Add(time.Second)
	}
	d := a.Decide(State{Now: now, Desired: 2, Ready: 2})
	// Demand is 40 in flight → 4 instances; the 1.5 allowance and the
	// burst extrapolation may ask for more, the queue (4000) must not.
	if d.Desired < 4 || d.Desired > 12 {
		t.Fatalf("desired = %d (%s), want 4..12, not sized for the queue", d.Desired, d.Reason)
	}
}

// A sudden collapse far below the usual demand keeps the usual capacity
// for CollapseHold, then lets go.
func TestShoalHoldsThroughCollapse(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	flat := func(time.Time) float64 { return 80 }
	now := feedFunc(a.Observe, t0, 2*86400, flat)
	if a.fc.Status() != Usable {
		t.Fatalf("status %v, want usable", a.fc.Status())
	}
	now = feedConst(a, now, 300, 1) // outage: traffic at about 1 %
	d := a.Decide(State{Now: now, Desired: 8, Ready: 8})
	if d.Desired != 8 {
		t.Fatalf("5 min into a collapse: desired = %d (%s), want 8 held", d.Desired, d.Reason)
	}
	for i := 0; i < 65*30; i++ {
		now = feedConst(a, now, 2, 1)
		d = a.Decide(State{Now: now, Desired: d.Desired, Ready: d.Desired})
	}
	if d.Desired > 1 {
		t.Fatalf("70 min into a collapse: desired = %d (%s), want it released", d.Desired, d.Reason)
	}
}
