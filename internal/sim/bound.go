package sim

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// What the oracle criterion asks of a policy that cannot see ahead.
//
// Oracle knows every bucket's count before it comes; any other policy
// knows at best the level the buckets scatter around. When the counts
// scatter independently from one bucket to the next (σ of their logs
// around a smooth level), a policy that knew the level exactly and nothing
// more would still have to hold c·level to lose no more than a share v of
// the requests, c solving E[(X − c)⁺] = v·E[X] for X lognormal with mean 1:
// the least it could pay is c times what oracle pays. EstimateScatter
// estimates σ from the trace and returns that c for v = 1%, the bar's
// violation budget. It is an estimate, not a proof: taking the level as
// known (it is not) and instances as divisible (they are not) make the
// real price higher; a queue that absorbs a little overload inside the
// SLO, and oracle's own margin over a cold start, make it lower.

// Scatter is what the bucket-to-bucket scatter of a trace costs a policy
// that does not know the next bucket.
type Scatter struct {
	// Sigma is the σ of log counts that no ramp, step, single burst or
	// repeating pattern explains; Cost the least cost relative to oracle
	// at which such a policy keeps violations to 1%. OK is false when the
	// buckets are not one to two cold starts long, or the trace is too
	// short or too sparse to tell.
	Sigma, Cost float64
	OK          bool
}

// EstimateScatter reads tr's scatter, when its buckets are one to two
// cold starts long. With shorter buckets oracle cannot follow every bucket
// either (it holds the peak of the coming cold start), so it pays for the
// scatter too. With longer ones a policy learns a bucket's level a cold
// start into it and pays for not knowing it only that long (jittery in
// 15-minute buckets: shoal +29% above oracle where the estimate said
// +56%). Either way the estimate says nothing, and it is not made.
func EstimateScatter(tr *Trace, coldStart time.Duration) Scatter {
	if tr.Bucket < coldStart || tr.Bucket > 2*coldStart {
		return Scatter{}
	}
	logs := bucketLogs(tr)
	sigma := math.Inf(1)
	buf := make([]weighted, 0, min(len(logs), 2*maxScatterSamples+2))
	for lag := 1; lag <= maxPatternLag && 2*lag < len(logs); lag++ {
		if s, ok := lagScatter(logs, lag, buf); ok {
			sigma = math.Min(sigma, s)
		}
	}
	if math.IsInf(sigma, 1) {
		return Scatter{}
	}
	return Scatter{Sigma: sigma, Cost: lognormalCapacity(sigma, 0.01), OK: true}
}

// maxPatternLag is the longest repeating pattern, in buckets, that the
// scatter estimate looks for: six hours of minutes holds every hourly
// cron and the least common multiple of most interval timers (7 and 50
// minutes: 350). A spike every few minutes is not scatter: a policy can
// learn it, and the policy of this repository does.
const maxPatternLag = 360

// maxScatterSamples bounds the differences read per lag.
const maxScatterSamples = 8192

// lagScatter is the robust σ of independent scatter ε around a level that
// repeats every lag buckets and moves smoothly: the second difference at
// that lag, x(t) − 2x(t−lag) + x(t−2lag), cancels the pattern and any
// ramp, has standard deviation √6·σ, and its median absolute value is
// 0.6745 of that for normal ε (the policy's scatter floor reads lag 1 the
// same way). The median is weighted by the middle bucket's count: what
// scatter costs is paid in instances, so a busy hour's scatter counts for
// more than a quiet night's. Unweighted, the few requests a minute of the
// first, quiet weeks of a growing trace (Poisson scatter of 20–30 %) set
// σ for the busy weeks that are nearly all of its cost: a made-up
// WorldCup-like trace growing ×20 read σ 0.108 and "out of reach" (+11%);
// weighted it reads 0.078 (+6.3%). Triples with a missing or empty bucket are left
// out; ok is false when fewer than 30, or fewer than half, remain.
func lagScatter(xs []float64, lag int, buf []weighted) (float64, bool) {
	d := buf[:0]
	// A median of a few thousand differences is good to a percent or two;
	// reading every one of a 90-day trace's for 360 lags took seconds.
	step := max(1, (len(xs)-2*lag)/maxScatterSamples)
	tried := 0
	for i := 2 * lag; i < len(xs); i += step {
		tried++
		a, b, c := xs[i-2*lag], xs[i-lag], xs[i]
		if math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(c) {
			continue
		}
		d = append(d, weighted{v: math.Abs(c - 2*b + a), w: math.Exp(b)})
	}
	// Most triples must count: on a sparse trace the few that do at some
	// lag are the minutes of a timer, regular by construction, and read
	// as no scatter at all while the rest is nothing but scatter.
	if len(d) < 30 || 2*len(d) < tried {
		return 0, false
	}
	return weightedMedian(d) / (0.6745 * math.Sqrt(6)), true
}

// weighted is a value and its weight.
type weighted struct{ v, w float64 }

// weightedMedian is the value below which half the weight lies. It sorts d.
func weightedMedian(d []weighted) float64 {
	slices.SortFunc(d, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	total := 0.0
	for _, x := range d {
		total += x.w
	}
	acc := 0.0
	for _, x := range d {
		acc += x.w
		if acc >= total/2 {
			return x.v
		}
	}
	return d[len(d)-1].v
}

// bucketLogs returns the logs of the trace's counts in order; a bucket
// that is missing or empty is NaN (an empty bucket has no level to scatter
// around).
func bucketLogs(tr *Trace) []float64 {
	logs := make([]float64, len(tr.Counts))
	for i, c := range tr.Counts {
		logs[i] = math.NaN()
		if c > 0 && (i >= len(tr.Missing) || !tr.Missing[i]) {
			logs[i] = math.Log(c)
		}
	}
	return logs
}

// lognormalCapacity is the c at which a lognormal demand X with mean 1 and
// log standard deviation sigma exceeds c by v of its mean on average:
// E[(X − c)⁺] = v. The shortfall falls as c rises, so bisection finds it.
func lognormalCapacity(sigma, v float64) float64 {
	if sigma <= 0 {
		return 1
	}
	shortfall := func(c float64) float64 {
		d := math.Log(c) / sigma
		return normCDF(sigma/2-d) - c*normCDF(-sigma/2-d)
	}
	lo, hi := 0.0, math.Exp(6*sigma)
	if shortfall(lo+1e-12) <= v {
		return 0
	}
	for range 100 {
		mid := (lo + hi) / 2
		if shortfall(mid) > v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
