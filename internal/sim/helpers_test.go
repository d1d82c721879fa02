package sim

import (
	"math"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// testPolicy is a small reactive policy for testing the engines before (and
// independently of) the real ones: desired = ceil(mean in-flight over the
// last 30 s / target), evaluated every 2 s.
type testPolicy struct {
	target   float64
	interval time.Duration
	window   []float64
	size     int
}

func newTestPolicy(target float64) *testPolicy {
	return &testPolicy{target: target, interval: 2 * time.Second, size: 30}
}

func (p *testPolicy) Name() string            { return "test" }
func (p *testPolicy) Interval() time.Duration { return p.interval }
func (p *testPolicy) Observe(s autoscale.Sample) {
	p.window = append(p.window, s.InFlight)
	if len(p.window) > p.size {
		p.window = p.window[1:]
	}
}
func (p *testPolicy) Decide(st autoscale.State) autoscale.Decision {
	m := 0.0
	for _, v := range p.window {
		m += v
	}
	m /= math.Max(1, float64(len(p.window)))
	n := int(math.Ceil(m / p.target))
	if n < 1 {
		n = 1
	}
	return autoscale.Decision{Desired: n, Forecast: m}
}

// fixedPolicy always wants n instances.
type fixedPolicy struct{ n int }

func (p fixedPolicy) Name() string             { return "fixed" }
func (p fixedPolicy) Interval() time.Duration  { return time.Second }
func (p fixedPolicy) Observe(autoscale.Sample) {}
func (p fixedPolicy) Decide(autoscale.State) autoscale.Decision {
	return autoscale.Decision{Desired: p.n}
}

func genDemand(tb interface{ Fatal(...any) }, preset string, days int, peak int, m Model) *Demand {
	g := Presets()[preset]
	if days > 0 {
		g.Days = days
	}
	tr, err := Generate(g)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := NewDemand(tr, m, peak)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// peakSecond is the start of the busiest bucket.
func peakSecond(d *Demand) int64 {
	best := int64(0)
	for t := int64(0); t < d.Seconds(); t += d.width {
		if d.Rate(t) > d.Rate(best) {
			best = t
		}
	}
	return best
}
