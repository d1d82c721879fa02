package autoscale

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// intervalTimer is 40 in flight with ±5 % noise, ×2.5 in the first minute
// of every 7 (a timer set to an interval, not to clock times: 7 divides
// neither an hour nor a day).
func intervalTimer(rng *rand.Rand) func(time.Time) float64 { return noisyTimer(rng, 7, 2.5) }

// nextFiring is the seconds from t0 to intervalTimer's first firing after t.
func nextFiring(t time.Time) int {
	m := t.Unix()/60 + 1
	for m%7 != 0 {
		m++
	}
	return int(m*60 - t0.Unix())
}

// Within three hours shoal learns a 7-minute timer, which the hourly pattern
// cannot know, orders its capacity a lead ahead, and gives it back as soon
// as the spike is over, long before the forecaster has a day of history.
func TestShoalLearnsIntervalTimer(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	load := intervalTimer(rand.New(rand.NewPCG(1, 2)))
	// Three hours, then on to 30 s before the next firing.
	now := feedFunc(a.Observe, t0, nextFiring(t0.Add(3*time.Hour))-30, load)
	if s := a.fc.Status(); s != ShortHistory {
		t.Fatalf("status %v, want short history", s)
	}
	if _, _, ok := a.fc.HourlyRise(now); ok {
		t.Fatal("the hourly pattern claims a 7-minute timer")
	}
	d := a.Decide(State{Now: now, Desired: 5, Ready: 5})
	if d.Desired < 10 || !strings.Contains(d.Reason, "recurring spike") {
		t.Fatalf("30 s before the timer: %+v, want ≥ 10 instances for the recurring spike", d)
	}
	// Nothing is due three minutes later: no order between firings.
	if _, _, ok := a.fc.PeriodicRise(now.Add(3 * time.Minute)); ok {
		t.Fatal("a recurring spike predicted between firings")
	}
	// Through the spike and 20 s past it: released on the pattern's word
	// (the 124 s scale-in window alone would still hold it, and the 60 s
	// stable window still sees the spike).
	d, ins := runThrough(a, now, 30+60+20, load, d.Desired)
	if d.Desired > 5 || !strings.Contains(strings.Join(ins, "\n"), "patterns need no more") {
		t.Fatalf("20 s after the spike: %+v after scale-ins %q, want ≤ 5 released by the pattern", d, ins)
	}
}

// Neither wide noise nor a flash crowd's plateau is a period.
func TestPeriodicIgnoresNoiseAndPlateaus(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	crowd := t0.Add(5 * time.Hour)
	load := func(t time.Time) float64 {
		v := 40 * (1 + 0.6*(rng.Float64()-0.5)) // ±30 %
		if !t.Before(crowd) && t.Before(crowd.Add(40*time.Minute)) {
			v *= 4
		}
		return v
	}
	a := newShoal(t, Params{Target: 10})
	now := t0
	for now.Before(crowd.Add(50 * time.Minute)) {
		now = feedFunc(a.Observe, now, 60, load)
		if _, _, ok := a.fc.PeriodicRise(now); ok {
			t.Fatalf("a recurring spike predicted at %v", now.Sub(t0))
		}
	}
}

// The recurrence ring is saved and restored, and a snapshot from before it
// existed restores with an empty one.
func TestPeriodicSnapshot(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	now := feedFunc(a.Observe, t0, nextFiring(t0.Add(3*time.Hour))-30, intervalTimer(rand.New(rand.NewPCG(1, 2))))
	b := restoredCopy(t, a)
	p1, u1, ok1 := a.fc.PeriodicRise(now)
	p2, u2, ok2 := b.fc.PeriodicRise(now)
	if !ok1 || p1 != p2 || u1 != u2 || ok1 != ok2 {
		t.Fatalf("restored %v/%v/%v, want %v/%v/true", p2, u2, ok2, p1, u1)
	}
	c := newShoal(t, Params{Target: 10})
	c.fc.st.Periodic = periodState{}
	old, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Restore(old); err != nil || !c.fc.st.Periodic.valid() {
		t.Fatalf("restoring a snapshot without the ring: %v, valid %v", err, c.fc.st.Periodic.valid())
	}
}

// Sharp rises the forecast predicted that did not come switch sharp rises
// off; rises that come switch them back on.
func TestSharpRisesScored(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	for range sharpMinN {
		f.scoreSharpRise(20, 60, 21) // predicted ×2.3, stayed flat
	}
	if !f.SharpRisesMiss() {
		t.Fatalf("hit rate %.2f after %d misses, want sharp rises off", f.st.SharpHits, sharpMinN)
	}
	f.scoreSharpRise(20, 25, 20) // not a sharp rise: not scored
	if f.st.SharpN != sharpMinN {
		t.Fatalf("a %v rise was scored", 35.0/30)
	}
	for range 10 {
		f.scoreSharpRise(20, 60, 55)
	}
	if f.SharpRisesMiss() {
		t.Fatalf("hit rate %.2f after 10 hits, want sharp rises on", f.st.SharpHits)
	}
}

// The minutes of a recurring spike are left out of the forecast's error:
// the profiles cannot learn a 7-minute timer, and with its spikes in it
// the error margin was wider than the demand.
func TestRecurringSpikesOutOfForecastError(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	obs := func(s Sample) { f.Observe(s.T, s.InFlight) }
	feedFunc(obs, t0, 3*86400, intervalTimer(rand.New(rand.NewPCG(3, 4))))
	if q := f.ErrorQuantile(); q > 0.5 {
		t.Fatalf("error quantile %.2f after 3 days of a 7-minute timer, want ≤ 0.5 (1.9 with the spikes in it)", q)
	}
}

