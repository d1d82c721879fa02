package sim

import (
	"math"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// recordPolicy is a fixed count that keeps every sample it observes.
type recordPolicy struct {
	fixedPolicy
	samples []autoscale.Sample
}

func (p *recordPolicy) Observe(s autoscale.Sample) { p.samples = append(p.samples, s) }

// Both engines report the gateway queue: it is part of in-flight, what is
// left is in service (at most the slots there are, and by Little's law the
// requests started times the mean service time), and it is large only
// when capacity is short.
func TestEnginesReportQueued(t *testing.T) {
	m := smallModel()
	d := slice(t, genDemand(t, "growth-flash", 1, 5, m), 10*time.Hour, 15*time.Minute)
	mean := newService(m).mean
	for _, eng := range []string{"fluid", "request"} {
		for _, n := range []int{2, 8} {
			p := &recordPolicy{fixedPolicy: fixedPolicy{n: n}}
			if _, _, err := run(d, p, m, Options{Engine: eng, Initial: n}); err != nil {
				t.Fatal(err)
			}
			var queued, inService, started float64
			for i, s := range p.samples {
				if !s.QueueMeasured {
					t.Fatalf("%s/%d: second %d: queue not measured", eng, n, i)
				}
				if s.Queued < 0 || s.Queued > s.InFlight+1e-9 {
					t.Fatalf("%s/%d: second %d: queued %.3f outside [0, in flight %.3f]", eng, n, i, s.Queued, s.InFlight)
				}
				if busy := s.InFlight - s.Queued; busy > float64(n*m.Slots)+1e-9 {
					t.Fatalf("%s/%d: second %d: %.3f in service on %d slots", eng, n, i, busy, n*m.Slots)
				}
				queued += s.Queued
				inService += s.InFlight - s.Queued
				started += s.Completions
			}
			secs := float64(len(p.samples))
			if w := inService / started; math.Abs(w-mean) > 0.1*mean {
				t.Errorf("%s/%d: in service ÷ started = %.4f s, want the mean service time %.4f s", eng, n, w, mean)
			}
			switch q := queued / secs; {
			case n == 2 && q < float64(n*m.Slots):
				t.Errorf("%s/%d: overloaded but only %.1f queued on average", eng, n, q)
			case n == 8 && q > 0.05*inService/secs:
				t.Errorf("%s/%d: ample capacity but %.1f queued on average (%.1f in service)", eng, n, q, inService/secs)
			}
			t.Logf("%s/%d: queued %.2f, in service %.2f, work %.4f", eng, n, queued/secs, inService/secs, inService/started)
		}
	}
}
