package autoscale

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The per-second scatter is read from the stable window: about σ for
// independent noise, none for demand that steps once.
func TestSecJitterEstimate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := newSecWindow(60 * time.Second)
	j := newSecJitter(w)
	for range 120 {
		v := 50 + 10*rng.NormFloat64()
		w.push(v)
		j.observe(w, v)
	}
	if j.sigma < 6 || j.sigma > 14 {
		t.Fatalf("σ %.1f for noise of σ 10, want 6–14 (a median of 58 differences)", j.sigma)
	}
	for i := range 120 {
		v := 40.0
		if i >= 90 {
			v = 80 // a step at a minute boundary
		}
		w.push(v)
		j.observe(w, v)
	}
	if j.sigma != 0 {
		t.Fatalf("σ %.1f for a single step, want 0", j.sigma)
	}
}

// A trace replayed in 10-second buckets holds each value for 10 seconds:
// the scatter is that of the buckets, read over ten minutes (a minute
// holds six buckets, too few to tell). Minute buckets have none.
func TestSecJitterBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	feed := func(bucket int, sigma float64) *secJitter {
		w := newSecWindow(60 * time.Second)
		j := newSecJitter(w)
		v := 0.0
		for i := range 1200 {
			if i%bucket == 0 {
				v = 50 + sigma*rng.NormFloat64()
			}
			w.push(v)
			j.observe(w, v)
		}
		return j
	}
	if j := feed(10, 10); j.lag != 10 || j.sigma < 7 || j.sigma > 13 {
		t.Fatalf("10-second buckets of σ 10: lag %d σ %.1f, want lag 10 and σ 7–13", j.lag, j.sigma)
	}
	if j := feed(60, 10); j.sigma != 0 {
		t.Fatalf("minute buckets: lag %d σ %.1f, want no scatter (the scatter floor's)", j.lag, j.sigma)
	}
}

// Seconds that scatter by half their level (a rescaled access log) get a
// floor above the mean; seconds with the same mean that scatter by 5 %
// (a busy service's Poisson arrivals) do not, nor with JitterZ < 0.
func TestShoalHoldsForJitter(t *testing.T) {
	run := func(p Params, rel float64) Decision {
		a := newShoal(t, p)
		rng := rand.New(rand.NewPCG(3, 4))
		now := feedFunc(a.Observe, t0, 300, func(time.Time) float64 {
			return math.Max(0, 40*(1+rel*rng.NormFloat64()))
		})
		return a.Decide(State{Now: now, Desired: 5, Ready: 5})
	}
	// Mean 40 at a target of 10: 4 instances for the mean.
	if d := run(Params{Target: 10}, 0.5); d.Desired < 7 || !strings.Contains(d.Reason, "jitter") {
		t.Fatalf("seconds scattering ±50 %%: %+v, want ≥ 7 instances held for the jitter", d)
	}
	if d := run(Params{Target: 10}, 0.05); d.Desired > 5 || strings.Contains(d.Reason, "jitter") {
		t.Fatalf("seconds scattering ±5 %%: %+v, want ≤ 5 and no jitter floor", d)
	}
	off := Params{Target: 10}
	off.Shoal.JitterZ = -1
	if d := run(off, 0.5); strings.Contains(d.Reason, "jitter") {
		t.Fatalf("JitterZ < 0: %+v, want no jitter floor", d)
	}
}

// A trace in 10-second buckets that scatter by 15 %: a busy bucket is
// the scatter, not a burst, and does not panic (it did, and the
// extrapolation and the scale-in window held twice the need); a bucket at
// three times the level still does. With PanicNoiseZ < 0 the busy bucket
// panics as before.
func TestShoalPanicIgnoresBucketScatter(t *testing.T) {
	run := func(p Params, last float64) Decision {
		a := newShoal(t, p)
		rng := rand.New(rand.NewPCG(7, 8))
		v, i := 0.0, 0
		now := feedFunc(a.Observe, t0, 900, func(time.Time) float64 {
			if i%10 == 0 {
				v = 60 * (1 + 0.15*rng.NormFloat64())
			}
			i++
			return v
		})
		// Ready for the level at the target: 60 in flight at 10 a piece.
		now = feedFunc(a.Observe, now, 6, func(time.Time) float64 { return last })
		return a.Decide(State{Now: now, Desired: 7, Ready: 7})
	}
	busy := 60 * (1 + 2.5*0.15) // a 2.5σ bucket: 83 in flight, 9 instances' worth
	if d := run(Params{Target: 10}, busy); d.Panic {
		t.Fatalf("a busy bucket: %+v, want no panic", d)
	}
	if d := run(Params{Target: 10}, 180); !d.Panic || d.Desired < 18 {
		t.Fatalf("a bucket at 3× the level: %+v, want panic and ≥ 18", d)
	}
	off := Params{Target: 10}
	off.Shoal.PanicNoiseZ = -1
	if d := run(off, busy); !d.Panic {
		t.Fatalf("PanicNoiseZ < 0, a busy bucket: %+v, want the old panic", d)
	}
}
