package autoscale

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// timerLoad is 20 in flight, and 100 in the first minute of every quarter
// hour (a timer), plus an unforeseen one-minute burst to 100 at burstAt.
func timerLoad(burstAt time.Time) func(time.Time) float64 {
	return func(t time.Time) float64 {
		if t.Minute()%15 == 0 {
			return 100
		}
		if !burstAt.IsZero() && !t.Before(burstAt) && t.Before(burstAt.Add(time.Minute)) {
			return 100
		}
		return 20
	}
}

// runThrough decides every 2 s from now for secs seconds, following its own
// decisions, and returns the decision at the end and every reason given
// for a scale-in.
func runThrough(a *Shoal, now time.Time, secs int, load func(time.Time) float64, desired int) (Decision, []string) {
	var d Decision
	var ins []string
	for i := 0; i < secs; i += 2 {
		now = feedFunc(a.Observe, now, 2, load)
		d = a.Decide(State{Now: now, Desired: desired, Ready: desired})
		if d.Desired < desired {
			ins = append(ins, d.Reason)
		}
		desired = d.Desired
	}
	return d, ins
}

// After a timer spike the forecast foresaw, shoal gives its capacity back
// as soon as the load is down (the forecast sees no other spike within the
// scale-in window); without the release it holds it for the window.
func TestShoalReleasesForeseenSpike(t *testing.T) {
	load := timerLoad(time.Time{})
	for _, release := range []bool{true, false} {
		p := Params{Target: 10}
		if !release {
			p.Shoal.ReleaseRise = -1
		}
		a := newShoal(t, p)
		// Three days, then up to 2 min before the 10:00 timer.
		now := feedFunc(a.Observe, t0, 3*86400+10*3600-120, load)
		// Through the spike and 80 s past its end (the stable window has
		// let it go by then; the 124 s window has not).
		d, ins := runThrough(a, now, 120+60+80, load, 3)
		if release {
			if d.Desired > 4 || !strings.Contains(strings.Join(ins, "\n"), "foreseen rise over") {
				t.Fatalf("80 s after a foreseen spike: %+v after scale-ins %q, want ≤ 4 instances released by the forecast", d, ins)
			}
		} else if d.Desired < 10 {
			t.Fatalf("without the release, 80 s after the spike: %+v, want the spike's ≥ 10 held", d)
		}
	}
}

// A burst nobody foresaw keeps the full scale-in window even with the
// forecast saying the load stays low: its capacity is the kind that is
// bought back if given away.
func TestShoalHoldsUnforeseenBurst(t *testing.T) {
	day3 := t0.Add(3 * 86400 * time.Second)
	burst := day3.Add(10*time.Hour + 7*time.Minute)
	load := timerLoad(burst)
	a := newShoal(t, Params{Target: 10})
	now := feedFunc(a.Observe, t0, int(burst.Sub(t0)/time.Second)-60, load)
	d, _ := runThrough(a, now, 60+60+80, load, 3)
	if d.Desired < 10 {
		t.Fatalf("80 s after an unforeseen burst: %+v, want its ≥ 10 instances held", d)
	}
}

// With a long cold start the scale-in window (7.5 min) reaches the next
// quarter-hour timer; the release reads only a lead ahead, because the
// predictive part orders that spike again in time, so the capacity of the
// last one is not held for the next.
func TestShoalReleaseLooksOnlyALeadAhead(t *testing.T) {
	load := timerLoad(time.Time{})
	a := newShoal(t, Params{Target: 10, ColdStart: 150 * time.Second})
	if w := a.ScaleDownStabilization(); w < 7*time.Minute {
		t.Fatalf("scale-in window %v, want ≥ 7 min with a 150 s cold start", w)
	}
	// Three days, then from 3 min before the 10:00 timer to 10:06, when
	// the window still holds the spike and the next one (10:15) is within
	// window + lead but not within the lead.
	now := feedFunc(a.Observe, t0, 3*86400+10*3600-180, load)
	d, ins := runThrough(a, now, 180+6*60, load, 3)
	if d.Desired > 4 || !strings.Contains(strings.Join(ins, "\n"), "foreseen rise over") {
		t.Fatalf("at 10:06: %+v after scale-ins %q, want ≤ 4 (the 10:00 spike released)", d, ins)
	}
}

