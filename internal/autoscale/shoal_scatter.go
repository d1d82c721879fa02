package autoscale

import "math"

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
// none, a single burst moves their median by one place). Smooth demand,
// rising or falling, gets no floor (see scatterCovered).
type scatterFloor struct {
	z     float64
	alpha float64 // EWMA weight of a new minute in the level
	// current minute
	sum  float64
	n    int
	skip bool // the current minute is a foreseen spike (see skipMinute)
	// learned: the level, and the last log minute means (a ring) from
	// which the second differences and the cap are read.
	level     float64
	means     [scatterSigmaMinutes + 2]float64
	meansN    int
	meansHead int
	floor     float64
	sigma     float64 // the last estimate of σ
	// The last minute means as they came (a ring), to tell a trace's
	// buckets of a few minutes, and the mean last taken as a step.
	raw      [scatterStepSpan]float64
	rawN     int
	rawHead  int
	lastStep float64
	ordered  [scatterSigmaMinutes + 2]float64
	scratch  [scatterSigmaMinutes]float64
}

// scatterCovered is the scatter (σ of log minute means) that the target's
// own headroom absorbs: even a 95 % target leaves 5 %. Smoother demand
// gets no floor, so that ramps and slow noise cost nothing extra.
const scatterCovered = 0.05

// scatterMinutes is how many minutes the cap looks back over; σ needs
// half as many second differences before the floor forms.
const scatterMinutes = 30

// scatterSigmaMinutes is how many second differences σ is estimated from.
//
// σ is a property of the service that moves slowly, but the median of 30
// differences is itself noisy, and z times its error moves the floor: a
// floor that scatters holds more on average for the same violations. On
// ±30 % scatter the estimate from 30 differences strayed from σ with a
// standard deviation of a quarter of it, from 120 of a tenth; jittery had
// a tenth fewer violations at equal cost. A daily cycle barely curves the
// log over two hours, and a median of 120 still ignores a few flash
// crowds (at σ = 0.3 the floor is often the cap below, the busiest minute
// of the half hour, so the gain is smaller than the estimate's).
const scatterSigmaMinutes = 120

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
	if f.skip {
		f.skip = false
		return
	}
	if m <= 0 {
		// No demand: no level to scatter around. Start again.
		f.meansN, f.floor = 0, 0
		return
	}
	if f.sameBucket(m) {
		return
	}
	lm := math.Log(m)
	if f.meansN == 0 {
		f.level = lm
	} else {
		f.level += f.alpha * (lm - f.level)
	}
	f.means[f.meansHead] = lm
	f.meansHead = (f.meansHead + 1) % len(f.means)
	f.meansN = min(f.meansN+1, len(f.means))
	if f.meansN-2 < scatterMinutes/2 {
		return
	}
	// The means in order, oldest first.
	ms := f.meansInOrder()
	sigma := robustScatter(len(ms), func(i int) float64 { return ms[i] }, f.scratch[:0])
	f.sigma = sigma
	if sigma <= scatterCovered {
		f.floor = 0
		return
	}
	// Never above the busiest of the recent minutes: with very wide
	// scatter (σ near 1) the quantile of a lognormal runs far past anything
	// the service has actually seen.
	top := math.Inf(-1)
	for _, v := range ms[max(0, len(ms)-scatterMinutes):] {
		top = math.Max(top, v)
	}
	f.floor = math.Exp(math.Min(f.level+f.z*(sigma-scatterCovered), top))
}

// A trace in buckets of a few minutes, replayed, holds each bucket for
// its minutes: the minute means repeat, the median second difference is
// zero, and the floor never formed (at five-minute buckets of a trace
// scattering by 30 %, shoal had 2–18× the baselines' violations at equal
// cost). So a bucket is one step, however many minutes it holds: a mean
// that repeats the last step's is not taken again.
const (
	// scatterStepSpan is how many minute means the bucket is read from.
	scatterStepSpan = 60
	// maxBucketMinutes is the longest bucket taken as one step. Hourly
	// buckets are not: a step of an hour scatters by the curve of the
	// day, which the forecast knows, not by noise.
	maxBucketMinutes = 10
	// sameMinute is the relative change below which two minute means are
	// the same bucket: a replayed bucket's drifts by a hair as a queue
	// settles, live minutes never stay this close.
	sameMinute = 1e-3
)

// sameBucket records the minute mean m and says whether it repeats the
// last step of a trace in buckets of 2 to maxBucketMinutes minutes.
func (f *scatterFloor) sameBucket(m float64) bool {
	f.raw[f.rawHead] = m
	f.rawHead = (f.rawHead + 1) % scatterStepSpan
	f.rawN = min(f.rawN+1, scatterStepSpan)
	start := (f.rawHead - f.rawN + scatterStepSpan) % scatterStepSpan
	at := func(i int) float64 { return f.raw[(start+i)%scatterStepSpan] }
	if step := stepLength(f.rawN, at, sameMinute); step >= 2 && step <= maxBucketMinutes &&
		sameValue(m, f.lastStep, sameMinute) {
		return true
	}
	f.lastStep = m
	return false
}

// meansInOrder returns the stored log minute means, oldest first, in a
// buffer the floor keeps for that, so it does not allocate.
func (f *scatterFloor) meansInOrder() []float64 {
	out := f.ordered[:0]
	start := f.meansHead - f.meansN
	if start < 0 {
		start += len(f.means)
	}
	for i := range f.meansN {
		out = append(out, f.means[(start+i)%len(f.means)])
	}
	return out
}

// skipMinute leaves the current minute out: a timer's spike that a pattern
// foresaw is not scatter (its own part orders for it), and a spike every
// few minutes moved the median second difference enough to hold a third
// more capacity between the spikes.
func (f *scatterFloor) skipMinute() { f.skip = true }

// value is the demand to hold (0 until enough minutes were seen).
func (f *scatterFloor) value() float64 { return f.floor }

// robustScatter estimates the standard deviation of independent scatter ε
// around a smoothly moving level from n values in order (at(0) oldest):
// the second difference ε₀ − 2ε₁ + ε₂ has standard deviation √6·σ and
// cancels any ramp, and the median of a normal's absolute value is 0.6745
// of its standard deviation; the median is moved by neither a step nor a
// single burst. d is scratch with room for n − 2 values. n must be ≥ 3.
func robustScatter(n int, at func(i int) float64, d []float64) float64 {
	return robustScatterLag(n, 1, at, d)
}

// robustScatterLag is robustScatter over values lag apart: the second
// difference ε(i) − 2ε(i−lag) + ε(i−2lag). n must be ≥ 2·lag + 1.
func robustScatterLag(n, lag int, at func(i int) float64, d []float64) float64 {
	d = d[:0]
	for i := 2 * lag; i < n; i++ {
		d = append(d, math.Abs((at(i)-at(i-lag))-(at(i-lag)-at(i-2*lag))))
	}
	return sigmaFromSecondDiffs(d)
}

// sigmaFromSecondDiffs is the σ of independent normal scatter from the
// absolute values of its second differences (each has standard deviation
// √6·σ, and the median absolute value of a normal is 0.6745 of its
// standard deviation). It reorders d, which must not be empty. The
// simulator's estimate of a trace's scatter (sim.EstimateScatter) reads it
// the same way, with the median weighted by the buckets' counts: the policy
// reads the last two hours, whose level hardly moves, the simulator a whole
// trace.
func sigmaFromSecondDiffs(d []float64) float64 {
	return kthSmallest(d, len(d)/2) / (0.6745 * math.Sqrt(6))
}
