package autoscale

import (
	"strings"
	"testing"
	"time"
)

// steady feeds secs seconds of a service that keeps up: rate requests/s,
// each taking work slot-seconds.
func steady(a *Shoal, from time.Time, secs int, rate, work float64) time.Time {
	for i := 0; i < secs; i++ {
		a.Observe(Sample{T: from, Arrivals: rate, Completions: rate, InFlight: rate * work})
		from = from.Add(time.Second)
	}
	return from
}

// When capacity is missing the gateway queue grows every second; shoal
// must size for the arrivals (Little's law), not for the queue.
func TestShoalIgnoresQueueGrowth(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := steady(a, t0, 120, 200, 0.1) // 20 in flight, kept up with
	// Traffic doubles and only 2 instances serve it: the queue grows by
	// 200 requests a second.
	queue := 0.0
	for i := 0; i < 20; i++ {
		queue += 200
		a.Observe(Sample{T: now, Arrivals: 400, Completions: 200, InFlight: 20 + queue})
		now = now.Add(time.Second)
	}
	d := a.Decide(State{Now: now, Desired: 2, Ready: 2})
	// λ·S = 40 in flight → 4 instances; the backlog allowance (at most
	// double) and the burst projection may ask for more, the queue (4000
	// in flight) must not.
	if d.Desired < 4 || d.Desired > 16 {
		t.Fatalf("desired = %d (%s), want 4..16, not sized for the queue", d.Desired, d.Reason)
	}
}

// The signal is arrivals × the learned work per request: a service whose
// requests take twice as long needs twice the instances at the same rate.
func TestShoalLittlesLaw(t *testing.T) {
	fast, slow := newShoal(t, Params{Target: 10}), newShoal(t, Params{Target: 10})
	steady(fast, t0, 120, 300, 0.1)
	now := steady(slow, t0, 120, 300, 0.2)
	if w := fast.work.Work(); w < 0.099 || w > 0.101 {
		t.Fatalf("learned work %.3f, want 0.1", w)
	}
	df := fast.Decide(State{Now: now, Desired: 3, Ready: 3})
	ds := slow.Decide(State{Now: now, Desired: 6, Ready: 6})
	if df.Desired != 3 || ds.Desired != 6 {
		t.Fatalf("fast %d, slow %d; want 3 and 6", df.Desired, ds.Desired)
	}
}

// A collapse of demand that the seasonal profile did not expect (an
// outage) holds the pre-outage capacity plus the expected return surge: no
// scale-in while the guard holds. It lets go slowly after CollapseHold.
func TestShoalNoScaleInDuringOutageGuard(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := steady(a, t0, 2*86400, 800, 0.1) // 80 in flight: 8 instances
	if a.fc.Status() != Usable {
		t.Fatalf("forecast %v after two days, want usable", a.fc.Status())
	}
	desired := 8
	var d Decision
	for i := 0; i < 30*60/2; i++ { // 30 min of outage at 1 % of the traffic
		now = steady(a, now, 2, 8, 0.1)
		d = a.Decide(State{Now: now, Desired: desired, Ready: desired})
		if d.Desired < 8 {
			t.Fatalf("%v into the outage: desired = %d (%s), want ≥ 8 held", now.Sub(t0), d.Desired, d.Reason)
		}
		desired = d.Desired
	}
	// Default surge estimate 1: clients retrying once double the load.
	if d.Desired != 16 || !strings.Contains(d.Reason, "outage guard") {
		t.Fatalf("in the outage: %+v, want 16 held by the outage guard", d)
	}
	// Past CollapseHold (60 min) the hold shrinks over 30 min, not at once.
	var seen []int
	for i := 0; i < 70*60/2; i++ {
		now = steady(a, now, 2, 8, 0.1)
		d = a.Decide(State{Now: now, Desired: desired, Ready: desired})
		if d.Desired < desired {
			seen = append(seen, d.Desired)
		}
		desired = d.Desired
	}
	if desired > 1 {
		t.Fatalf("100 min into a collapse: desired = %d (%s), want released", desired, d.Reason)
	}
	if len(seen) < 4 {
		t.Fatalf("released in %d steps %v, want a gradual release", len(seen), seen)
	}
}