// A spike the predictive part ordered capacity for is not a burst when it
// arrives at that size: panicking on it projected its rise from the quiet
// minute before and ordered over twice what it needed. A burst above the
// prediction is projected from the prediction, not from the quiet minute.
func TestShoalForeseenSpikeIsNoBurst(t *testing.T) {
	for _, peak := range []float64{100, 110, 130} {
		load := func(t time.Time) float64 {
			if t.Minute()%15 == 0 {
				return peak
			}
			return 20
		}
		a := newShoal(t, Params{Target: 10})
		// Three days of the 100-in-flight timer, then the 10:00 one at peak.
		now := feedFunc(a.Observe, t0, 3*86400+10*3600-120, timerLoad(time.Time{}))
		most, desired := 0, 3
		var why string
		for i := 0; i < 120+60; i += 2 {
			now = feedFunc(a.Observe, now, 2, load)
			d := a.Decide(State{Now: now, Desired: desired, Ready: desired})
			if d.Desired > most {
				most, why = d.Desired, d.Reason
			}
			desired = d.Desired
		}
		// 100 needs the 10 ordered for it. Above the prediction, the rise
		// is projected from the predicted 100: 130 + 2 × 30 needs 19 (from
		// the quiet 20 it would be 130 + 2 × 110, 35).
		want := map[float64]int{100: 10, 110: 13, 130: 19}[peak]
		if most > want || most < int(peak/10) {
			t.Errorf("timer spike at %v in flight: up to %d instances (%s), want %d–%d", peak, most, why, int(peak/10), want)
		}
	}
}

// Releasing a foreseen spike's capacity stops at the scatter floor: the
// minutes after it scatter as much as the ones before, and a release to the
// last seconds' need met the next minute's rise a cold start late.
func TestShoalReleaseKeepsScatterFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	level := 40.0
	minute := int64(-1)
	load := func(t time.Time) float64 {
		if m := t.Unix() / 60; m != minute {
			// ±20 % from minute to minute: well above the 5 % a
			// target's headroom absorbs.
			minute, level = m, 40*math.Exp(0.2*rng.NormFloat64())
			switch m % 7 {
			case 0:
				level *= 3
			case 1:
				level = 28 // a quiet minute after the spike
			}
		}
		return level
	}
	a := newShoal(t, Params{Target: 10})
	now := feedFunc(a.Observe, t0, nextFiring(t0.Add(4*time.Hour))-40, load)
	if a.scatter.value() == 0 {
		t.Fatal("no scatter floor after four hours of ±20 % minutes")
	}
	desired, released := 5, 0
	for i := 0; i < 40+60+60; i += 2 {
		now = feedFunc(a.Observe, now, 2, load)
		d := a.Decide(State{Now: now, Desired: desired, Ready: desired})
		if strings.Contains(d.Reason, "patterns need no more") {
			released++
			if floor := ceilDiv(a.scatter.value(), 10); d.Desired < floor {
				t.Fatalf("released to %d below the scatter floor's %d", d.Desired, floor)
			}
		}
		desired = d.Desired
	}
	if released == 0 {
		t.Fatal("the spike's capacity was never released on the pattern's word")
	}
}

