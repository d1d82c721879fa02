package autoscale

import (
	"math"
	"strings"
	"testing"
	"time"
)

// staircase is 20 in flight until minute start, then rises by ratio every
// minute (a trace's minute buckets) up to top.
func staircase(start int, ratio, top float64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		m := int(t.Sub(t0) / time.Minute)
		if m < start {
			return 20
		}
		return math.Min(20*math.Pow(ratio, float64(m-start+1)), top)
	}
}

// minuteLevels is levels[m] in minute m from t0, the last level after.
func minuteLevels(levels ...float64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		return levels[min(int(t.Sub(t0)/time.Minute), len(levels)-1)]
	}
}

func feedRamp(r *rampWatch, from time.Time, secs int, f func(time.Time) float64) time.Time {
	for range secs {
		r.observe(from, f(from))
		from = from.Add(time.Second)
	}
	return from
}

func TestRampProjectsAClimb(t *testing.T) {
	load := staircase(10, 1.3, 1e9)
	r := newRampWatch(time.Minute)
	lead := 31 * time.Second
	// Minute 12, second 30: minutes 10, 11 and 12 rose by 30 % each.
	now := feedRamp(&r, t0, 12*60+30, load)
	got, step := r.project(now, lead, 0)
	want := load(now) * 1.3
	if math.Abs(got-want) > 1e-6*want || math.Abs(step-1.3) > 1e-9 {
		t.Fatalf("at 12:30 with a 31 s lead: %.2f (step %.3f), want the next minute's %.2f", got, step, want)
	}
	// Second 20: now + lead is still in this minute, which the reactive
	// windows answer for.
	now = feedRamp(&r, now, 50, load)
	if got, _ := r.project(now, lead, 0); got != 0 {
		t.Errorf("at 13:20, lead within the minute: %.2f, want 0", got)
	}
	// A lead over three boundaries continues the climb three times (×2.2),
	// capped.
	if got, _ := r.project(now, 200*time.Second, 0); math.Abs(got-load(now)*rampMaxGrowth) > 1e-6*got {
		t.Errorf("200 s lead: %.2f, want the cap %v × %.2f", got, rampMaxGrowth, load(now))
	}
	// Scatter of σ 0.2 makes a 30 % rise (log 0.26 < 2.5σ) noise.
	if got, _ := r.project(now.Add(10*time.Second), lead, 0.2); got != 0 {
		t.Errorf("30 %% rises with σ 0.2: %.2f, want 0", got)
	}
}

func TestRampNeedsTwoRises(t *testing.T) {
	lead := 31 * time.Second
	for name, load := range map[string]func(time.Time) float64{
		// One step up, then flat: a level shift, not a climb.
		"one step":     staircase(10, 2, 40),
		"flat":         func(time.Time) float64 { return 20 },
		"4 % a minute": staircase(10, 1.04, 1e9), // under half the least rise
		"falling": func(t time.Time) float64 {
			return 1000 * math.Pow(0.7, float64(int(t.Sub(t0)/time.Minute)))
		},
	} {
		r := newRampWatch(time.Minute)
		now := t0
		for range 20 {
			now = feedRamp(&r, now, 60, load)
			if got, _ := r.project(now.Add(40*time.Second), lead, 0); got != 0 {
				t.Fatalf("%s: projects %.2f at %v", name, got, now.Sub(t0))
			}
		}
	}
	// A gap between minutes forgets them.
	r := newRampWatch(time.Minute)
	load := staircase(0, 1.3, 1e9)
	now := feedRamp(&r, t0, 150, load)
	now = feedRamp(&r, now.Add(5*time.Minute), 30, load)
	if got, _ := r.project(now, lead, 0); got != 0 {
		t.Errorf("after a gap: %.2f, want 0 until two whole minutes rose again", got)
	}
}

// A climb's minutes do not rise evenly: 6 → 8 → 9 (×1.33, ×1.125) with a
// least rise of ×1.13 is a climb of ×1.22 a minute, projected at that
// average. A level shift followed by a minute that rose a hair is not.
func TestRampTakesAnUnevenClimb(t *testing.T) {
	const sigma = 0.05 // least rise exp(2.5σ) = ×1.133
	lead := 31 * time.Second
	r := newRampWatch(time.Minute)
	load := minuteLevels(6, 6, 6, 8, 9)
	now := feedRamp(&r, t0, 4*60+30, load)
	got, step := r.project(now, lead, sigma)
	if want := math.Sqrt(9.0 / 6); math.Abs(step-want) > 1e-9 || math.Abs(got-9*want) > 1e-9 {
		t.Errorf("6 → 8 → 9: %.3f (step %.3f), want %.3f (step %.3f)", got, step, 9*want, want)
	}
	for name, load := range map[string]func(time.Time) float64{
		"shift then a hair": minuteLevels(6, 6, 6, 12, 12.3),
		"a hair then shift": minuteLevels(6, 6, 6, 6.2, 12), // ×1.033 < e^σ
	} {
		r := newRampWatch(time.Minute)
		now := feedRamp(&r, t0, 4*60+30, load)
		if got, _ := r.project(now, lead, sigma); got != 0 {
			t.Errorf("%s: projects %.2f, want 0 (one of the two minutes did not rise)", name, got)
		}
	}
}

