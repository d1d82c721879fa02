package autoscale

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// feedMinutes feeds the floor one value per second, constant within each
// minute.
func feedMinutes(f *scatterFloor, minutes []float64) {
	for _, m := range minutes {
		for range 60 {
			f.observe(m)
		}
	}
}

// Demand that scatters ±30 % (lognormal) from minute to minute around 100
// is held at level × exp(z × (σ − 0.05)); smooth demand around the same
// level gets no floor.
func TestScatterFloorFollowsTheScatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noisy, smooth := make([]float64, 120), make([]float64, 120)
	for i := range noisy {
		noisy[i] = 100 * math.Exp(0.3*rng.NormFloat64())
		smooth[i] = 100 * (1 + 0.002*rng.NormFloat64())
	}
	fn, fs := newScatterFloor(1.28, 5), newScatterFloor(1.28, 5)
	feedMinutes(fn, noisy)
	feedMinutes(fs, smooth)
	// 100·exp(1.28·0.25) = 138; the level's EWMA and σ's estimate are noisy.
	if v := fn.value(); v < 105 || v > 185 {
		t.Errorf("noisy floor %.1f, want about 138", v)
	}
	if v := fs.value(); v != 0 {
		t.Errorf("smooth floor %.1f, want none", v)
	}
}

// A ramp has no second differences and a lone burst moves their median by
// one place: neither is scatter.
func TestScatterFloorIgnoresRampsAndBursts(t *testing.T) {
	var ms []float64
	for i := range 60 {
		ms = append(ms, 100+2*float64(i)) // +2 %/min down to +1 %/min
	}
	ms[50] = 600 // one burst minute
	f := newScatterFloor(2, 5)
	feedMinutes(f, ms)
	if v := f.value(); v != 0 {
		t.Errorf("floor %.1f after a ramp and one burst minute, want none", v)
	}
	// A steep ramp (+10 %/min, a demo's compressed day) is no scatter either.
	ms = ms[:0]
	for i := range 40 {
		ms = append(ms, 10*math.Pow(1.1, float64(i)))
	}
	g := newScatterFloor(3, 5)
	feedMinutes(g, ms)
	if v := g.value(); v != 0 {
		t.Errorf("floor %.1f on a steep ramp, want none", v)
	}
}

// No demand resets the floor: nothing is held for an idle service.
func TestScatterFloorResetsWhenIdle(t *testing.T) {
	f := newScatterFloor(1.28, 5)
	feedMinutes(f, []float64{100, 140, 80, 130, 75, 130, 100, 70, 140, 100, 80, 130, 100, 75, 135, 100, 140, 80, 130})
	if f.value() == 0 {
		t.Fatal("no floor after 17 minutes of demand")
	}
	feedMinutes(f, []float64{0})
	if v := f.value(); v != 0 {
		t.Fatalf("floor %.1f after an idle minute, want 0", v)
	}
}

// In the policy: a service whose minutes scatter is kept above the
// reactive need of a quiet minute, and the reason says why.
func TestShoalHoldsForScatter(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	rng := rand.New(rand.NewPCG(3, 4))
	now := t0
	for range 60 {
		rate := 1000 * math.Exp(0.3*rng.NormFloat64())
		now = steady(a, now, 60, rate, 0.1)
	}
	// A quiet minute: 600 rps × 0.1 s = 60 in flight, 6 instances.
	now = steady(a, now, 60, 600, 0.1)
	d := a.Decide(State{Now: now, Desired: 6, Ready: 6})
	if d.Desired <= 10 {
		t.Fatalf("desired %d (%s) after a quiet minute in scatter around 100 in flight, want above 10", d.Desired, d.Reason)
	}
	b := newShoal(t, Params{Target: 10, Shoal: ShoalParams{ScatterZ: -1, ScaleDownStabilization: time.Minute}})
	now = t0
	for range 60 {
		now = steady(b, now, 60, 1000*math.Exp(0.3*rng.NormFloat64()), 0.1)
	}
	now = steady(b, now, 180, 600, 0.1)
	if d := b.Decide(State{Now: now, Desired: 6, Ready: 6}); d.Desired > 7 {
		t.Fatalf("with the floor disabled and a 1 min window, desired %d (%s), want the reactive 6–7", d.Desired, d.Reason)
	}
}

// Very wide scatter (σ = 1) would put the lognormal quantile far above
// anything seen; the floor stops at the busiest recent minute.
func TestScatterFloorCappedByTheBusiestMinute(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ms := make([]float64, 90)
	for i := range ms {
		ms[i] = 100 * math.Exp(rng.NormFloat64())
	}
	f := newScatterFloor(3, 5)
	feedMinutes(f, ms)
	top := 0.0
	for _, m := range ms[len(ms)-scatterMinutes:] {
		top = math.Max(top, m)
	}
	if v := f.value(); v <= 0 || v > top*1.0000001 {
		t.Fatalf("floor %.1f, want positive and at most the busiest of the last 30 minutes %.1f", v, top)
	}
}

// After an idle minute the floor starts again: neither σ nor the cap
// remember the minutes before it.
func TestScatterFloorForgetsBeforeAnIdleMinute(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	wide := func(level float64, n int) []float64 {
		ms := make([]float64, n)
		for i := range ms {
			ms[i] = level * math.Exp(rng.NormFloat64())
		}
		return ms
	}
	f := newScatterFloor(3, 5)
	feedMinutes(f, wide(10000, 37)) // the ring's head is not at its start
	feedMinutes(f, []float64{0})
	after := wide(100, 20)
	feedMinutes(f, after)
	top := 0.0
	for _, m := range after {
		top = math.Max(top, m)
	}
	if v := f.value(); v <= 0 || v > top*1.0000001 {
		t.Fatalf("floor %.1f after an idle minute, want positive and at most %.1f, the busiest minute since", v, top)
	}
}