// ringOf learns minutes 0…last-1 of ratio(m) with ±3 % alternating noise.
func ringOf(last int64, ratio func(m int64) float64) *periodState {
	p := newPeriodState()
	scratch := make([]float64, periodRing)
	for m := range last {
		noise := 1.03
		if m%2 == 1 {
			noise = 0.97
		}
		p.learn(m, ratio(m)*noise, scratch)
	}
	return &p
}

// ringTimer multiplies a minute's ratio by x every `every` minutes.
type ringTimer struct {
	every int64
	x     float64
}

// timerRatios is the ratio of minute m under the timers (meeting timers
// multiply).
func timerRatios(timers ...ringTimer) func(m int64) float64 {
	return func(m int64) float64 {
		r := 1.0
		for _, t := range timers {
			if m%t.every == 0 {
				r *= t.x
			}
		}
		return r
	}
}

// wantRise checks that minute m is predicted to spike to want (±7 %),
// with an upper bound within 30 % of it.
func wantRise(t *testing.T, p *periodState, m int64, want float64) {
	t.Helper()
	r := p.rise(m)
	if !r.ok || r.level < 0.93*want || r.level > 1.07*want || r.upper > 1.3*want {
		t.Errorf("minute %d: level %.2f upper %.2f ok %v, want level %.2f and upper within 30%%", m, r.level, r.upper, r.ok, want)
	}
}

// Two timers meeting in a minute (7 and 50 minutes, coprime) are predicted
// as the product of their levels; each alone at its own level, not
// inflated by the samples in which it met the other.
func TestPeriodicTimersMeet(t *testing.T) {
	ratio := timerRatios(ringTimer{7, 2.2}, ringTimer{50, 1.6})
	// The ring ends just before minute 1050, where both fire (1050 = 7·150
	// = 50·21); the 7-minute timer met the 50-minute one at 700 too.
	p := ringOf(1050, ratio)
	wantRise(t, p, 1050, 2.2*1.6)
	wantRise(t, p, 1057, 2.2) // the 7-minute timer alone
	p = ringOf(1100, ratio)
	wantRise(t, p, 1100, 1.6) // the 50-minute timer alone
	if p.rise(1101).ok {
		t.Error("minute 1101: a spike predicted where no timer fires")
	}
}

// A half-hourly period that is really two timers (:00 ×3 and :30 ×1.7)
// predicts each at its own level: the hourly members of the family agree,
// the half-hourly one mixes the two.
func TestPeriodicHalfHourIsTwoTimers(t *testing.T) {
	ratio := func(m int64) float64 {
		switch m % 60 {
		case 0:
			return 3
		case 30:
			return 1.7
		}
		return 1
	}
	p := ringOf(600, ratio)
	wantRise(t, p, 600, 3)
	wantRise(t, p, 630, 1.7)
}

// The daily profile learns a drifting timer's minute without the spike:
// the recurrence predicts it, and a 7-minute timer lands on other minutes
// every day, so its spikes would raise the whole profile. A timer on the
// clock stays in the profile.
func TestRecurringSpikesOutOfProfile(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 45*time.Second)
	obs := func(s Sample) { f.Observe(s.T, s.InFlight) }
	feedFunc(obs, t0, 3*86400, intervalTimer(rand.New(rand.NewPCG(5, 6))))
	mean := 0.0
	for _, v := range f.st.Daily {
		mean += v
	}
	mean /= float64(len(f.st.Daily))
	// 40 ± 5 % between spikes; a profile that learned the ×2.5 spikes on
	// one minute in seven averages about 48 (the first day's first hours,
	// before the detector knows the timer, still carry them).
	if mean > 43 {
		t.Fatalf("daily profile averages %.1f after 3 days of a 40-in-flight service with a 7-minute timer, want ≤ 43", mean)
	}
	// A timer on the clock (every 15 minutes) lands on the same minutes
	// every day: the profile keeps it, at the timer's minutes only.
	f = NewForecaster(ForecastParams{}, 10, 45*time.Second)
	obs = func(s Sample) { f.Observe(s.T, s.InFlight) }
	feedFunc(obs, t0, 3*86400, noisyTimer(rand.New(rand.NewPCG(7, 8)), 15, 2.5))
	for i, v := range f.st.Daily {
		m := i % 15 // slot i is minute i of the day
		if m == 0 && v < 80 || m != 0 && v > 50 {
			t.Fatalf("daily profile slot %d (minute %d of 15) holds %.1f; want the 15-minute timer's ×2.5 kept on its minutes only", i, m, v)
		}
	}
}

// Timers whose periods share a divisor (every 5 and every 15 minutes; 10
// and 15) are one family, and the member that sees both timers on every
// occurrence stands for the minutes they meet.
func TestPeriodicNestedTimersMeet(t *testing.T) {
	p := ringOf(600, timerRatios(ringTimer{5, 2}, ringTimer{15, 1.5}))
	for m, want := range map[int64]float64{600: 3, 605: 2, 610: 2, 615: 3} {
		wantRise(t, p, m, want)
	}
	// 10 and 15 minutes: they meet every 30, and the 45-minute multiple,
	// which alternates between the meeting and the 15-minute timer alone,
	// must not stand for the 15-minute timer's own minutes.
	p = ringOf(600, timerRatios(ringTimer{10, 2}, ringTimer{15, 1.5}))
	for m, want := range map[int64]float64{600: 3, 610: 2, 615: 1.5, 620: 2, 630: 3} {
		wantRise(t, p, m, want)
	}
}