// A crowd that gathers over ten minutes, one minute in three flat or down
// (WorldCup-like, 17:45–17:50: need 5, 6, 6, 7, 6, 8), never shows two
// rising minutes in a row; the slope of its last six minutes does. Two level
// shifts in a row, or one, do not make a trend.
func TestRampFollowsASlowClimb(t *testing.T) {
	const sigma = 0.05
	lead := 31 * time.Second
	r := newRampWatch(time.Minute)
	now := feedRamp(&r, t0, 6*60+30, minuteLevels(5, 5, 6, 6, 7, 6, 8))
	got, step := r.project(now, lead, sigma)
	if math.Abs(step-1.0742) > 1e-3 || math.Abs(got-8*step) > 1e-9 {
		t.Errorf("5, 6, 6, 7, 6, 8: %.3f (step %.4f), want the fitted ×1.0742 a minute on 8", got, step)
	}
	// A lead over three boundaries still continues a slope one step.
	if got, _ := r.project(now, 150*time.Second, sigma); math.Abs(got-8*step) > 1e-9 {
		t.Errorf("150 s lead: %.3f, want one step of the slope, %.3f", got, 8*step)
	}
	for name, load := range map[string]func(time.Time) float64{
		"shift in the middle": minuteLevels(5, 5, 5, 5, 10, 10, 10),
		"shift now":           minuteLevels(5, 5, 5, 5, 5, 5, 10),
		"scatter":             minuteLevels(5, 5.5, 4.8, 5.3, 5.6, 4.9, 5.4),
		"quiet now":           minuteLevels(5, 5, 6, 6, 7, 6, 0),
	} {
		r := newRampWatch(time.Minute)
		now := feedRamp(&r, t0, 6*60+30, load)
		if got, _ := r.project(now, lead, sigma); got != 0 {
			t.Errorf("%s: projects %.2f, want 0", name, got)
		}
	}
}

// Shoal orders a climbing flash crowd's next step a lead ahead, from its
// first minutes (no history needed), and names the ramp.
func TestShoalOrdersAheadOfAClimb(t *testing.T) {
	load := staircase(30, 1.3, 400)
	a := newShoal(t, Params{Target: 10})
	now, _ := feedDeciding(a, t0, 33*60+30, load)
	_, d := feedDeciding(a, now, 2, load)
	next := load(now.Add(time.Minute))
	if want := ceilDiv(next, 10); d.Desired < want || !strings.Contains(d.Reason, rampSource) {
		t.Fatalf("30 s before the climb's next step (%.0f in flight): %+v, want ≥ %d for the ramp", next, d, want)
	}
}

// The step is the stable window: under a demo's compression (a window of
// 6 s) a climb is read in 6-second steps, and a clock minute that holds
// hours of the demo's day is not one step.
func TestRampStepIsTheStableWindow(t *testing.T) {
	p, err := Params{Target: 10}.TimeScaled(0.1).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewShoal(p)
	if err != nil {
		t.Fatal(err)
	}
	if a.ramp.width != 6 || a.ramp.minSeen != 1 {
		t.Fatalf("time scale 0.1: ramp step %d s, %d s seen, want 6 and 1", a.ramp.width, a.ramp.minSeen)
	}
	climb := func(t time.Time) float64 { return 20 * math.Pow(1.3, float64(int(t.Sub(t0)/(6*time.Second)))) }
	r := a.ramp
	now := feedRamp(&r, t0, 6*5+3, climb)
	if got, _ := r.project(now, 4*time.Second, 0); math.Abs(got-climb(now)*1.3) > 1e-6*got {
		t.Errorf("6 s steps rising 30 %%: %.2f, want the next step's %.2f", got, climb(now)*1.3)
	}
}

