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
		"5 % a minute": staircase(10, 1.05, 1e9),
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
