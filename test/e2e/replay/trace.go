// Package replay plays one compressed synthetic trace through a live Shoal
// gateway, once per autoscaling policy, and through the simulator
// (internal/sim, what `shoal sim` runs) with the same policies, service
// model and time constants, so the two rankings of the policies can be
// compared. The live side is real: examples/echo processes started by the
// local runtime, a fixed service time per request, the activator's
// per-instance concurrency slots and queue, and the numbers read from the
// gateway's own metrics and API.
package replay

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shoal-gw/shoal/internal/sim"
)

// dayShape is the relative demand at x ∈ [0, 1) of a compressed day: a
// quiet night, a morning ramp to a midday plateau, a quick evening rise to
// the peak and a slower fall back to the night. Piecewise linear between
// the points.
func dayShape(x float64) float64 {
	pts := [][2]float64{
		{0, 0.12}, {0.12, 0.12}, {0.32, 0.55}, {0.52, 0.55},
		{0.60, 1.0}, {0.80, 1.0}, {0.97, 0.12}, {1, 0.12},
	}
	for i := 1; i < len(pts); i++ {
		if x <= pts[i][0] {
			a, b := pts[i-1], pts[i]
			return a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0])
		}
	}
	return pts[len(pts)-1][1]
}

// DayTrace is a per-second trace of the given length whose busiest seconds
// carry about peakRPS requests: the day's shape with Poisson counts drawn
// from seed, so the live run and the simulator replay the same numbers.
func DayTrace(length time.Duration, peakRPS float64, seed uint64) *sim.Trace {
	n := int(length / time.Second)
	rng := rand.New(rand.NewPCG(seed, seed^0xda7))
	counts := make([]float64, n)
	for i := range counts {
		counts[i] = float64(poisson(rng, peakRPS*dayShape(float64(i)/float64(n))))
	}
	return &sim.Trace{
		Name:    fmt.Sprintf("day-%ds-peak%.0f", n, peakRPS),
		Bucket:  time.Second,
		Counts:  counts,
		Missing: make([]bool, n),
	}
}

// WriteCSV writes the trace in `shoal sim` format (--bucket 1s).
func WriteCSV(w io.Writer, tr *sim.Trace) error {
	if err := sim.WriteTrace(w, tr); err != nil {
		return fmt.Errorf("writing trace %s: %w", tr.Name, err)
	}
	return nil
}

// poisson draws a Poisson count: by multiplication for small means, a
// rounded normal above (the counts here are at most a few hundred).
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 50 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
