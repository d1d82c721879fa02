package sim

import (
	"math"
	"sort"
	"strings"
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
	if counts[SetTuning] != 4 || counts[SetHeldOut] != 3 || counts[SetStress] != 11 || counts[""] != 0 {
		t.Fatalf("sets %v, want 4 tuning, 3 held out, 11 stress", counts)
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

// Timers multiply the rate in their minutes only, each on its own period.
func TestGenerateTimers(t *testing.T) {
	g := GenSpec{Days: 1, Bucket: time.Minute, Seed: 1, BaseRPS: 1000,
		Timers: []Timer{{Every: 7, Len: 1, X: 2}, {Every: 50, Len: 3, X: 3}}}
	tr, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	for i := 100; i < 400; i++ {
		want := 1.0
		if i%7 == 0 {
			want *= 2
		}
		if i%50 < 3 {
			want *= 3
		}
		// The daily cycle moves slowly: compare with the quiet neighbours'
		// mean, with room for Poisson noise (±2 % at these counts).
		base := (tr.Counts[i-1] + tr.Counts[i+1]) / 2
		if i%7 == 1 || i%7 == 6 || (i+1)%50 < 3 || (i-1)%50 < 3 {
			continue
		}
		if got := tr.Counts[i] / base; math.Abs(got-want) > 0.1*want {
			t.Fatalf("minute %d: %.2f × its neighbours, want %.1f", i, got, want)
		}
	}
}

// Matches raise the rate at their kick-off slots on match days only, and
// build up over minutes rather than jumping.
func TestGenerateMatches(t *testing.T) {
	g := GenSpec{Days: 4, Bucket: time.Minute, Seed: 3, BaseRPS: 1000,
		Matches: &Matches{FirstDay: 2, LastDay: 3, Slots: []float64{12}, PerDay: [2]int{1, 1}, XMin: 5, XMax: 5}}
	tr, err := Generate(g)
	if err != nil {
		t.Fatal(err)
	}
	at := func(day int, hour float64) float64 { return tr.Counts[day*1440+int(hour*60)] }
	for d := 0; d < 4; d++ {
		r := at(d, 13.5) / at(d, 11)
		switch match := d >= 2; {
		case match && (r < 3.5 || r > 6.5):
			t.Errorf("day %d: 13:30 / 11:00 = %.2f, want about the ×5 crowd", d, r)
		case !match && r > 1.5:
			t.Errorf("day %d: 13:30 / 11:00 = %.2f on a day without a match", d, r)
		}
	}
	// The climb takes 5–15 minutes: 11:45 is before any start, 12:25 after
	// every climb; some minute between them is neither.
	day := 2
	base, top := at(day, 11.75), at(day, 12+25.0/60)
	mid := false
	for m := 0; m < 40; m++ {
		v := at(day, 11.75+float64(m)/60)
		mid = mid || (v > 1.5*base && v < 0.8*top)
	}
	if !mid {
		t.Errorf("no minute of the climb between %.0f and %.0f: the crowd jumped", base, top)
	}
	g.Matches.PerDay = [2]int{3, 1}
	if _, err := Generate(g); err == nil || !strings.Contains(err.Error(), "PerDay") {
		t.Errorf("matches with PerDay {3, 1}: error %v, want one naming PerDay", err)
	}
}
