package sim

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// smallModel keeps the request engine fast in tests: a peak of 6 instances
// is ~500 requests/s.
func smallModel() Model {
	m := DefaultModel()
	m.ColdStart = 20 * time.Second
	return m
}

func slice(t *testing.T, d *Demand, from, length time.Duration) *Demand {
	t.Helper()
	s, err := d.Slice(from, length)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRequestEngineDeterministicForSeed(t *testing.T) {
	m := smallModel()
	d := slice(t, genDemand(t, "bursty", 1, 4, m), 6*time.Hour, 20*time.Minute)
	run := func(seed uint64) string {
		m.Seed = seed
		r, err := Run(d, newTestPolicy(6), m, Options{Engine: "request", Initial: -1})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		return string(b)
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Errorf("same seed, different results:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds gave identical results: %s", a)
	}
}

// Every request that arrives is served on time, late, timed out or
// rejected: nothing is lost or counted twice, also through an outage with
// no instances and a full queue.
func TestConservation(t *testing.T) {
	m := smallModel()
	m.QueueLimit = 200
	d := slice(t, genDemand(t, "growth-flash", 1, 5, m), 10*time.Hour, 15*time.Minute)
	for _, eng := range []string{"fluid", "request"} {
		for _, tc := range []struct {
			name string
			n    int
		}{{"starved", 0}, {"short", 2}, {"ample", 8}} {
			r, acc, err := run(d, fixedPolicy{n: tc.n}, m, Options{Engine: eng, Initial: tc.n})
			if err != nil {
				t.Fatal(err)
			}
			sum := acc.ok + acc.late + acc.timedOut + acc.rejected
			if math.Abs(sum-acc.requests) > 1e-6*math.Max(1, acc.requests) {
				t.Errorf("%s/%s: ok+late+timed out+rejected = %v, requests = %v", eng, tc.name, sum, acc.requests)
			}
			if tc.n == 0 && r.SLOViolationPct < 99.9 {
				t.Errorf("%s/%s: no instances ever but only %.2f%% violations", eng, tc.name, r.SLOViolationPct)
			}
			if tc.n == 2 && acc.rejected == 0 {
				t.Errorf("%s/%s: overloaded with a queue limit but nothing rejected", eng, tc.name)
			}
			if tc.n == 8 && r.SLOViolationPct > 0.5 {
				t.Errorf("%s/%s: ample capacity but %.2f%% violations", eng, tc.name, r.SLOViolationPct)
			}
		}
	}
}

// The fluid engine must agree with the request-level engine, compared as
// the mean of several seeds: near full load one seed's Poisson arrivals
// move the onset of an overload by a minute, and with it the violations of
// the one-short case by ±3 points (47.5–54.3% over ten seeds, σ 2.3, mean
// 52.2%, where the fluid engine says 53.3%), so that case takes eight
// seeds (σ of the mean 0.8) and the others four. Tolerances:
// violations within 2 percentage points (and within 25% relative when they
// are large), instance-seconds within 5%, p99 within 25%.
func TestEnginesAgree(t *testing.T) {
	m := smallModel()
	full := genDemand(t, "diurnal", 2, 6, m)
	peak := time.Duration(peakSecond(full)) * time.Second
	cases := []struct {
		name   string
		from   time.Duration
		policy autoscale.Policy
		init   int
		seeds  uint64
	}{
		// Half an hour of a rising evening with one instance short.
		{"fixed-under", peak - 3*time.Hour, fixedPolicy{n: 5}, 5, 8},
		{"reactive", peak - 3*time.Hour, newTestPolicy(9), -1, 4},
		// A target at 98% of the slots keeps the queue near saturation.
		{"reactive-tight", peak - 15*time.Minute, newTestPolicy(9.8), -1, 4},
		// Scale from zero: the first cold start is an outage.
		{"cold-from-zero", peak - time.Hour, newTestPolicy(8), 0, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := slice(t, full, c.from, 30*time.Minute)
			runOne := func(eng string, seed uint64) Result {
				pol := c.policy
				if tp, ok := pol.(*testPolicy); ok {
					pol = newTestPolicy(tp.target)
				}
				mm := m
				mm.Seed = seed
				r, err := Run(d, pol, mm, Options{Engine: eng, Initial: c.init})
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			f := runOne("fluid", 1)
			var r Result
			n := float64(c.seeds)
			for seed := range c.seeds {
				x := runOne("request", seed+1)
				r.SLOViolationPct += x.SLOViolationPct / n
				r.InstanceSeconds += x.InstanceSeconds / n
				r.P99LatencyMs += x.P99LatencyMs / n
			}
			t.Logf("fluid        viol %.3f%% inst-s %.0f p99 %.0f ms", f.SLOViolationPct, f.InstanceSeconds, f.P99LatencyMs)
			t.Logf("request mean viol %.3f%% inst-s %.0f p99 %.0f ms", r.SLOViolationPct, r.InstanceSeconds, r.P99LatencyMs)
			dv := math.Abs(f.SLOViolationPct - r.SLOViolationPct)
			if dv > 2 || (r.SLOViolationPct > 4 && dv > 0.25*r.SLOViolationPct) {
				t.Errorf("violations differ: fluid %.3f%%, request %.3f%%", f.SLOViolationPct, r.SLOViolationPct)
			}
			if math.Abs(f.InstanceSeconds-r.InstanceSeconds) > 0.05*r.InstanceSeconds {
				t.Errorf("instance-seconds differ by more than 5%%: fluid %.0f, request %.0f", f.InstanceSeconds, r.InstanceSeconds)
			}
			if math.Abs(f.P99LatencyMs-r.P99LatencyMs) > 0.25*r.P99LatencyMs {
				t.Errorf("p99 differs by more than 25%%: fluid %.0f, request %.0f", f.P99LatencyMs, r.P99LatencyMs)
			}
		})
	}
}

func TestResultJSONContract(t *testing.T) {
	m := smallModel()
	d := slice(t, genDemand(t, "diurnal", 1, 4, m), 0, time.Hour)
	r, err := Run(d, newTestPolicy(7), m, Options{Initial: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"policy", "requests", "slo_violation_pct", "instance_seconds", "p99_latency_ms",
		"scaling_actions", "cold_starts", "under_provisioned_time_pct", "over_provisioned_time_pct", "target"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if obj["policy"] != "test" || obj["requests"].(float64) <= 0 || obj["instance_seconds"].(float64) <= 0 {
		t.Errorf("implausible result: %s", b)
	}
}

func TestRescaleHitsPeakInstances(t *testing.T) {
	m := DefaultModel()
	for _, peak := range []int{3, 20, 57} {
		d := genDemand(t, "diurnal", 2, peak, m)
		if d.Peak != peak {
			t.Errorf("peak-instances %d: rescaled peak needs %d", peak, d.Peak)
		}
	}
}

// With a real policy (hpa) through one flash crowd, the request engine's
// outcome depends on the seed: a few unlucky seconds of Poisson arrivals
// near full load decide whether hpa's 15 s sync catches the rise before
// the overload (0.00–1.55% violations over ten seeds for this hour). The
// fluid engine follows one mean path, which lands on one side of that edge
// (0.99%: it crosses hpa's tolerance later than noise does in most seeds),
// so for one event it is checked to be an outcome the request engine also
// produces: violations within the seeds' range and cost within 20% of
// their mean. TestEnginesAgreeOnAnOutage checks a larger event closely.
func TestEnginesAgreeRealPolicySeedRange(t *testing.T) {
	m := smallModel()
	m.ColdStart = 30 * time.Second
	full := genDemand(t, "growth-flash", 3, 6, m)
	d := slice(t, full, 33*time.Hour, time.Hour) // holds a flash crowd
	s := &Setup{Demand: d, Model: m, Metric: "concurrency", Min: 1, Engine: "fluid"}
	f, err := s.RunJob(Job{Policy: "hpa", Target: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Engine = "request"
	const seeds = 8
	lo, hi, cost := math.Inf(1), math.Inf(-1), 0.0
	for seed := uint64(1); seed <= seeds; seed++ {
		s.Model.Seed = seed
		r, err := s.RunJob(Job{Policy: "hpa", Target: 8}, nil)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi = min(lo, r.SLOViolationPct), max(hi, r.SLOViolationPct)
		cost += r.InstanceSeconds / seeds
	}
	t.Logf("fluid viol %.3f%% inst-s %.0f; request viol %.3f–%.3f%%, mean inst-s %.0f", f.SLOViolationPct, f.InstanceSeconds, lo, hi, cost)
	if f.SLOViolationPct < lo || f.SLOViolationPct > hi {
		t.Errorf("fluid violations %.3f%% outside the request engine's %.3f–%.3f%%", f.SLOViolationPct, lo, hi)
	}
	if math.Abs(f.InstanceSeconds-cost) > 0.2*cost {
		t.Errorf("instance-seconds differ by more than 20%%: fluid %.0f, request mean %.0f", f.InstanceSeconds, cost)
	}
}

// On a large event the engines agree closely: weekly-outage's first outage
// and its retry surge, where every baseline scales in and meets the return
// of the traffic short, and hpa overshoots on its queue-inflated signal.
// Tolerance: violations within 0.3 points (and 10%), cost and the largest
// instance count within 3%.
func TestEnginesAgreeOnAnOutage(t *testing.T) {
	m := smallModel()
	m.ColdStart = 30 * time.Second
	full := genDemand(t, "weekly-outage", 0, 6, m)
	d := slice(t, full, 261*time.Hour, 90*time.Minute)
	s := &Setup{Demand: d, Model: m, Metric: "concurrency", Min: 1, Engine: "fluid"}
	f, err := s.RunJob(Job{Policy: "hpa", Target: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Engine = "request"
	r, err := s.RunJob(Job{Policy: "hpa", Target: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fluid viol %.3f%% inst-s %.0f max %d; request viol %.3f%% inst-s %.0f max %d",
		f.SLOViolationPct, f.InstanceSeconds, f.MaxInstances, r.SLOViolationPct, r.InstanceSeconds, r.MaxInstances)
	if r.SLOViolationPct < 1 {
		t.Fatalf("the slice should hold an outage and its surge; request engine has %.3f%% violations", r.SLOViolationPct)
	}
	if dv := math.Abs(f.SLOViolationPct - r.SLOViolationPct); dv > 0.3 || dv > 0.1*r.SLOViolationPct {
		t.Errorf("violations differ: fluid %.3f%%, request %.3f%%", f.SLOViolationPct, r.SLOViolationPct)
	}
	if math.Abs(f.InstanceSeconds-r.InstanceSeconds) > 0.03*r.InstanceSeconds {
		t.Errorf("instance-seconds differ by more than 3%%: fluid %.0f, request %.0f", f.InstanceSeconds, r.InstanceSeconds)
	}
	if d := math.Abs(float64(f.MaxInstances - r.MaxInstances)); d > 0.03*float64(r.MaxInstances) {
		t.Errorf("largest instance count differs by more than 3%%: fluid %d, request %d", f.MaxInstances, r.MaxInstances)
	}
}
