package sim

import (
	"fmt"
	"math"
)

// Latency histogram: log-spaced bins, 24 per decade from 1 ms to 1000 s, plus
// an underflow and an overflow bin. ±5% resolution is plenty for percentiles
// compared across policies.
const (
	histPerDecade = 24
	histMin       = 1e-3
	histEdges     = 6*histPerDecade + 1
	histBins      = histEdges + 1
)

func histEdge(k int) float64 { return histMin * math.Pow(10, float64(k)/histPerDecade) }

// histBin maps a latency in seconds to its bin.
func histBin(x float64) int {
	if x < histMin {
		return 0
	}
	k := int(math.Floor(math.Log10(x/histMin)*histPerDecade)) + 1
	if k >= histBins {
		return histBins - 1
	}
	return k
}

// regime is the steady state of an M/G/c queue for one (slots, rate) pair:
// what the fluid engine uses for every second without a backlog.
type regime struct {
	pw      float64 // probability that an arrival waits (Erlang C)
	theta   float64 // rate of the exponential wait, given that it waits
	viol    float64 // share of requests that are late or time out
	timeout float64 // share that time out in the queue
	lq      float64 // mean number waiting
	mass    []float64
	weight  float64 // requests served under this regime, flushed into the histogram
}

// queueCalc computes and caches regimes. Why cache: a per-minute trace holds
// the rate constant for 60 s and instance counts change rarely, so almost
// every second repeats the previous one's (slots, rate).
type queueCalc struct {
	svc     service
	slo     float64
	timeout float64
	sloGrid []float64 // F_S on a uniform grid over [0, SLO]
	edges   []float64 // histogram bin edges (seconds)
	edgeCDF []float64 // F_S at the histogram edges
	svcMass []float64 // latency mass with no queueing at all
	cache   map[[3]uint64]*regime
	lastKey [3]uint64
	last    *regime // per-minute traces repeat the same key for 60 s
	hist    *[histBins]float64
	needMax float64
	needMem map[uint64]int
}

const sloGridSteps = 64

func newQueueCalc(m Model, hist *[histBins]float64) (*queueCalc, error) {
	q := &queueCalc{
		svc:     newService(m),
		slo:     m.SLO.Seconds(),
		timeout: m.QueueTimeout.Seconds(),
		cache:   make(map[[3]uint64]*regime),
		hist:    hist,
		needMax: m.NeedViolation,
		needMem: make(map[uint64]int),
	}
	if floor := 1 - q.svc.cdf(q.slo); floor >= m.NeedViolation {
		return nil, fmt.Errorf("service time alone misses the %v SLO for %.2f%% of requests, above the need-violation %.2f%%: no instance count meets it",
			m.SLO, 100*floor, 100*m.NeedViolation)
	}
	q.sloGrid = make([]float64, sloGridSteps+1)
	for j := range q.sloGrid {
		q.sloGrid[j] = q.svc.cdf(q.slo * float64(j) / sloGridSteps)
	}
	q.edges = make([]float64, histEdges)
	q.edgeCDF = make([]float64, histEdges)
	for k := range q.edgeCDF {
		q.edges[k] = histEdge(k)
		q.edgeCDF[k] = q.svc.cdf(q.edges[k])
	}
	q.svcMass = q.latencyMass(0, 0)
	return q, nil
}

// erlangC is the probability of waiting in M/M/c with offered load a erlangs.
func erlangC(c int, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if a >= float64(c) {
		return 1
	}
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}

// convExp returns G(x_end) = ∫ f_S(s) e^{-θ(x_end-s)} ds over a grid whose
// service CDF values are cdf at points x0 + j*h, by the stable recursion
// G(x+h) = e^{-θh} G(x) + (F(x+h)-F(x)) e^{-θh/2}.
func convExp(cdf []float64, h, theta float64) float64 {
	decay, half := math.Exp(-theta*h), math.Exp(-theta*h/2)
	g := 0.0
	for j := 1; j < len(cdf); j++ {
		g = decay*g + (cdf[j]-cdf[j-1])*half
	}
	return g
}

// get returns the steady-state regime for slots and rate (requests per
// second); the caller must have checked that the load is below capacity.
func (q *queueCalc) get(slots int, rate float64) *regime {
	return q.lookup([3]uint64{uint64(slots), math.Float64bits(rate), 0}, func() *regime {
		pw, theta, _ := q.steady(slots, rate)
		return q.finish(pw, theta, rate, true)
	})
}