// A queue of a request or so after a foreseen spike (the first seconds at
// the lower count) does not buy the spike's capacity back: the work of now
// is the last seconds' demand plus the queue, not the stable window, which
// still holds the spike. It did: the release let go of the spike's
// instances and the next decision ordered them again for the queue.
func TestShoalReleaseSurvivesSmallQueue(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	load := intervalTimer(rand.New(rand.NewPCG(1, 2)))
	firing := t0.Add(time.Duration(nextFiring(t0.Add(3*time.Hour))) * time.Second)
	observe := func(s Sample) {
		// Completions keep pace, so the work per request is learned and
		// what in flight it does not explain is a queue.
		s.Completions = s.Arrivals
		if end := firing.Add(time.Minute); !s.T.Before(end) && s.T.Before(end.Add(20*time.Second)) {
			s.InFlight++
		}
		a.Observe(s)
	}
	now := feedFunc(observe, t0, int(firing.Sub(t0)/time.Second)-30, load)
	desired := 5
	var ins []string
	for now.Before(firing.Add(time.Minute + 20*time.Second)) {
		now = feedFunc(observe, now, 2, load)
		d := a.Decide(State{Now: now, Desired: desired, Ready: desired})
		if d.Desired < desired {
			ins = append(ins, d.Reason)
		}
		desired = d.Desired
	}
	if a.backlog <= 0 {
		t.Fatal("no backlog seen after the spike; the test does not exercise the queue")
	}
	if desired > 5 || !strings.Contains(strings.Join(ins, "\n"), "patterns need no more") {
		t.Fatalf("20 s after the spike with a queue of one: %d instances after scale-ins %q, want ≤ 5 released by the pattern", desired, ins)
	}
}

// A pattern's rise already looks a lead ahead, so the release holds a
// timer's capacity only while the next spike is due within one lead: with
// a 120 s cold start (136 s lead), 220 s before the next firing of a
// 7-minute timer the last spike's capacity is given back. Read at every
// step of the horizon, the rise looked two leads (272 s) ahead and held it.
func TestShoalPatternReleaseLooksOneLeadAhead(t *testing.T) {
	a := newShoal(t, Params{Target: 10, ColdStart: 120 * time.Second})
	load := intervalTimer(rand.New(rand.NewPCG(1, 2)))
	now := feedFunc(a.Observe, t0, nextFiring(t0.Add(3*time.Hour))-150, load)
	// From 150 s before the firing to 200 s after it: the spike's minute,
	// then 140 s at the base level; the next firing is 220 s away.
	d, ins := runThrough(a, now, 150+200, load, 5)
	if !strings.Contains(strings.Join(ins, "\n"), "patterns need no more") {
		t.Fatalf("no release on the pattern's word after the spike; scale-ins %q", ins)
	}
	if d.Desired > 6 {
		t.Fatalf("220 s before the next firing (lead 136 s): %+v, want the spike's capacity (≥ 10) given back to ≤ 6", d)
	}
}

// The release only lowers, and reads the surprises over the scale-in
// window in effect: a surprise older than that window (one cold start
// while the scatter floor holds) no longer buys back capacity the window
// has let go (it did, read over the full stabilisation: 14 → 18 with a
// cold start, seconds after the scale-down).
func TestReleaseOnlyLowers(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	r := a.release
	now := t0.Add(time.Hour)
	r.record(now.Add(-60*time.Second), 18) // a minute-old surprise
	r.record(now.Add(-10*time.Second), 15)
	r.byPattern = true // no pattern rise due: the need ahead is 0
	win := 31 * time.Second
	if got, lowered := r.limit(now, 14, 13, win, 10, a.fc); got != 14 || lowered {
		t.Errorf("window holds 14, surprises 15 and (older) 18: %d (lowered %v), want 14 kept", got, lowered)
	}
	if got, lowered := r.limit(now, 16, 13, win, 10, a.fc); got != 15 || !lowered {
		t.Errorf("window holds 16: %d (lowered %v), want 15, the surprise in the window", got, lowered)
	}
	if got, _ := r.limit(now, 16, 13, 93*time.Second, 10, a.fc); got != 16 {
		t.Errorf("a 93 s window holds 16 with an 18 in it: %d, want 16", got)
	}
}
