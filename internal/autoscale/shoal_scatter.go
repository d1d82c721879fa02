package autoscale

import (
	"math"
	"slices"
)

// scatterFloor sizes for the minute-to-minute scatter of the demand.
//
// Some services' demand scatters widely from one minute to the next around
// a slowly moving level (few, bursty clients; batch callers; a trace
// recorded at low counts). A rise of such a scatter cannot be foreseen, and
// capacity ordered when it is seen arrives a cold start into the minute:
// the instances have to be there before it. The floor is the upper quantile
// of the demand's recent distribution: exp(level + z·σ) with level an EWMA
// of log minute means and σ a robust estimate of their scatter: the median
// of the absolute second differences of the log minute means (a ramp has
// none, a single burst moves a median of 30 by one place). Smooth demand,
// rising or falling, gets no floor (see scatterCovered).
type scatterFloor struct {
	z     float64
	alpha float64 // EWMA weight of a new minute in the level
	// current minute
	sum float64
	n   int
	// learned
	level, prev     float64 // log minute means
	prevDiff        float64 // the last first difference
	haveLevel       bool
	haveDiff        bool
	diffs           [scatterMinutes]float64 // |Δ² log| ring
	diffN, diffHead int
	// recent are the last log minute means, whose largest caps the floor.
	recent              [scatterMinutes]float64
	recentN, recentHead int
	floor               float64
	scratch             [scatterMinutes]float64
}

// scatterCovered is the scatter (σ of log minute means) that the target's
// own headroom absorbs: even a 95 % target leaves 5 %. Smoother demand
// gets no floor, so that ramps and slow noise cost nothing extra.
const scatterCovered = 0.05

// scatterMinutes is how many second differences σ is estimated from.
const scatterMinutes = 30

func newScatterFloor(z, levelMinutes float64) *scatterFloor {
	return &scatterFloor{z: z, alpha: 1 / math.Max(levelMinutes, 1)}
}

// observe takes one second of the demand signal.
func (f *scatterFloor) observe(v float64) {
	f.sum += v
	f.n++
	if f.n < 60 {
		return
	}
	m := f.sum / 60
	f.sum, f.n = 0, 0
	if m <= 0 {
		// No demand: no level to scatter around. Start again.
		f.haveLevel, f.haveDiff, f.diffN, f.recentN, f.floor = false, false, 0, 0, 0
		return
	}
	lm := math.Log(m)
	f.recent[f.recentHead] = lm
	f.recentHead = (f.recentHead + 1) % scatterMinutes
	f.recentN = min(f.recentN+1, scatterMinutes)
	if !f.haveLevel {
		f.level, f.prev, f.haveLevel = lm, lm, true
		return
	}
	diff := lm - f.prev
	f.prev = lm
	f.level += f.alpha * (lm - f.level)
	if !f.haveDiff {
		f.prevDiff, f.haveDiff = diff, true
		return
	}
	f.diffs[f.diffHead] = math.Abs(diff - f.prevDiff)
	f.prevDiff = diff
	f.diffHead = (f.diffHead + 1) % scatterMinutes
	f.diffN = min(f.diffN+1, scatterMinutes)
	if f.diffN < scatterMinutes/2 {
		return
	}
	d := f.scratch[:f.diffN]
	copy(d, f.diffs[:f.diffN])
	slices.Sort(d)
	// For independent scatter ε around a level, the second difference
	// ε₀ − 2ε₁ + ε₂ has standard deviation √6·σ, and the median of a
	// normal's absolute value is 0.6745 of its standard deviation.
	sigma := d[len(d)/2] / (0.6745 * math.Sqrt(6))
	if sigma <= scatterCovered {
		f.floor = 0
		return
	}
	// Never above the busiest of the recent minutes: with very wide
	// scatter (σ near 1) the quantile of a lognormal runs far past anything
	// the service has actually seen.
	top := f.recent[0]
	for _, v := range f.recent[1:f.recentN] {
		top = math.Max(top, v)
	}
	f.floor = math.Exp(math.Min(f.level+f.z*(sigma-scatterCovered), top))
}

// value is the demand to hold (0 until enough minutes were seen).
func (f *scatterFloor) value() float64 { return f.floor }
