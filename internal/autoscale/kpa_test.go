package autoscale

import (
	"testing"
	"time"
)

func newKPA(t *testing.T, p Params) *KPA {
	t.Helper()
	a, err := NewKPA(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Target 10 at 100 % utilisation keeps Knative's test numbers readable.
var kpaTest = Params{Target: 10, KPA: KPAParams{TargetUtilization: 1}}

func TestKPANoDataKeepsScale(t *testing.T) {
	a := newKPA(t, kpaTest)
	if d := a.Decide(State{Now: t0, Desired: 3, Ready: 1}); d.Desired != 3 {
		t.Fatalf("desired = %d, want 3", d.Desired)
	}
}

// Default target utilisation: 70 % of the per-instance concurrency.
func TestKPATargetUtilisation(t *testing.T) {
	a := newKPA(t, Params{Target: 10})
	now := feedConst(a, t0, 60, 14) // 14 / 7 = 2 pods
	if d := a.Decide(State{Now: now, Desired: 2, Ready: 2}); d.Desired != 2 {
		t.Fatalf("desired = %d, want 2", d.Desired)
	}
}

// Panic entry: the 6 s window needs ≥ 2× the ready pods. In panic the
// count never drops; panic ends a stable window after the last trigger.
func TestKPAPanicEntryAndExit(t *testing.T) {
	a := newKPA(t, kpaTest)
	now := feedConst(a, t0, 60, 10)
	d := a.Decide(State{Now: now, Desired: 1, Ready: 1})
	if d.Panic || d.Desired != 1 {
		t.Fatalf("steady: %+v, want 1 without panic", d)
	}
	now = feedConst(a, now, 6, 100) // panic window 100 → 10 pods ≥ 2 × 1
	d = a.Decide(State{Now: now, Desired: 1, Ready: 1})
	if !d.Panic || d.Desired != 10 {
		t.Fatalf("burst: %+v, want panic with 10", d)
	}
	panicAt := now
	// Load falls; panic holds 10 for the stable window.
	for now.Sub(panicAt) <= 60*time.Second {
		now = feedConst(a, now, 2, 10)
		d = a.Decide(State{Now: now, Desired: 10, Ready: 10})
		if now.Sub(panicAt) <= 60*time.Second && (!d.Panic || d.Desired != 10) {
			t.Fatalf("at +%v: %+v, want panic holding 10", now.Sub(panicAt), d)
		}
	}
	if d.Panic {
		t.Fatalf("still panicking %v after the last trigger", now.Sub(panicAt))
	}
	// Out of panic: stable average is 10 → 1 pod, but max-scale-down-rate
	// 2 allows only 10 → 5.
	if d.Desired != 5 {
		t.Fatalf("after panic: desired = %d, want 5 (scale-down rate)", d.Desired)
	}
}

// Panic threshold is ≥ 200 %: 1.9× does not panic, 2× does.
func TestKPAPanicThreshold(t *testing.T) {
	a := newKPA(t, kpaTest)
	a.Decide(State{Now: t0, Desired: 1, Ready: 1}) // not a restart at scale
	now := feedConst(a, t0, 60, 0)
	now = feedConst(a, now, 6, 190) // 19 pods vs 10 ready
	if d := a.Decide(State{Now: now, Desired: 10, Ready: 10}); d.Panic {
		t.Fatalf("1.9×: panic, want none")
	}
	b := newKPA(t, kpaTest)
	b.Decide(State{Now: t0, Desired: 1, Ready: 1})
	now = feedConst(b, t0, 60, 0)
	now = feedConst(b, now, 6, 200)
	if d := b.Decide(State{Now: now, Desired: 10, Ready: 10}); !d.Panic || d.Desired != 20 {
		t.Fatalf("2×: %+v, want panic with 20", d)
	}
}

// Max scale-up rate bounds a tick at ceil(rate × ready).
func TestKPAScaleUpRate(t *testing.T) {
	p := kpaTest
	p.KPA.MaxScaleUpRate = 2
	a := newKPA(t, p)
	now := feedConst(a, t0, 60, 1000)
	if d := a.Decide(State{Now: now, Desired: 3, Ready: 3}); d.Desired != 6 {
		t.Fatalf("desired = %d, want 6", d.Desired)
	}
}

// Scale to zero: once the stable window holds only zeros the decider says
// 0; one instance stays for the 30 s grace, then zero. A request wakes it.
func TestKPAScaleToZeroAndActivation(t *testing.T) {
	a := newKPA(t, kpaTest)
	now := feedConst(a, t0, 60, 5)
	if d := a.Decide(State{Now: now, Desired: 1, Ready: 1}); d.Desired != 1 {
		t.Fatalf("desired = %d, want 1", d.Desired)
	}
	now = feedConst(a, now, 60, 0)
	zeroAt := now
	for now.Sub(zeroAt) < 30*time.Second {
		d := a.Decide(State{Now: now, Desired: 1, Ready: 1})
		if d.Desired != 1 {
			t.Fatalf("at +%v of grace: desired = %d, want 1", now.Sub(zeroAt), d.Desired)
		}
		now = feedConst(a, now, 2, 0)
	}
	if d := a.Decide(State{Now: now, Desired: 1, Ready: 1}); d.Desired != 0 {
		t.Fatalf("after grace: desired = %d, want 0 (%s)", d.Desired, d.Reason)
	}
	now = feedConst(a, now, 1, 0.5)
	if d := a.Decide(State{Now: now, Desired: 0}); d.Desired != 1 {
		t.Fatalf("activation: desired = %d, want 1", d.Desired)
	}
	// With min 1, never zero.
	p := kpaTest
	p.Min = 1
	b := newKPA(t, p)
	now = feedConst(b, t0, 200, 0)
	if d := b.Decide(State{Now: now, Desired: 1, Ready: 1}); d.Desired != 1 {
		t.Fatalf("min 1: desired = %d", d.Desired)
	}
}

// A restarted KPA that finds more than one ready pod starts in panic and
// keeps the scale while it has little data.
func TestKPAStartsInPanic(t *testing.T) {
	a := newKPA(t, kpaTest)
	now := feedConst(a, t0, 2, 0)
	if d := a.Decide(State{Now: now, Desired: 8, Ready: 8}); !d.Panic || d.Desired != 8 {
		t.Fatalf("%+v, want panic holding 8", d)
	}
}
