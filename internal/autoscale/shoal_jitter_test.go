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
		w.push(50 + 10*rng.NormFloat64())
		j.observe(w)
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
		j.observe(w)
	}
	if j.sigma != 0 {
		t.Fatalf("σ %.1f for a single step, want 0", j.sigma)
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