// A seasonal lull the profile expects is not an outage; and failing
// requests hold capacity without the surge.
func TestShoalOutageGuardTriggers(t *testing.T) {
	g := newOutageGuard(ShoalParams{CollapseRatio: 0.3, OutageErrorRatio: 0.5, CollapseHold: time.Hour, OutageSurge: 1})
	now, usual := t0, 15.0
	feed := func(secs int, rate, errs float64) {
		for i := 0; i < secs; i++ {
			if g.observe(Sample{T: now, Arrivals: rate, Errors: errs}, rate/10) {
				g.update(now, 10, usual)
			}
			now = now.Add(time.Second)
		}
	}
	feed(300, 800, 0) // 80 in flight
	feed(30, 100, 0)  // 10: a collapse, but the profile says 15 now
	if h, _ := g.floor(now, 0); h != 0 {
		t.Fatalf("expected lull: hold %.0f, want none", h)
	}
	g = newOutageGuard(ShoalParams{CollapseRatio: 0.3, OutageErrorRatio: 0.5, CollapseHold: time.Hour, OutageSurge: 1})
	feed(300, 800, 0)
	feed(30, 800, 600) // three quarters failing, traffic unchanged
	if h, why := g.floor(now, 0); h != 80 || why != causeFailing {
		t.Fatalf("failing: hold %.0f (%s), want 80 without surge", h, why)
	}

	// The same fall, 80 → 8 in flight, over ten minutes (a flash crowd
	// winding down, a minute step at a time) is load going away, however
	// low it ends, although the profile expects 50. Made
	// abrupt, the last step is one.
	usual = 50
	for _, abrupt := range []bool{false, true} {
		g = newOutageGuard(ShoalParams{CollapseRatio: 0.3, OutageErrorRatio: 0.5, CollapseHold: time.Hour, OutageSurge: 1})
		feed(300, 800, 0)
		for step := 9; step >= 1; step-- {
			rate := 80.0 * float64(step) // 720, 640, … 80 a second
			if abrupt {
				rate = 800
			}
			feed(60, rate, 0)
		}
		feed(60, 80, 0)
		h, _ := g.floor(now, 0)
		if !abrupt && h != 0 {
			t.Fatalf("fall over ten minutes: hold %.0f, want none", h)
		}
		if abrupt && h != 160 {
			t.Fatalf("fall within seconds: hold %.0f, want 160 (80 and the surge)", h)
		}
	}

	// A batch of calls that ends at once takes the demand back to where it
	// was before the batch: load going away, although the fall is abrupt
	// and the profile, which learned the batch, expects half of it. The
	// same fall from the same batch to a twentieth of that level is an
	// outage.
	for _, after := range []float64{100, 5} {
		g = newOutageGuard(ShoalParams{CollapseRatio: 0.3, OutageErrorRatio: 0.5, CollapseHold: time.Hour, OutageSurge: 1})
		feed(3600, 100, 0) // an hour at 10 in flight
		feed(1200, 800, 0) // a 20-minute batch at 80
		feed(30, after, 0)
		h, _ := g.floor(now, 0)
		if after == 100 && h != 0 {
			t.Fatalf("batch over, back to 10 in flight: hold %.0f, want none", h)
		}
		if after == 5 && h != 160 {
			t.Fatalf("batch cut to 0.5 in flight: hold %.0f, want 160", h)
		}
	}
}

// A service whose collapses never come back (clients that all stop at the
// same time, every day) stops being guarded after two of them; collapses
// are still followed, and when they start coming back the guard returns.
func TestOutageGuardLearnsCollapsesThatStayGone(t *testing.T) {
	now := t0
	g := newOutageGuard(ShoalParams{CollapseRatio: 0.3, OutageErrorRatio: 0.5, CollapseHold: 10 * time.Minute, OutageSurge: 1})
	feed := func(secs int, rate float64) (held bool) {
		for i := 0; i < secs; i++ {
			if g.observe(Sample{T: now, Arrivals: rate}, rate/10) {
				g.update(now, 10, 80)
			}
			if h, _ := g.floor(now, 0); h > 0 {
				held = true
			}
			now = now.Add(time.Second)
		}
		return held
	}
	for day := range 3 {
		feed(7200, 800)      // two hours at 80 in flight
		held := feed(960, 5) // then gone for 16 min: past the hold and its release
		if want := day < 2; held != want {
			t.Fatalf("collapse %d: held %v, want %v (gone %d, back %d)", day+1, held, want, g.Gone, g.Back)
		}
	}
	// The third was followed without holding, and stayed gone too.
	if g.Gone != 3 || g.Back != 0 {
		t.Fatalf("gone %d, back %d; want 3 and 0", g.Gone, g.Back)
	}
	// Collapses that come back, held or not, earn the guard back: after
	// two returns (3 gone ≤ 2 × 2 back) a collapse is held again.
	for back := 1; back <= 2; back++ {
		feed(7200, 800)
		if feed(60, 5) {
			t.Fatalf("return %d: held while %d gone and %d back", back, g.Gone, g.Back)
		}
		feed(600, 800)
		if g.Back != back {
			t.Fatalf("after a return: back %d, want %d", g.Back, back)
		}
	}
	feed(7200, 800)
	if !feed(60, 5) {
		t.Fatalf("3 collapses gone, 2 back: not held, want held")
	}
}