// A timer's spike every few minutes is scatter to the floor unless its
// minutes are skipped (a pattern foresaw them); skipped, smooth demand
// between the spikes gets no floor.
func TestScatterFloorSkipsForeseenSpikes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	seen, skipping := newScatterFloor(3, 5), newScatterFloor(3, 5)
	for i := range 120 {
		v := 100 * (1 + 0.01*rng.NormFloat64())
		if i%3 == 0 {
			v *= 2.5
			skipping.skipMinute()
		}
		feedMinutes(seen, []float64{v})
		feedMinutes(skipping, []float64{v})
	}
	if seen.value() < 150 {
		t.Fatalf("floor %.0f with a spike every 3 minutes seen, want the spikes held as scatter (> 150)", seen.value())
	}
	if skipping.value() != 0 {
		t.Fatalf("floor %.0f with the spikes skipped, want none", skipping.value())
	}
}

// A trace in five-minute buckets that scatter ±30 % is held like the same
// scatter minute by minute: each bucket is one step (its repeated minute
// means made the median second difference zero, and no floor formed).
// Hourly buckets are left to the forecast: no floor, as before.
func TestScatterFloorReadsBucketsOfMinutes(t *testing.T) {
	feed := func(bucket int) *scatterFloor {
		rng := rand.New(rand.NewPCG(3, 4))
		f := newScatterFloor(1.28, 5)
		minutes := make([]float64, 0, 300*bucket)
		for range 300 {
			v := 100 * math.Exp(0.3*rng.NormFloat64())
			for range bucket {
				minutes = append(minutes, v)
			}
		}
		feedMinutes(f, minutes)
		return f
	}
	if v := feed(5).value(); v < 105 || v > 185 {
		t.Errorf("five-minute buckets: floor %.1f, want about 138", v)
	}
	if v := feed(60).value(); v != 0 {
		t.Errorf("hourly buckets: floor %.1f, want none", v)
	}
}

// σ is read from two hours of second differences, not half an hour: the
// estimate of a ±30 % scatter must stay within a sixth of it, where
// half an hour's strayed by a quarter and moved the floor with it.
func TestScatterFloorSigmaIsSteady(t *testing.T) {
	var sum, sum2 float64
	n := 0
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 7))
		f := newScatterFloor(3, 5)
		for i := range 10 * 60 {
			feedMinutes(f, []float64{100 * math.Exp(0.3*rng.NormFloat64())})
			if i >= 150 {
				sum += f.sigma
				sum2 += f.sigma * f.sigma
				n++
			}
		}
	}
	mean := sum / float64(n)
	sd := math.Sqrt(sum2/float64(n) - mean*mean)
	if mean < 0.27 || mean > 0.33 {
		t.Errorf("σ estimated as %.3f on average, want about 0.3", mean)
	}
	if sd > 0.05 {
		t.Errorf("σ's estimate strays by %.3f (standard deviation), want at most 0.05", sd)
	}
}

// While the scatter floor holds, scale-in stabilisation looks back one
// cold start instead of three: the floor already holds the upper quantile
// of the noise that the window's maximum would hold again. Smooth demand
// keeps the full window.
func TestScaleInWindowIsOneColdStartUnderScatter(t *testing.T) {
	p := Params{Target: 10, ColdStart: 30 * time.Second, ActuationDelay: time.Second}
	noisy, smooth := newShoal(t, p), newShoal(t, p)
	rng := rand.New(rand.NewPCG(5, 6))
	now := t0
	for range 60 {
		steady(noisy, now, 60, 1000*math.Exp(0.3*rng.NormFloat64()), 0.1)
		now = steady(smooth, now, 60, 1000, 0.1)
	}
	if got := noisy.scaleInWindow(noisy.scatter.value()); got != 31*time.Second {
		t.Errorf("window under scatter %v, want one cold start plus actuation (31s)", got)
	}
	if got := smooth.scaleInWindow(smooth.scatter.value()); got != 93*time.Second {
		t.Errorf("window for smooth demand %v, want three cold starts (93s)", got)
	}
	// A busy stretch of three times the level, then 40 s back at it: the
	// noisy service gives the busy stretch's capacity back, the smooth one
	// still holds it.
	desired := func(a *Shoal, from time.Time) (time.Time, Decision) {
		var d Decision
		st := State{Desired: 10, Ready: 10}
		for i := 0; i < 40; i += 2 {
			from = steady(a, from, 2, 1000, 0.1)
			st.Now = from
			d = a.Decide(st)
			st.Desired, st.Ready = d.Desired, d.Desired
		}
		return from, d
	}
	for _, a := range []*Shoal{noisy, smooth} {
		busy := now
		for i := 0; i < 60; i += 2 {
			busy = steady(a, busy, 2, 3000, 0.1)
			a.Decide(State{Now: busy, Desired: 30, Ready: 30})
		}
		// Past the panic hold, then 40 s of decisions at the usual level.
		after := steady(a, busy, 31, 1000, 0.1)
		_, d := desired(a, after)
		if a == noisy && d.Desired >= 30 {
			t.Errorf("under scatter, 71 s after a busy minute: desired %d (%s), want the busy minute's 30 given back", d.Desired, d.Reason)
		}
		if a == smooth && d.Desired < 30 {
			t.Errorf("smooth demand, 71 s after a busy minute: desired %d (%s), want it still held by the 93 s window", d.Desired, d.Reason)
		}
	}
}
