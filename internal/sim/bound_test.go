package sim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The capacity the formula gives must lose 1% of a lognormal demand's
// requests when sampled; a sign slip in it would lose far more or less.
func TestLognormalCapacityMatchesSampling(t *testing.T) {
	if c := lognormalCapacity(0, 0.01); c != 1 {
		t.Fatalf("no scatter: c = %v, want 1", c)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sigma := range []float64{0.1, 0.3} {
		c := lognormalCapacity(sigma, 0.01)
		const n = 400000
		short, total := 0.0, 0.0
		for range n {
			x := math.Exp(sigma*rng.NormFloat64() - sigma*sigma/2)
			total += x
			short += math.Max(0, x-c)
		}
		if got := short / total; math.Abs(got-0.01) > 0.001 {
			t.Errorf("σ %v: c = %.4f loses %.4f of the requests, want 0.01", sigma, c, got)
		}
	}
	if a, b := lognormalCapacity(0.1, 0.01), lognormalCapacity(0.3, 0.01); a >= b {
		t.Errorf("wider scatter needs more capacity: σ 0.1 → %v, σ 0.3 → %v", a, b)
	}
}

// The estimate finds the scatter a generated trace was given, through a
// daily cycle, and does not count a timer's spikes, which repeat, as
// scatter.
func TestEstimateScatter(t *testing.T) {
	gen := func(g GenSpec) Scatter {
		t.Helper()
		tr, err := Generate(g)
		if err != nil {
			t.Fatal(err)
		}
		return EstimateScatter(tr, 30*time.Second)
	}
	base := GenSpec{Days: 7, Bucket: time.Minute, Seed: 5, BaseRPS: 300, DailyAmp: 0.6, Noise: 0.05}
	jittery := base
	jittery.Jitter = 0.25
	if sc := gen(jittery); !sc.OK || math.Abs(sc.Sigma-0.25) > 0.03 || sc.Cost < 1.4 {
		t.Errorf("jitter 0.25: %+v, want σ ≈ 0.25 and a cost above +40%%", sc)
	}
	timers := base
	timers.Timers = []Timer{{Every: 3, Len: 1, X: 2}, {Every: 5, Len: 2, X: 1.5}}
	sc := gen(timers)
	if !sc.OK || sc.Sigma > 0.05 {
		t.Errorf("timers without jitter: %+v, want σ below 0.05 (the pattern repeats)", sc)
	}
	tr, _ := Generate(timers)
	logs := bucketLogs(tr)
	if lag1, _ := lagScatter(logs, 1, nil); lag1 < 3*sc.Sigma {
		t.Errorf("a lag of one window alone reads the timers as scatter %v; the test no longer shows why lags matter", lag1)
	}

	// Buckets longer than two cold starts: a policy learns each one's
	// level a cold start into it.
	long := jittery
	long.Bucket = 5 * time.Minute
	if sc := gen(long); sc.OK {
		t.Errorf("five-minute buckets: %+v, want no estimate", sc)
	}
	// Buckets shorter than the cold start: oracle pays for their scatter
	// too, so there is nothing to say.
	perSecond := GenSpec{Days: 1, Bucket: time.Second, Seed: 6, BaseRPS: 3, DailyAmp: 0.3}
	if sc := gen(perSecond); sc.OK {
		t.Errorf("per-second counts: %+v, want no estimate", sc)
	}

	// Too few buckets with requests: no estimate.
	sparse := &Trace{Name: "sparse", Bucket: time.Minute, Counts: make([]float64, 500), Missing: make([]bool, 500)}
	for i := 0; i < 500; i += 50 {
		sparse.Counts[i] = 3
	}
	if sc := EstimateScatter(sparse, 30*time.Second); sc.OK {
		t.Errorf("ten busy minutes: %+v, want no estimate", sc)
	}
	// Mostly empty minutes with a timer every hour: the timer's minutes
	// alone are regular, but they are not the trace.
	rng := rand.New(rand.NewPCG(3, 4))
	sparse = &Trace{Name: "sparse", Bucket: time.Minute, Counts: make([]float64, 14*1440), Missing: make([]bool, 14*1440)}
	for i := range sparse.Counts {
		if rng.Float64() < 0.05 {
			sparse.Counts[i] = float64(1 + rng.IntN(5))
		}
		if i%60 == 0 {
			sparse.Counts[i] += 20
		}
	}
	if sc := EstimateScatter(sparse, 30*time.Second); sc.OK {
		t.Errorf("sparse minutes and an hourly timer: %+v, want no estimate", sc)
	}
}

// What scatter costs is paid in instances: a trace that grows from a few
// requests a minute (Poisson scatter of about 45 %) to thousands (5 %) is
// read at its busy level, which is nearly all of its cost.
func TestEstimateScatterWeighsBusyBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 14 * 1440
	tr := &Trace{Name: "growing", Bucket: time.Minute, Counts: make([]float64, n), Missing: make([]bool, n)}
	for i := range tr.Counts {
		if i < n/2 {
			tr.Counts[i] = float64(poisson(rng, 5))
		} else {
			tr.Counts[i] = math.Round(5000 * math.Exp(0.05*rng.NormFloat64()))
		}
	}
	sc := EstimateScatter(tr, 30*time.Second)
	if !sc.OK || sc.Sigma < 0.04 || sc.Sigma > 0.065 {
		t.Fatalf("quiet half then busy half: %+v, want σ of the busy half, 0.05", sc)
	}
}

func TestWriteBarSaysWhenScatterPutsOracleOutOfReach(t *testing.T) {
	rs := []Result{
		{Policy: "hpa", Target: 7, InstanceSeconds: 100 * 3600, ExcessViolPct: 0.1, SLOViolationPct: 0.1},
		{Policy: "shoal", Target: 7, InstanceSeconds: 90 * 3600, ExcessViolPct: 0.1, SLOViolationPct: 0.1},
		{Policy: "oracle", Target: 7, InstanceSeconds: 50 * 3600},
	}
	for _, tc := range []struct {
		cost float64
		out  bool
	}{{1.57, true}, {1.05, false}} {
		b := Compare(rs)
		b.Scatter = Scatter{Sigma: 0.3, Cost: tc.cost, OK: true}
		var sb strings.Builder
		WriteBar(&sb, b)
		if got := strings.Contains(sb.String(), "out of reach"); got != tc.out {
			t.Errorf("scatter cost %v: 'out of reach' printed %v, want %v:\n%s", tc.cost, got, tc.out, sb.String())
		}
		if !strings.Contains(sb.String(), "σ 0.300") {
			t.Errorf("the estimate's σ is missing:\n%s", sb.String())
		}
	}
}