// Without a learned profile, a collapse is the load going away: shoal
// scales in (only failures would make it hold).
func TestShoalNoGuardWithoutHistory(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := steady(a, t0, 600, 800, 0.1)
	desired := 8
	for i := 0; i < 300; i++ {
		now = steady(a, now, 2, 50, 0.1)
		desired = a.Decide(State{Now: now, Desired: desired, Ready: desired}).Desired
	}
	if desired != 1 {
		t.Fatalf("10 min after the load went: %d instances, want 1", desired)
	}
}

// The return surge after an outage is learned and saved with the state,
// and so is how many held collapses came back or stayed gone.
func TestShoalLearnsReturnSurge(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := steady(a, t0, 2*86400, 800, 0.1)
	now = steady(a, now, 600, 8, 0.1)    // outage
	now = steady(a, now, 120, 2000, 0.1) // back at 2.5×
	now = steady(a, now, 300, 800, 0.1)
	a.Decide(State{Now: now, Desired: 8, Ready: 8})
	if s := a.guard.Surge; s < 1.4 || s > 1.6 {
		t.Fatalf("learned surge %.2f, want 1.5", s)
	}
	if a.guard.Back != 1 || a.guard.Gone != 0 {
		t.Fatalf("collapses back %d, gone %d; want 1 and 0", a.guard.Back, a.guard.Gone)
	}
	a.guard.Gone = 2 // as if two later collapses had stayed gone
	b := restoredCopy(t, a)
	if b.guard.Surge != a.guard.Surge || b.guard.Back != 1 || b.guard.Gone != 2 {
		t.Fatalf("restored surge %.2f, back %d, gone %d; want %.2f, 1, 2", b.guard.Surge, b.guard.Back, b.guard.Gone, a.guard.Surge)
	}
	// A version-1 snapshot (the bare forecaster) still restores.
	old, err := a.fc.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := newShoal(t, Params{Target: 10}).Restore(old); err != nil {
		t.Fatalf("restoring a forecaster-only snapshot: %v", err)
	}
}

// The forecast lead and the scale-in window follow the cold start (the
// live autoscaler passes the measured one).
func TestShoalLeadAndStabilisationFromColdStart(t *testing.T) {
	for _, c := range []struct {
		cold, act, lead, stab time.Duration
	}{
		{30 * time.Second, 0, 32 * time.Second, 90 * time.Second},
		{30 * time.Second, time.Second, 33 * time.Second, 93 * time.Second},
		{2 * time.Minute, 0, 122 * time.Second, 6 * time.Minute},
		{5 * time.Second, 0, 7 * time.Second, time.Minute},
	} {
		a := newShoal(t, Params{ColdStart: c.cold, ActuationDelay: c.act})
		if a.Lead() != c.lead || a.ScaleDownStabilization() != c.stab {
			t.Errorf("cold start %v + %v: lead %v, stabilisation %v; want %v, %v",
				c.cold, c.act, a.Lead(), a.ScaleDownStabilization(), c.lead, c.stab)
		}
	}
	// An explicit lead below cold start + actuation is raised to it.
	a := newShoal(t, Params{ColdStart: time.Minute, Shoal: ShoalParams{Lead: 10 * time.Second}})
	if a.Lead() != time.Minute {
		t.Errorf("lead %v, want raised to the 1m cold start", a.Lead())
	}
}

// Scale-in waits for the stabilisation window and then stops short of the
// boundary by the hysteresis; noise around a boundary does not flap.
func TestShoalScaleInHysteresis(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := steady(a, t0, 300, 695, 0.1) // 69.5 in flight: 7 instances
	d := a.Decide(State{Now: now, Desired: 7, Ready: 7})
	if d.Desired != 7 {
		t.Fatalf("desired %d, want 7", d.Desired)
	}
	// At 58 in flight 6 instances meet the target (58 ≤ 60), but not with
	// the 5 % hysteresis (58 > 57): 7 stay. At 56 they go to 6.
	now = steady(a, now, 300, 580, 0.1)
	d = a.Decide(State{Now: now, Desired: 7, Ready: 7})
	if d.Desired != 7 {
		t.Fatalf("at 58 in flight: desired %d (%s), want 7 kept by hysteresis", d.Desired, d.Reason)
	}
	now = steady(a, now, 300, 560, 0.1)
	d = a.Decide(State{Now: now, Desired: 7, Ready: 7})
	if d.Desired != 6 {
		t.Fatalf("at 56 in flight: desired %d (%s), want 6", d.Desired, d.Reason)
	}
}