// transient returns the regime while the mean queue x has not (yet)
// reached the steady state ss: queues take time to build and to drain, so
// an instantaneous steady state would overstate waits right after a rise
// and understate them right after a backlog. The arrivals' waiting
// probability and mean wait are stretched to match x (Little's law); x is
// quantised to 2% so that slowly moving queues still hit the cache.
func (q *queueCalc) transient(slots int, rate, x float64, ss *regime) *regime {
	idx := math.Round(math.Log(x) * 50)
	key := [3]uint64{uint64(slots), math.Float64bits(rate), uint64(int64(idx)+1<<20) | 1<<40}
	return q.lookup(key, func() *regime {
		xq := math.Exp(idx / 50)
		pw := ss.pw
		if xq > ss.lq {
			pw += (1 - ss.pw) * (1 - ss.lq/xq)
		} else {
			pw *= xq / ss.lq
		}
		return q.finish(pw, rate*pw/xq, rate, true)
	})
}

func (q *queueCalc) lookup(key [3]uint64, build func() *regime) *regime {
	if q.last != nil && key == q.lastKey {
		return q.last
	}
	r, ok := q.cache[key]
	if !ok {
		if len(q.cache) >= 4096 {
			q.flush()
			clear(q.cache)
		}
		r = build()
		q.cache[key] = r
	}
	q.lastKey, q.last = key, r
	return r
}

// steady is the M/G/c steady state: the probability of waiting (Erlang C),
// the rate of the exponential wait given waiting (Allen–Cunneen: the M/M/c
// wait scaled by (1+cs²)/2) and the mean queue length.
func (q *queueCalc) steady(slots int, rate float64) (pw, theta, lq float64) {
	capRate := float64(slots) / q.svc.mean
	pw = erlangC(slots, rate*q.svc.mean)
	theta = (capRate - rate) * 2 / (1 + q.svc.cs2)
	if pw > 0 {
		lq = rate * pw / theta
	}
	return pw, theta, lq
}

// finish derives violation and timeout shares (and, withMass, the latency
// histogram mass) from a wait that is 0 w.p. 1-pw and exponential(theta)
// otherwise.
func (q *queueCalc) finish(pw, theta, rate float64, withMass bool) *regime {
	r := &regime{pw: pw, theta: theta}
	late := 1 - q.svc.cdf(q.slo)
	if pw > 0 {
		late += pw * convExp(q.sloGrid, q.slo/sloGridSteps, theta)
		r.timeout = pw * math.Exp(-theta*q.timeout)
		r.lq = rate * pw / theta
	}
	r.viol = late
	if q.timeout < q.slo {
		// A request that times out before the SLO would have been late
		// only if its service would have pushed it past the SLO anyway.
		r.viol += r.timeout * q.svc.cdf(q.slo-q.timeout)
	}
	r.viol = math.Min(r.viol, 1)
	if !withMass {
		return r
	}
	// Why the shortcut: at ordinary utilisations a pool of many slots
	// almost never queues, and the histogram cannot tell the difference.
	if r.pw < 1e-7 {
		r.mass = q.svcMass
	} else {
		r.mass = q.latencyMass(r.pw, r.theta)
	}
	return r
}

// latencyMass is the probability of each histogram bin for latency = wait
// + service, with the wait 0 w.p. 1-pw and exponential(theta) otherwise:
// CDF(x) = F_S(x) - pw·G(x).
func (q *queueCalc) latencyMass(pw, theta float64) []float64 {
	mass := make([]float64, histBins)
	prev, g, x := 0.0, 0.0, 0.0
	for k, e := range q.edges {
		if pw > 0 {
			if k == 0 {
				g = q.edgeCDF[0] * math.Exp(-theta*e/2)
			} else {
				h := e - x
				g = math.Exp(-theta*h)*g + (q.edgeCDF[k]-q.edgeCDF[k-1])*math.Exp(-theta*h/2)
			}
		}
		cdf := math.Max(prev, q.edgeCDF[k]-pw*g)
		mass[k] = cdf - prev
		prev, x = cdf, e
	}
	mass[histBins-1] = math.Max(0, 1-prev)
	return mass
}

// flush adds the weighted latency mass of every cached regime to the
// histogram and resets the weights.
func (q *queueCalc) flush() {
	for _, r := range q.cache {
		if r.weight == 0 {
			continue
		}
		for k, m := range r.mass {
			q.hist[k] += m * r.weight
		}
		r.weight = 0
	}
}

// needed is the smallest instance count whose steady-state violation share
// at this rate is at most the model's NeedViolation.
func (q *queueCalc) needed(rate float64, slots int) int {
	if rate <= 0 {
		return 0
	}
	key := math.Float64bits(rate)
	if n, ok := q.needMem[key]; ok {
		return n
	}
	n := int(math.Floor(rate*q.svc.mean/float64(slots))) + 1
	for {
		c := n * slots
		if rate < float64(c)/q.svc.mean && q.steadyViol(c, rate) <= q.needMax {
			break
		}
		n++
	}
	if len(q.needMem) > 1<<16 {
		clear(q.needMem)
	}
	q.needMem[key] = n
	return n
}

func (q *queueCalc) steadyViol(slots int, rate float64) float64 {
	pw, theta, _ := q.steady(slots, rate)
	return q.finish(pw, theta, rate, false).viol
}
