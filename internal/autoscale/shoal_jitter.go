package autoscale

import (
	"math"
	"slices"
	"time"
)

// secJitter estimates how far the demand scatters around its level from
// one step to the next, a step being a second for live demand and a bucket
// for a trace replayed at a constant rate per bucket.
//
// Why: a trace recorded per second at low counts (an access log: a few
// requests a second, Poisson), rescaled to a busy service, scatters by half
// its level from one second to the next. The minute means are smooth, so
// the scatter floor sees nothing, while the panic window reads every busy
// second as a burst: shoal ordered and dropped instances all day and met
// the next busy second with too few (ten times hpa's violations at equal
// cost on such a trace). Buckets of 2 to 30 seconds do the same a bucket
// at a time, and there a minute holds too few buckets to tell their
// scatter: the estimate from 6 buckets swung by 3× from one minute to the
// next, and the scale-in window held the largest (17 instances where hpa
// held 11). So the steps are read from the last jitterSpan seconds.
// Demand that is constant within minutes has none.
type secJitter struct {
	sigma float64
	// lag is the step length in seconds (see stepLength).
	lag int
	n   int
	// The last jitterSpan seconds.
	hist    *secWindow
	scratch []float64
	// The runs between changes that ended in the last jitterSpan seconds,
	// kept as they end (a scan of the seconds every ten seconds took half
	// of a 90-day replay's time).
	steps    stepRuns
	runStart int64 // seconds seen when the current run began
	seen     int64 // seconds seen
	runs     []int // scratch for the median
}

// stepRuns is a ring of runs, oldest first: each run's length and the
// second it ended.
type stepRuns struct {
	length, end [jitterSpan]int64
	head, n     int
}

func (r *stepRuns) push(length, end int64) {
	i := (r.head + r.n) % jitterSpan
	if r.n == jitterSpan {
		r.head = (r.head + 1) % jitterSpan
	} else {
		r.n++
	}
	r.length[i], r.end[i] = length, end
}

// dropBefore forgets the runs that ended before second t.
func (r *stepRuns) dropBefore(t int64) {
	for r.n > 0 && r.end[r.head] < t {
		r.head = (r.head + 1) % jitterSpan
		r.n--
	}
}

// median is the median run length, or def when there is none.
func (r *stepRuns) median(scratch *[]int, def int) int {
	if r.n == 0 {
		return def
	}
	*scratch = (*scratch)[:0]
	for k := range r.n {
		*scratch = append(*scratch, int(r.length[(r.head+k)%jitterSpan]))
	}
	slices.Sort(*scratch)
	return (*scratch)[len(*scratch)/2]
}

// jitterSpan is how many seconds the scatter is read from: 60 buckets of
// 10 seconds, 20 of 30.
const jitterSpan = 600

// minJitterDiffs is the fewest second differences the scatter is read
// from; a step so long that fewer fit is not scatter the floor is for
// (minutes are the scatter floor's).
const minJitterDiffs = 10

// jitterCovered is the relative per-second scatter the target's headroom
// and the gateway queue absorb: Poisson arrivals at 100 requests a second
// scatter by 10 %. Smoother seconds get no floor.
const jitterCovered = 0.1

// floor is the demand to hold for the scatter of the seconds around the
// level (the stable window's mean): level × (1 + z × the relative scatter
// beyond jitterCovered). 0 when z ≤ 0 or the seconds are smooth.
func (j *secJitter) floor(level, z float64) float64 {
	if z <= 0 || j.sigma == 0 || level <= 0 {
		return 0
	}
	excess := j.sigma/level - jitterCovered
	if excess <= 0 {
		return 0
	}
	return level * (1 + z*excess)
}

// panicNoise is how far the panic window's mean scatters around the level
// by the steps' scatter alone: σ for steps as long as the window, σ/√k
// for k steps in it.
func (j *secJitter) panicNoise(window time.Duration) float64 {
	if j.sigma == 0 {
		return 0
	}
	return j.sigma / math.Sqrt(math.Max(1, window.Seconds()/float64(j.lag)))
}

// jitterEvery: the estimate is refreshed this often (seconds); a sort of
// the samples is cheap but not every second.
const jitterEvery = 10

func newSecJitter(w *secWindow) *secJitter {
	return &secJitter{lag: 1, hist: newSecWindow(jitterSpan * time.Second), scratch: make([]float64, 0, jitterSpan)}
}

// observe is called once per second with the second's sample, after w
// (the stable window) took it.
func (j *secJitter) observe(w *secWindow, v float64) {
	h := j.hist
	if h.count > 0 && !sameValue(v, h.at(h.count-1), sameStep) {
		if j.runStart > 0 {
			// A run seen from its start (the first one is not).
			j.steps.push(j.seen-j.runStart, j.seen)
		}
		j.runStart = j.seen
	}
	j.seen++
	h.push(v)
	if j.n++; j.n < jitterEvery {
		return
	}
	j.n = 0
	j.sigma, j.lag = 0, 1
	if h.count < len(w.buf) || w.count < len(w.buf) || len(w.buf) < 10 {
		return
	}
	j.steps.dropBefore(j.seen - jitterSpan)
	if j.lag = j.steps.median(&j.runs, h.count); j.lag == 1 {
		// Seconds that move: their scatter over the stable window, as
		// it was tuned on per-second access logs.
		j.sigma = robustScatter(len(w.buf), w.at, j.scratch)
		return
	}
	if j.lag >= len(w.buf) || 2*j.lag+minJitterDiffs > h.count {
		// Steps of a minute or more are the scatter floor's.
		return
	}
	j.sigma = robustScatterLag(h.count, j.lag, h.at, j.scratch)
}

// sameStep is the relative change below which two seconds hold the same
// value: a replayed bucket's in-flight count drifts by a hair as the
// engine's queue settles, while live demand moves by whole requests.
const sameStep = 0.005

// sameValue says whether a and b differ by no more than same, relative.
func sameValue(a, b, same float64) bool {
	return math.Abs(a-b) <= same*math.Max(math.Abs(a), math.Abs(b))
}

// stepLength is how many samples typically hold one value: the median run
// between changes (secJitter keeps its runs as they end, the same way). 1
// for live demand, which moves every second; a trace's bucket when it is
// replayed (two buckets that happen to hold the same count make one run of
// twice the length, and a queue moves the demand every second for a while;
// the median ignores both).
func stepLength(n int, at func(i int) float64, same float64) int {
	var runs []int
	last := -1 // the sample where the current run began (-1: partial)
	for i := 1; i < n; i++ {
		if sameValue(at(i), at(i-1), same) {
			continue
		}
		if last >= 0 {
			runs = append(runs, i-last)
		}
		last = i
	}
	if len(runs) == 0 {
		return n
	}
	slices.Sort(runs)
	return runs[len(runs)/2]
}