// stepHold keeps what a bucket that stepped up asked for until the bucket
// ends, and only for demand that arrives in buckets.
func TestStepHoldKeepsABucketsCapacityToItsEnd(t *testing.T) {
	level := func(t time.Time) float64 {
		if t.Sub(t0) < 5*time.Minute {
			return 20
		}
		return 60
	}
	r := newRampWatch(time.Minute)
	now := feedRamp(&r, t0, 5*60+20, level) // 20 s into the ×3 bucket
	var h stepHold
	if got := h.apply(6, 2, &r, 0, true); got != 6 {
		t.Fatalf("the queue's order: %d, want 6 unchanged", got)
	}
	now = feedRamp(&r, now, 20, level)
	if got := h.apply(3, 6, &r, 0, true); got != 6 {
		t.Errorf("40 s into the bucket, the queue drained: %d, want the bucket's 6 kept", got)
	}
	if got := h.apply(3, 4, &r, 0, true); got != 4 {
		t.Errorf("held above what exists or is asked for now: %d, want 4", got)
	}
	var live stepHold
	live.apply(6, 2, &r, 0, false)
	if got := live.apply(3, 6, &r, 0, false); got != 3 {
		t.Errorf("demand that moves every second: %d, want no hold", got)
	}
	var noisy stepHold
	noisy.apply(6, 2, &r, 0.5, true)
	if got := noisy.apply(3, 6, &r, 0.5, true); got != 3 {
		t.Errorf("a ×3 step within the scatter (σ 0.5): %d, want no hold", got)
	}
	// The next bucket's first seconds cannot yet tell whether it rose
	// again: the hold carries over until they can (WorldCup-like, 17:34:
	// the hold ended with its bucket, shoal scaled in a second into a
	// bucket that needed all five, then panicked into a cold start).
	now = feedRamp(&r, now, 25, level)
	if got := h.apply(3, 6, &r, 0, true); got != 6 {
		t.Errorf("5 s into the next bucket: %d, want the 6 carried", got)
	}
	if got := live.apply(3, 6, &r, 0, false); got != 3 {
		t.Errorf("demand that moves every second, 5 s into the next bucket: %d, want no carry", got)
	}
	feedRamp(&r, now, 25, level) // the next bucket, as high, is no step up
	if got := h.apply(3, 6, &r, 0, true); got != 3 {
		t.Errorf("the next bucket, level: %d, want 3", got)
	}
	// Nor does the bucket after a level one carry anything.
	now = feedRamp(&r, now.Add(25*time.Second), 35, level)
	if got := h.apply(3, 6, &r, 0, true); got != 3 {
		t.Errorf("5 s into a bucket after a level one: %d, want 3", got)
	}
}

// Through Shoal, with instances that take 31 s to start and a queue: a
// minute bucket that triples (need 1 → 3 at a 7.5 target) builds a queue,
// and what was ordered for the bucket and its queue stays until the bucket
// ends. Without the hold, two of the six went the second the first three
// became ready and drained the queue.
func TestShoalKeepsAStepsCapacityToItsEnd(t *testing.T) {
	a := newShoal(t, Params{Target: 7.5})
	desired, ready := 2, 2
	var starting []time.Time // when each ordered instance becomes ready
	q, held, named := 0.0, 0, false
	now := t0
	for s := 0; s < 32*60; s++ {
		v := 7.5 * math.Exp(0.05*math.Sin(float64(s/60)*2.3)) // a scattered minute level
		if s >= 30*60 {
			v = 22.5
		}
		for len(starting) > 0 && !now.Before(starting[0]) {
			starting, ready = starting[1:], ready+1
		}
		// 10 slots per instance, 100 ms per request: in-flight beyond the
		// slots queues 10 requests a second per slot short.
		slots := float64(10 * ready)
		q = math.Max(0, q+(v-slots)/0.1)
		a.Observe(Sample{T: now, InFlight: math.Min(v, slots) + q, Arrivals: v / 0.1,
			Completions: math.Min(v, slots) / 0.1, Queued: q, QueueMeasured: true})
		if s%2 == 0 {
			d := a.Decide(State{Now: now, Desired: desired, Ready: ready, Starting: len(starting)})
			for range d.Desired - desired {
				starting = append(starting, now.Add(31*time.Second))
			}
			if n := desired - d.Desired; n > 0 {
				k := min(n, len(starting))
				starting, ready = starting[:len(starting)-k], ready-(n-k)
			}
			desired = d.Desired
			switch in := s - 30*60; {
			case in >= 0 && in < 34:
				held = max(held, desired)
			case in >= 34 && in < 60 && desired == held && strings.Contains(d.Reason, "step hold"):
				named = true
			case in >= 34 && in < 60 && desired < held:
				t.Fatalf("%d s into the bucket, queue drained (%.0f queued): desired %d (%s), want the bucket's %d kept", in, q, desired, d.Reason, held)
			}
		}
		now = now.Add(time.Second)
	}
	if held <= 4 {
		t.Fatalf("the bucket and its queue ordered %d, want more than its level needs (3 + hysteresis): the test does not exercise the queue", held)
	}
	if !named {
		t.Errorf("no decision named the step hold while it held %d", held)
	}
	if desired >= held {
		t.Errorf("a minute into the next (level) bucket: desired %d, want the hold over (below %d)", desired, held)
	}
}
