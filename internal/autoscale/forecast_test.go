package autoscale

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// dailySine is 50 ± 40 in flight, lowest at 06:00 UTC, highest at 18:00.
func dailySine(t time.Time) float64 {
	day := float64(t.Unix()%86400) / 86400
	return 50 - 40*math.Cos(2*math.Pi*(day-0.25))
}

// morningStep is 10 in flight, 100 from 09:00 to 17:00 UTC.
func morningStep(t time.Time) float64 {
	h := t.UTC().Hour()
	if h >= 9 && h < 17 {
		return 100
	}
	return 10
}

// feedFunc observes secs seconds of f (no allocation, no noise).
func feedFunc(obs func(Sample), from time.Time, secs int, f func(time.Time) float64) time.Time {
	for i := 0; i < secs; i++ {
		v := f(from)
		obs(Sample{T: from, InFlight: v, Arrivals: v})
		from = from.Add(time.Second)
	}
	return from
}

// shoalAndReactive makes shoal and its reactive-only ablation with the same
// parameters, and a function that feeds both one sample.
func shoalAndReactive(t *testing.T, p Params) (a, r *Shoal, both func(Sample)) {
	t.Helper()
	a = newShoal(t, p)
	p.Shoal.Reactive = true
	r = newShoal(t, p)
	return a, r, func(s Sample) { a.Observe(s); r.Observe(s) }
}

// restoredCopy is a new shoal policy (target 10) restored from a's
// snapshot.
func restoredCopy(t *testing.T, a *Shoal) *Shoal {
	t.Helper()
	return restoredFrom(t, snapshotOf(t, a))
}

