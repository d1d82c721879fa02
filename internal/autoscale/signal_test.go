package autoscale

import (
	"testing"
	"time"
)

// steadyMeasured is steady with the gateway queue measured (and empty).
func steadyMeasured(a *Shoal, from time.Time, secs int, rate, work float64) time.Time {
	for i := 0; i < secs; i++ {
		a.Observe(Sample{T: from, Arrivals: rate, Completions: rate, InFlight: rate * work, QueueMeasured: true})
		from = from.Add(time.Second)
	}
	return from
}

// With the queue measured, a standing queue does not move the learned work
// at all (only the requests in service count), and the backlog term is the
// measured queue; the same seconds without the measurement move it (slowly)
// and the backlog is inferred from InFlight.
func TestWorkStandingQueueMeasured(t *testing.T) {
	measured, inferred := newShoal(t, Params{Target: 10}), newShoal(t, Params{Target: 10})
	now := steadyMeasured(measured, t0, 600, 200, 0.1)
	steady(inferred, t0, 600, 200, 0.1)
	// Ten minutes of a standing queue of 200 requests on top of the 20 in
	// service: in flight ÷ arrivals reads 1.1 s instead of 0.1 s.
	var vm, vi float64
	for i := 0; i < 600; i++ {
		s := Sample{T: now, Arrivals: 200, Completions: 200, InFlight: 220}
		vi = signalOf(&inferred.work, s)
		s.Queued, s.QueueMeasured = 200, true
		vm = signalOf(&measured.work, s)
		now = now.Add(time.Second)
	}
	if w := measured.work.Work(); w < 0.0999 || w > 0.1001 {
		t.Fatalf("measured queue: learned work %.4f s, want 0.1", w)
	}
	if w := inferred.work.Work(); w < 0.13 {
		t.Fatalf("inferred queue: learned work %.4f s, want it moved by the standing queue (the old behaviour)", w)
	}
	// λ·S = 20 plus the 200 waiting served within the drain horizon.
	if want := 20 + 200*0.1/measured.work.horizon; vm < want-1e-6 || vm > want+1e-6 {
		t.Fatalf("measured queue: signal %.3f, want %.3f (20 in service + the backlog)", vm, want)
	}
	if vi <= vm {
		t.Fatalf("inferred queue: signal %.2f, want above the measured %.2f (inflated work)", vi, vm)
	}
}

// The backlog term comes from Queued when it is measured, and from what λ·S
// does not explain otherwise; a measured empty queue adds nothing even when
// InFlight is above λ·S (requests that are slower this second).
func TestWorkBacklogFromQueued(t *testing.T) {
	e := newWorkEstimator(10*time.Second, 0)
	for i := 0; i < minWorkSamples; i++ {
		signalOf(&e, Sample{Arrivals: 100, Completions: 100, InFlight: 10, QueueMeasured: true})
	}
	// Completions far from arrivals: the cases below do not learn, and with
	// no lead nothing is added for the queue that keeps growing.
	cases := []struct {
		name string
		s    Sample
		want float64
	}{
		// 10 in service, 20 over λ·S: inferred as 20 waiting → +20·0.1/10.
		{"not measured", Sample{Arrivals: 100, Completions: 50, InFlight: 30}, 10.2},
		{"measured empty", Sample{Arrivals: 100, Completions: 50, InFlight: 30, QueueMeasured: true}, 10},
		{"measured queue", Sample{Arrivals: 100, Completions: 50, InFlight: 60, Queued: 50, QueueMeasured: true}, 10.5},
	}
	for _, c := range cases {
		if got := signalOf(&e, c.s); got < c.want-1e-3 || got > c.want+1e-3 {
			t.Errorf("%s: signal %.4f, want %.4f", c.name, got, c.want)
		}
	}
}

func TestSampleMerge(t *testing.T) {
	a := Sample{Arrivals: 1, Completions: 2, InFlight: 3, Errors: 4, Queued: 1, QueueMeasured: true}
	b := Sample{Arrivals: 10, Completions: 20, InFlight: 30, Errors: 40, Queued: 5, QueueMeasured: true}
	got := a.Merge(b)
	want := Sample{Arrivals: 11, Completions: 22, InFlight: 33, Errors: 44, Queued: 6, QueueMeasured: true}
	if got != want {
		t.Fatalf("merge of measured parts = %+v, want %+v", got, want)
	}
	b.QueueMeasured = false
	if got := a.Merge(b); got.QueueMeasured || got.Queued != 0 || got.InFlight != 33 {
		t.Fatalf("merge with an unmeasured part = %+v, want the queue unmeasured", got)
	}
	if got := b.Merge(a); got.QueueMeasured {
		t.Fatalf("merge onto an unmeasured part = %+v, want the queue unmeasured", got)
	}
}

// signalOf is one second's whole demand: split's two parts together.
func signalOf(e *workEstimator, s Sample) float64 {
	base, backlog := e.split(s)
	return base + backlog
}