// Reasons name what set the count: the stable window, the panic window,
// the forecast, the scale-in stabilisation, min.
func TestShoalReasons(t *testing.T) {
	a := newShoal(t, Params{Target: 10, Min: 2})
	now := steady(a, t0, 120, 400, 0.1)
	if d := a.Decide(State{Now: now, Desired: 4, Ready: 4}); d.Desired != 4 || !strings.HasPrefix(d.Reason, reasonStable) || d.Panic {
		t.Fatalf("steady: %+v, want 4 from the stable window", d)
	}
	// A slow rise (5 % a minute) that the stable window follows is not a
	// panic.
	for i := 0; i < 60; i++ {
		now = steady(a, now, 2, 400+float64(i)*0.66, 0.1)
	}
	if d := a.Decide(State{Now: now, Desired: 4, Ready: 4}); d.Panic || !strings.HasPrefix(d.Reason, reasonStable) {
		t.Fatalf("slow rise: %+v, want the stable window, no panic", d)
	}
	// A burst: the panic window decides.
	now = steady(a, now, 4, 1500, 0.1)
	d := a.Decide(State{Now: now, Desired: 5, Ready: 5})
	if !d.Panic || d.Reason != reasonPanic || d.Desired < 15 {
		t.Fatalf("burst: %+v, want ≥ 15 from the panic window", d)
	}
	// After the burst, scale-in waits: the reason says so.
	now = steady(a, now, 70, 400, 0.1)
	d = a.Decide(State{Now: now, Desired: d.Desired, Ready: d.Desired})
	if !strings.Contains(d.Reason, "scale-in stabilisation") {
		t.Fatalf("after the burst: %+v, want held by scale-in stabilisation", d)
	}
	// Quiet: min decides.
	b := newShoal(t, Params{Target: 10, Min: 2})
	now = steady(b, t0, 120, 20, 0.1)
	if d := b.Decide(State{Now: now, Desired: 2, Ready: 2}); d.Desired != 2 || d.Reason != "shoal: min" {
		t.Fatalf("quiet: %+v, want 2 from min", d)
	}
}

// A standing queue (completions keeping pace with arrivals behind a long
// wait) barely moves the learned work per request; a service that really
// got slower is followed, only more slowly.
func TestShoalWorkIgnoresStandingQueue(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := steady(a, t0, 600, 200, 0.1)
	// Two minutes of a standing queue of 200 requests on top of the 20
	// being served: in flight ÷ arrivals reads 1.1 s instead of 0.1 s.
	for i := 0; i < 120; i++ {
		a.Observe(Sample{T: now, Arrivals: 200, Completions: 200, InFlight: 220})
		now = now.Add(time.Second)
	}
	if w := a.work.Work(); w > 0.25 {
		t.Fatalf("learned work %.3f s after a standing queue, want under 0.25 (0.1 true)", w)
	}
	// Requests that really take 0.3 s from now on: within an hour the
	// estimate is there.
	steady(a, now, 3600, 200, 0.3)
	if w := a.work.Work(); w < 0.28 {
		t.Fatalf("learned work %.3f s an hour into a slowdown to 0.3 s", w)
	}
}

// After a step up that the queue's backlog ordered for (no panic: the
// capacity coming covered the last seconds), the stable window still holds
// the minute before the step; once the queue has drained, shoal must not
// scale in under what the last seconds need.
func TestShoalDoesNotScaleInUnderAStep(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now, _ := feedDeciding(a, t0, 300, func(time.Time) float64 { return 20 })
	now = feedFunc(a.Observe, now, 20, func(time.Time) float64 { return 40 })
	d := a.Decide(State{Now: now, Desired: 5, Ready: 5})
	if d.Desired < 4 {
		t.Fatalf("20 s into a step to 40 in flight with 5 ready: %+v, want at least the 4 the last seconds need (stable window %.1f)",
			d, a.stable.mean())
	}
}

// A burst's lead over the stable window is projected BurstExtrapolation (2)
// times on demand that moves every second; on minute buckets, as many times
// as the steps a cold start spans: once at 30 s, twice (the cap) at 120 s.
func TestBurstExtrapolationCountsTheStepsAColdStartSpans(t *testing.T) {
	for _, c := range []struct {
		cold time.Duration
		lag  int
		want float64
	}{
		{30 * time.Second, 1, 2},
		{30 * time.Second, 60, 1},
		{120 * time.Second, 60, 2},
		{120 * time.Second, 10, 2}, // ten-second steps: shorter than the ramp's, no change
	} {
		a := newShoal(t, Params{Target: 10, ColdStart: c.cold})
		a.jitter.lag = c.lag
		if got := a.burstExtrapolation(); got != c.want {
			t.Errorf("cold start %v, steps of %d s: projected %v times, want %v", c.cold, c.lag, got, c.want)
		}
	}
}