func snapshotOf(t *testing.T, a *Shoal) []byte {
	t.Helper()
	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// restoredFrom is a new shoal policy (target 10) restored from data.
func restoredFrom(t *testing.T, data []byte) *Shoal {
	t.Helper()
	b := newShoal(t, Params{Target: 10})
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	return b
}

func newShoal(t *testing.T, p Params) *Shoal {
	t.Helper()
	a, err := NewShoal(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestForecasterLearnsDailySine(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	obs := func(s Sample) { f.Observe(s.T, s.InFlight) }
	now := feedFunc(obs, t0, 3*86400+9*3600, dailySine) // day 4, 09:00: rising
	if st := f.Status(); st != Usable {
		t.Fatalf("status %v after 3 days, want usable", st)
	}
	at := now.Add(time.Hour)
	point, upper, ok := f.Forecast(at)
	want := dailySine(at)
	if !ok || math.Abs(point-want) > 0.05*want {
		t.Fatalf("forecast of %v = %.1f (ok=%v), want %.1f ± 5%%", at, point, ok, want)
	}
	if point <= dailySine(now) {
		t.Fatalf("forecast %.1f does not rise above now's %.1f", point, dailySine(now))
	}
	if upper < point {
		t.Fatalf("upper %.2f below point %.2f", upper, point)
	}
}

// Shoal asks for the 09:00 capacity before 09:00 while observed demand is
// still at night level; a reactive-only shoal does not.
func TestShoalScalesOutBeforeForecastRise(t *testing.T) {
	a, r, both := shoalAndReactive(t, Params{Target: 10})
	now := feedFunc(both, t0, 3*86400+9*3600-32, morningStep) // 08:59:28, lead 32 s
	st := State{Now: now, Desired: 1, Ready: 1}
	if d := r.Decide(st); d.Desired != 1 {
		t.Fatalf("reactive at 08:59:28: desired = %d, want 1", d.Desired)
	}
	d := a.Decide(st)
	if d.Desired < 10 {
		t.Fatalf("shoal at 08:59:28: desired = %d (%s), want ≥ 10 ahead of the 09:00 rise", d.Desired, d.Reason)
	}
	if !strings.Contains(d.Reason, "forecast") || d.Forecast < 100 {
		t.Fatalf("decision %+v, want a predictive scale-out with forecast ≥ 100", d)
	}
	// It does not scale out needlessly early: at 08:57 the window
	// [now, now+lead] is still all night.
	b := newShoal(t, Params{Target: 10})
	now = feedFunc(b.Observe, t0, 3*86400+9*3600-180, morningStep)
	if d := b.Decide(State{Now: now, Desired: 1, Ready: 1}); d.Desired > 2 {
		t.Fatalf("shoal at 08:57: desired = %d, want night size", d.Desired)
	}
}

// With noisy demand the margin is an upper quantile: above the mean error.
func TestForecasterErrorQuantileAboveMean(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	rng := rand.New(rand.NewPCG(1, 2))
	noise := 0.0
	now := t0
	for i := 0; i < 4*86400; i++ {
		if i%60 == 0 {
			noise = rng.NormFloat64() * 8
		}
		f.Observe(now, math.Max(0, dailySine(now)+noise))
		now = now.Add(time.Second)
	}
	q := f.ErrorQuantile()
	mean := 0.0
	for i, w := range f.errQ.Bins {
		mean += w * (float64(i)*errStep - errRange)
	}
	mean /= f.errQ.Total
	if !(q > mean+0.05) || q <= 0 {
		t.Fatalf("upper quantile %.3f, mean %.3f: want it clearly above the mean error", q, mean)
	}
	point, upper, _ := f.Forecast(now.Add(time.Minute))
	if upper <= point {
		t.Fatalf("upper %.2f not above point %.2f with noisy history", upper, point)
	}
}

func TestForecasterSnapshotRoundTrip(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := feedFunc(a.Observe, t0, 2*86400+3600, dailySine)
	b := restoredCopy(t, a)
	for _, ahead := range []time.Duration{time.Minute, time.Hour, 5 * time.Hour} {
		p1, u1, ok1 := a.fc.Forecast(now.Add(ahead))
		p2, u2, ok2 := b.fc.Forecast(now.Add(ahead))
		if p1 != p2 || u1 != u2 || ok1 != ok2 {
			t.Fatalf("+%v: original %.4f/%.4f/%v, restored %.4f/%.4f/%v", ahead, p1, u1, ok1, p2, u2, ok2)
		}
	}
	if a.fc.Status() != b.fc.Status() || b.fc.Status() != Usable {
		t.Fatalf("status original %v restored %v", a.fc.Status(), b.fc.Status())
	}
	if err := b.Restore([]byte(`{"version":99}`)); err == nil {
		t.Fatal("restore of a wrong version succeeded")
	}
}

// With no history shoal is exactly its reactive part.
func TestShoalDegradesToReactiveWithoutHistory(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := feedConst(a, t0, 120, 35)
	d := a.Decide(State{Now: now, Desired: 4, Ready: 4})
	if d.Desired != 4 || !strings.Contains(d.Reason, "history too short") {
		t.Fatalf("%+v, want 4 from the reactive part, history too short", d)
	}
}

// When demand stops following any pattern the forecast goes unreliable
// and is not used; when the pattern returns, so does the forecast.
func TestForecasterUnreliableAfterPatternChange(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	obs := func(s Sample) { f.Observe(s.T, s.InFlight) }
	now := feedFunc(obs, t0, 3*86400, dailySine)
	if f.Status() != Usable {
		t.Fatalf("status %v, want usable", f.Status())
	}
	rng := rand.New(rand.NewPCG(3, 4))
	level := 5.0
	chaos := func(t time.Time) float64 {
		if t.Second() == 0 && rng.IntN(2) == 0 {
			level = 125 - level // flips between 5 and 120 at random minutes
		}
		return level
	}
	now = feedFunc(obs, now, 2*3600, chaos)
	if f.Status() != Unreliable {
		t.Fatalf("status %v after 2 h of chaos (recent error %.2f), want unreliable", f.Status(), f.RecentError())
	}
	feedFunc(obs, now, 6*3600, dailySine)
	if f.Status() != Usable {
		t.Fatalf("status %v after the pattern returned (recent error %.2f), want usable", f.Status(), f.RecentError())
	}
}

// Shoal scales to zero only after the idle grace, and wakes on demand.
func TestShoalScaleToZero(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := feedConst(a, t0, 60, 5)
	now = feedConst(a, now, 70, 0)
	if d := a.Decide(State{Now: now, Desired: 1, Ready: 1}); d.Desired != 0 {
		t.Fatalf("after 70 s idle: desired = %d (%s), want 0", d.Desired, d.Reason)
	}
	b := newShoal(t, Params{Target: 10})
	now = feedConst(b, t0, 60, 5)
	now = feedConst(b, now, 20, 0)
	if d := b.Decide(State{Now: now, Desired: 1, Ready: 1}); d.Desired != 1 {
		t.Fatalf("after 20 s idle: desired = %d, want 1", d.Desired)
	}
	now = feedConst(b, now, 1, 3)
	if d := b.Decide(State{Now: now, Desired: 0}); d.Desired < 1 {
		t.Fatalf("activation: desired = %d, want ≥ 1", d.Desired)
	}
}

// A burst trips the panic window at once instead of waiting for the
// stable average, and panic holds the count.
func TestShoalPanicOnBurst(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := feedConst(a, t0, 60, 20)
	now = feedConst(a, now, 6, 200)
	d := a.Decide(State{Now: now, Desired: 2, Ready: 2})
	// 200 in flight needs 20; the rising burst is projected further, but one
	// decision may grow 2 instances only tenfold.
	if !d.Panic || d.Desired != 20 {
		t.Fatalf("%+v, want panic with 20 (scale-up rate from 2)", d)
	}
	now = feedConst(a, now, 10, 20)
	if d := a.Decide(State{Now: now, Desired: 20, Ready: 20}); !d.Panic || d.Desired < 20 {
		t.Fatalf("in panic after the load fell: %+v, want ≥ 20 held", d)
	}
}

// In a flat, noisy stretch the forecast (which only predicts "about the
// same") adds no margin: shoal is exactly its reactive part.
func TestShoalNoMarginWithoutPredictedRise(t *testing.T) {
	a, r, both := shoalAndReactive(t, Params{Target: 10})
	rng := rand.New(rand.NewPCG(5, 6))
	noise := 0.0
	flat := func(time.Time) float64 {
		if rng.IntN(60) == 0 {
			noise = rng.NormFloat64() * 4
		}
		return 60 + noise
	}
	now := feedFunc(both, t0, 2*86400, flat)
	if a.fc.Status() != Usable || a.fc.ErrorQuantile() <= 0 {
		t.Fatalf("status %v, quantile %.3f: want a usable forecast with a margin", a.fc.Status(), a.fc.ErrorQuantile())
	}
	for i := 0; i < 100; i++ {
		now = feedFunc(both, now, 2, flat)
		st := State{Now: now, Desired: 7, Ready: 7}
		da, dr := a.Decide(st), r.Decide(st)
		if da.Desired != dr.Desired {
			t.Fatalf("at %v: shoal %d (%s), reactive %d", now, da.Desired, da.Reason, dr.Desired)
		}
	}
}

// With one day of scattered history the profile is mostly noise: every
// minute it predicts a "rise" that is the first day's scatter. Applied to
// the observed level with a margin that grows with the rise, shoal stays
// close to its reactive part instead of buying each minute's noise plus
// the forecast's full error margin.
func TestShoalRiseSizedOnObservedLevel(t *testing.T) {
	a, r, both := shoalAndReactive(t, Params{Target: 10})
	rng := rand.New(rand.NewPCG(7, 8))
	level := 60.0
	scattered := func(ts time.Time) float64 {
		if ts.Second() == 0 {
			level = 60 * math.Exp(0.15*rng.NormFloat64())
		}
		return level
	}
	now := feedFunc(both, t0, 86400+3*3600, scattered)
	if a.fc.Status() != Usable {
		t.Fatalf("status %v after a day, want usable", a.fc.Status())
	}
	var sa, sr, forecastSet int
	desA, desR := 7, 7
	for i := 0; i < 3600; i++ {
		now = feedFunc(both, now, 2, scattered)
		da := a.Decide(State{Now: now, Desired: desA, Ready: desA})
		dr := r.Decide(State{Now: now, Desired: desR, Ready: desR})
		desA, desR = da.Desired, dr.Desired
		sa += desA
		sr += desR
		if strings.Contains(da.Reason, "forecast") {
			forecastSet++
		}
	}
	if forecastSet == 0 {
		t.Fatal("the forecast never set the count: the test does not exercise it")
	}
	if float64(sa) > 1.06*float64(sr) {
		t.Fatalf("mean desired %.2f against reactive %.2f: more than 6%% above for one day's noise", float64(sa)/3600, float64(sr)/3600)
	}
}

// A one-minute spike in the profile (a timer) is not interpolated towards:
// the forecast stays at the level before it until its minute begins, and
// then reads it in full. A step that stays (a ramp's shape) is still
// interpolated.
func TestForecastDoesNotInterpolateTowardsPeakMinute(t *testing.T) {
	load := func(t time.Time) float64 {
		switch h, m := t.Hour(), t.Minute(); {
		case h == 10 && m == 0:
			return 120 // a timer's minute
		case h >= 14 && h < 16:
			return 80 // a step up that stays for two hours
		}
		return 40
	}
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	obs := func(s Sample) { f.Observe(s.T, s.InFlight) }
	day := t0.Add(3 * 86400 * time.Second)
	feedFunc(obs, t0, 3*86400+9*3600, load)
	at := func(h, m, s int) float64 {
		p, _, ok := f.Forecast(day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second))
		if !ok {
			t.Fatalf("no forecast for %02d:%02d:%02d", h, m, s)
		}
		return p
	}
	if p := at(9, 59, 40); p > 44 {
		t.Errorf("20 s before the 10:00 spike minute: %.1f, want the level before it (40 ± 10%%)", p)
	}
	if p := at(10, 0, 5); p < 108 {
		t.Errorf("5 s into the 10:00 spike minute: %.1f, want the spike (120 ± 10%%)", p)
	}
	if p := at(13, 59, 40); p <= 44 || p >= 76 {
		t.Errorf("20 s before a step that stays: %.1f, want interpolated between 40 and 80", p)
	}
}

// A timer every other minute keeps its last spike in the stable window;
// the next spike is ordered at its own size, not that size again over a
// level the last spike inflated.
func TestShoalRiseSizedWithoutTheLastSpike(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	rng := rand.New(rand.NewPCG(11, 12))
	load := addedTimer(rng, 20, 2, 100) // 120 in flight: 12 instances at the target
	// Two days and three hours, then to 30 s before a firing (the lead
	// is 32 s): the last spike ended 30 s ago.
	now := feedFunc(a.Observe, t0, 2*86400+3*3600+60+30, load)
	if a.fc.Status() != Usable {
		t.Fatalf("status %v, want usable", a.fc.Status())
	}
	d := a.Decide(State{Now: now, Desired: 3, Ready: 3})
	if !strings.Contains(d.Reason, "forecast") || d.Desired < 12 || d.Desired > 16 {
		t.Fatalf("30 s before a 12-instance spike: %+v, want 12–16 ordered by the forecast", d)
	}
}
