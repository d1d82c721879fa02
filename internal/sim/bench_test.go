package sim

import (
	"testing"
)

// BenchmarkFluid90Days replays 90 days of a per-minute trace with the fluid
// engine. The goal is under 10 s per policy on one core; this uses a
// cheap test policy, so it measures the engine's share.
func BenchmarkFluid90Days(b *testing.B) {
	m := DefaultModel()
	g := Presets()["growth-flash"]
	g.Days = 90
	g.TrendPerDay = 0.005
	tr, err := Generate(g)
	if err != nil {
		b.Fatal(err)
	}
	d, err := NewDemand(tr, m, 20)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Run(d, newTestPolicy(8), m, Options{Initial: -1, Target: 8}); err != nil {
			b.Fatal(err)
		}
	}
}
