package autoscale

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// timers is 40 in flight with noise, ×2 for the first minute of every
// quarter hour (a cron job).
func timers(rng *rand.Rand) func(time.Time) float64 { return noisyTimer(rng, 15, 2) }

// noisyTimer is 40 in flight with ±5 % noise, ×x in the first minute of
// every period minutes (counted from the Unix epoch).
func noisyTimer(rng *rand.Rand, period int64, x float64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		v := 40 * (1 + 0.1*(rng.Float64()-0.5))
		if (t.Unix()/60)%period == 0 {
			v *= x
		}
		return v
	}
}

// addedTimer is base in flight with ±5 % noise, plus add in the first
// minute of every period minutes: a timer's requests over a load of their
// own, so the spike's ratio to the minutes around it grows as the load
// falls.
func addedTimer(rng *rand.Rand, base float64, period int64, add float64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		v := base * (1 + 0.1*(rng.Float64()-0.5))
		if (t.Unix()/60)%period == 0 {
			v += add
		}
		return v
	}
}

// Within hours, long before the daily profile is usable, shoal learns a
// timer that fires every 15 minutes and orders its capacity a lead ahead;
// a fresh policy (and one fed the same hours without the timer) does not.
func TestShoalLearnsHourlyPattern(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	// Start at 12:00 so the timer fires at whole quarter hours.
	start := t0.Add(12 * time.Hour)
	now := feedFunc(a.Observe, start, 6*3600-60, timers(rand.New(rand.NewPCG(1, 2))))
	// now is 17:59:00; the timer fires at 18:00, 60 s ahead (lead 45 s:
	// decide at 17:59:30).
	now = feedFunc(a.Observe, now, 30, timers(rand.New(rand.NewPCG(3, 4))))
	if s := a.fc.Status(); s != ShortHistory {
		t.Fatalf("status %v, want short history (the daily profile is not usable)", s)
	}
	d := a.Decide(State{Now: now, Desired: 4, Ready: 4})
	if d.Desired < 8 || !strings.Contains(d.Reason, "hourly pattern") {
		t.Fatalf("%+v, want ≥ 8 instances ahead of the timer from the hourly pattern", d)
	}

	// Without a timer nothing is learned: noise is not a pattern.
	b := newShoal(t, Params{Target: 10})
	rng := rand.New(rand.NewPCG(5, 6))
	now = feedFunc(b.Observe, start, 6*3600-30, func(time.Time) float64 { return 35 * (1 + 0.1*(rng.Float64()-0.5)) })
	if d := b.Decide(State{Now: now, Desired: 4, Ready: 4}); d.Desired != 4 {
		t.Fatalf("%+v, want 4: no pattern in noise", d)
	}
	if _, _, ok := b.fc.HourlyRise(now); ok {
		t.Fatal("a rise found in noise")
	}
}

// One flash crowd that lands on a slot is not a pattern: it raises the
// slot's spread as much as its mean.
func TestHourlyPatternIgnoresOneBurst(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	start := t0.Add(12 * time.Hour)
	burst := start.Add(5*time.Hour + 7*time.Minute)
	now := feedFunc(a.Observe, start, 6*3600, func(t time.Time) float64 {
		if !t.Before(burst) && t.Before(burst.Add(time.Minute)) {
			return 120
		}
		return 40
	})
	// Ask at 17:06:30, the burst's slot (07) is within the lead.
	now = now.Add(-time.Hour + 6*time.Minute + 30*time.Second)
	if _, _, ok := a.fc.HourlyRise(now); ok {
		t.Fatal("a single burst was learned as an hourly pattern")
	}
}

// The hourly pattern is saved and restored; a snapshot from before it
// existed restores with an empty one.
func TestHourlyPatternSnapshot(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	start := t0.Add(12 * time.Hour)
	now := feedFunc(a.Observe, start, 6*3600-30, timers(rand.New(rand.NewPCG(1, 2))))
	data := snapshotOf(t, a)
	b := restoredFrom(t, data)
	p1, u1, ok1 := a.fc.HourlyRise(now)
	p2, u2, ok2 := b.fc.HourlyRise(now)
	if !ok1 || p1 != p2 || u1 != u2 || ok1 != ok2 {
		t.Fatalf("original %.3f/%.3f/%v, restored %.3f/%.3f/%v", p1, u1, ok1, p2, u2, ok2)
	}

	// Drop the hourly state, as an older version saved it.
	var snap shoalSnapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	var fc map[string]any
	if err := json.Unmarshal(snap.Forecaster, &fc); err != nil {
		t.Fatal(err)
	}
	delete(fc["state"].(map[string]any), "hourly")
	var err error
	if snap.Forecaster, err = json.Marshal(fc); err != nil {
		t.Fatal(err)
	}
	old, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	c := newShoal(t, Params{Target: 10})
	if err := c.Restore(old); err != nil {
		t.Fatalf("restoring a snapshot without the hourly pattern: %v", err)
	}
	if _, _, ok := c.fc.HourlyRise(now); ok {
		t.Fatal("a pattern restored from a snapshot that had none")
	}
	feedFunc(c.Observe, now, 3600, timers(rand.New(rand.NewPCG(7, 8))))
}

// A timer's spike is the same number of requests whatever the base: over a
// quiet night it is many times the minutes around it, and it is ordered at
// its full size, not capped at a few times the base.
func TestHourlyPatternSizesTallSpikes(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	rng := rand.New(rand.NewPCG(9, 10))
	load := addedTimer(rng, 8, 5, 120) // 128 in flight: 13 instances at the target
	start := t0.Add(12 * time.Hour)
	// Six hours, then to 30 s before a firing (the lead is 32 s).
	now := feedFunc(a.Observe, start, 6*3600-30, load)
	d := a.Decide(State{Now: now, Desired: 2, Ready: 2})
	if d.Desired < 12 {
		t.Fatalf("30 s before a ×15 timer: %+v, want ≥ 12 instances for its 128 in flight", d)
	}
}
