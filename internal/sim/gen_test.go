package sim

import (
	"math"
	"sort"
	"testing"
	"time"
)

// Jitter adds independent per-bucket scatter: the median absolute change
// of log counts between neighbouring buckets grows with it, while the
// mean rate stays (the lognormal factor is mean-preserving).
func TestGenerateJitter(t *testing.T) {
	g := GenSpec{Days: 2, Bucket: time.Minute, Seed: 9, BaseRPS: 200, DailyAmp: 0.5, Noise: 0.05}
	smooth, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	g.Jitter = 0.3
	rough, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	mad := func(tr *Trace) float64 {
		var d []float64
		for i := 1; i < len(tr.Counts); i++ {
			d = append(d, math.Abs(math.Log(tr.Counts[i])-math.Log(tr.Counts[i-1])))
		}
		return median(d)
	}
	ms, mr := mad(smooth), mad(rough)
	// Two independent N(0, 0.3) differ by |N(0, 0.42)|, median 0.29.
	if ms > 0.05 || mr < 0.2 || mr > 0.4 {
		t.Fatalf("median |Δ log| %.3f without jitter, %.3f with 0.3; want < 0.05 and about 0.29", ms, mr)
	}
	mean := func(tr *Trace) float64 {
		s := 0.0
		for _, c := range tr.Counts {
			s += c
		}
		return s / float64(len(tr.Counts))
	}
	if r := mean(rough) / mean(smooth); r < 0.95 || r > 1.05 {
		t.Fatalf("jitter changed the mean rate by a factor %.3f", r)
	}
}

// Every preset belongs to exactly one set, and the stress set is new
// shapes, not copies of the others.
func TestPresetSets(t *testing.T) {
	all, held := AllPresets()
	counts := map[string]int{}
	for n := range all {
		set := PresetSet(n)
		counts[set]++
		if (set == SetHeldOut) != held[n] {
			t.Errorf("%s: set %q, held out %v", n, set, held[n])
		}
	}
	if counts[SetTuning] != 4 || counts[SetHeldOut] != 3 || counts[SetStress] != 6 || counts[""] != 0 {
		t.Fatalf("sets %v, want 4 tuning, 3 held out, 6 stress", counts)
	}
	if PresetSet("nope") != "" {
		t.Fatal("an unknown preset has a set")
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
