package sim

import (
	"math"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// outageTrace is three days of a daily cycle with, on day three at the
// evening peak, a 30-minute outage (traffic at 5%) and a retry surge that
// doubles the load and fades over 8 minutes.
func outageTrace() *Trace {
	const days = 3
	tr := &Trace{Name: "outage", Bucket: time.Minute, Counts: make([]float64, days*1440), Missing: make([]bool, days*1440)}
	start := 2*1440 + 18*60
	for i := range tr.Counts {
		rate := 300 * (1 + 0.6*math.Cos(2*math.Pi*(float64(i%1440)/60-19)/24))
		switch dt := float64(i - start); {
		case dt >= 0 && dt < 30:
			rate *= 0.05
		case dt >= 30 && dt < 60:
			rate *= 1 + math.Exp(-(dt-30)/8)
		}
		tr.Counts[i] = math.Round(rate * 60)
	}
	return tr
}

// The bar in miniature, end to end through the simulator: at the same
// target, shoal meets the return from an outage with capacity ready and so
// has well under half hpa's and kpa's excess violations, for a cost within
// a few percent of theirs.
func TestShoalOutageEndToEnd(t *testing.T) {
	m := DefaultModel()
	d, err := NewDemand(outageTrace(), m, 20)
	if err != nil {
		t.Fatal(err)
	}
	s := &Setup{Demand: d, Model: m, Metric: "concurrency", Min: 1}
	rs, err := s.RunAll([]Job{{Policy: "shoal", Target: 8.5}, {Policy: "hpa", Target: 8.5}, {Policy: "kpa", Target: 8.5 / autoscale.DefaultKPAUtilization}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	shoal := rs[0]
	for _, b := range rs[1:] {
		t.Logf("%s: excess %.4f%%, %.0f instance-hours; shoal %.4f%%, %.0f", b.Policy, b.ExcessViolPct, b.InstanceHours, shoal.ExcessViolPct, shoal.InstanceHours)
		if b.ExcessViolPct < 0.01 {
			t.Fatalf("%s: excess %.4f%%: the outage should cost a reactive policy violations", b.Policy, b.ExcessViolPct)
		}
		if shoal.ExcessViolPct > 0.5*b.ExcessViolPct {
			t.Errorf("shoal excess %.4f%%, %s %.4f%%: want at most half", shoal.ExcessViolPct, b.Policy, b.ExcessViolPct)
		}
		if shoal.InstanceHours > 1.1*b.InstanceHours {
			t.Errorf("shoal %.0f instance-hours, %s %.0f: want within 10%%", shoal.InstanceHours, b.Policy, b.InstanceHours)
		}
	}
}
