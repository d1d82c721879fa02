package autoscaler

import (
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

func TestTimeScaleShortensPolicyIntervals(t *testing.T) {
	cases := []struct {
		policy   string
		interval time.Duration
	}{{"shoal", 200 * time.Millisecond}, {"hpa", 1500 * time.Millisecond}, {"kpa", 200 * time.Millisecond}}
	for _, c := range cases {
		p, err := Spec{Policy: c.policy, TimeScale: 0.1}.NewPolicy(3 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if p.Interval() != c.interval {
			t.Errorf("%s at 0.1: interval %v, want %v", c.policy, p.Interval(), c.interval)
		}
	}
	p, err := Spec{Policy: "shoal", TimeScale: 0.1}.NewPolicy(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if l := p.(interface{ Lead() time.Duration }).Lead(); l != 3200*time.Millisecond {
		t.Errorf("shoal lead at 0.1 with a 3 s cold start: %v, want 3.2s (real cold start + the scaled 2 s interval)", l)
	}
	real, err := Spec{Policy: "shoal"}.NewPolicy(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if real.Interval() != 2*time.Second {
		t.Errorf("unscaled shoal interval %v", real.Interval())
	}
}

// secondsToScaleIn feeds a policy 60 s of load needing 4 instances, then a
// load needing 2 (not so low that shoal's outage guard reads it as a
// collapse), and returns how long after the drop it asked for 2.
func secondsToScaleIn(t *testing.T, spec Spec) int {
	t.Helper()
	p, err := spec.NewPolicy(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	desired, peak := 1, 1
	for s := 0; s < 1200; s++ {
		now := t0.Add(time.Duration(s) * time.Second)
		v := 12.0
		if s < 60 {
			v = 35
		}
		p.Observe(autoscale.Sample{T: now, Arrivals: v, Completions: v, InFlight: v})
		d := p.Decide(autoscale.State{Now: now.Add(time.Second), Desired: desired, Ready: desired})
		desired = d.Desired
		peak = max(peak, desired)
		if s >= 60 && desired <= 2 {
			if peak < 4 {
				t.Fatalf("%s at time scale %v never scaled out for the load: peak %d", spec.Policy, spec.TimeScale, peak)
			}
			return s - 60
		}
	}
	return -1
}

func TestTimeScaleShortensScaleIn(t *testing.T) {
	for _, policy := range []string{"shoal", "hpa", "kpa"} {
		full := secondsToScaleIn(t, Spec{Policy: policy, Min: 1, Max: 10, Target: 10})
		tenth := secondsToScaleIn(t, Spec{Policy: policy, Min: 1, Max: 10, Target: 10, TimeScale: 0.1})
		t.Logf("%s: back to 2 after %d s at real time, %d s at time scale 0.1", policy, full, tenth)
		if full < 0 || tenth < 0 || tenth*4 > full {
			t.Errorf("%s: scale-in took %d s at 0.1 against %d s at 1: want under a quarter", policy, tenth, full)
		}
	}
}

// TestTimeScaleDefaultsMatchThePolicies checks the spec's time scale end
// to end: at a scale of (almost) 1 the scaled policy must decide as often
// and look as far ahead as the unscaled one.
func TestTimeScaleDefaultsMatchThePolicies(t *testing.T) {
	type leader interface{ Lead() time.Duration }
	for _, policy := range []string{"shoal", "hpa", "kpa", "weekago"} {
		plain, err := Spec{Policy: policy}.NewPolicy(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		scaled, err := Spec{Policy: policy, TimeScale: 1 + 1e-12}.NewPolicy(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if d := plain.Interval() - scaled.Interval(); d > time.Millisecond || d < -time.Millisecond {
			t.Errorf("%s: interval %v unscaled, %v at scale 1", policy, plain.Interval(), scaled.Interval())
		}
		if pl, ok := plain.(leader); ok {
			sl := scaled.(leader)
			if d := pl.Lead() - sl.Lead(); d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("%s: lead %v unscaled, %v at scale 1", policy, pl.Lead(), sl.Lead())
			}
		}
	}
}
