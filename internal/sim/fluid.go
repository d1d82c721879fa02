package sim

import (
	"math"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// fluid is the per-second engine. Below capacity and without a backlog, a
// second is served in the M/G/c steady state of its (slots, rate) — Erlang
// C with the Allen–Cunneen correction — which captures the random queueing
// a pure fluid model would miss. Queues take time to build and drain, so
// the mean queue x follows the steady state with a lag (see relax) and
// the regime is stretched to x while they differ. At or above capacity,
// arrivals join a FIFO backlog of one-second cohorts, so waits, lateness
// and timeouts of overloads and outages are tracked cohort by cohort; the
// backlog is drained at capacity less what randomness leaves idle near
// saturation (the reflection term of a diffusion approximation).
type fluid struct {
	calc    *queueCalc
	svc     service
	slots   int
	slo     float64
	timeout float64
	tq      int64 // whole seconds after which a cohort has timed out
	limit   float64
	dq      []cohort
	head    int
	x       float64 // mean queue length (requests waiting)
}

// cohort is the arrivals of one second still waiting. A phantom cohort
// stands for the random queue that was there when a backlog began: it
// takes its place in line but its requests were already accounted for.
type cohort struct {
	at      int64
	n, rem  float64
	phantom bool
}

// relax advances the mean queue x by one second of dx/dt = d + D/x, with
// d the drift (arrival rate minus capacity) and D the diffusion's push
// away from empty. Implicit Euler in two half steps: stable and positive.
// With d < 0 and D = |d|·Lq the fixed point is the steady-state Lq, reached
// with time constant Lq/|d| — long near saturation, as real queues are.
// With d ≥ 0 and D = λ(1+cs²)/2 it is the mean of a reflected Brownian
// motion, which grows like √t at exactly full load where a fluid model
// would keep the queue empty.
func relax(x, d, diff float64) float64 {
	const h = 0.5
	for range 2 {
		a := x + h*d
		x = (a + math.Sqrt(a*a+4*h*diff)) / 2
	}
	return x
}

func newFluid(m Model, a *accum) (*fluid, error) {
	calc, err := newQueueCalc(m, &a.hist)
	if err != nil {
		return nil, err
	}
	return &fluid{
		calc:    calc,
		svc:     calc.svc,
		slots:   m.Slots,
		slo:     m.SLO.Seconds(),
		timeout: m.QueueTimeout.Seconds(),
		tq:      secs(m.QueueTimeout),
		limit:   float64(m.QueueLimit),
	}, nil
}

func (f *fluid) queued() float64 {
	q := 0.0
	for _, c := range f.dq[f.head:] {
		q += c.rem
	}
	return q
}

func (f *fluid) second(t int64, rate float64, cl *cluster, a *accum) autoscale.Sample {
	slots := len(cl.ready) * f.slots
	capRate := float64(slots) / f.svc.mean
	a.requests += rate
	if f.head < len(f.dq) || rate >= capRate {
		return f.backlog(t, rate, slots, capRate, a)
	}
	if rate == 0 {
		f.x = 0
		return autoscale.Sample{QueueMeasured: true}
	}
	ss := f.calc.get(slots, rate)
	d := rate - capRate
	f.x = relax(f.x, d, -d*ss.lq)
	r := ss
	if math.Abs(f.x-ss.lq) > 0.02*ss.lq+1e-3 {
		r = f.calc.transient(slots, rate, math.Max(f.x, 1e-9), ss)
	}
	r.weight += rate
	viol, tout := rate*r.viol, rate*r.timeout
	a.timedOut += tout
	a.late += viol - tout
	a.ok += rate - viol
	return autoscale.Sample{
		Arrivals:      rate,
		Completions:   rate - tout,
		InFlight:      rate*f.svc.mean + f.x,
		Errors:        tout,
		Queued:        f.x,
		QueueMeasured: true,
	}
}

func (f *fluid) backlog(t int64, rate float64, slots int, capRate float64, a *accum) autoscale.Sample {
	s := autoscale.Sample{Arrivals: rate, QueueMeasured: true}
	if f.head == len(f.dq) && f.x > 0 {
		f.dq = append(f.dq[:0], cohort{at: t - 1, n: f.x, rem: f.x, phantom: true})
		f.head = 0
	}
	f.x = 0
	// The backlog carried in from earlier seconds; this second's arrivals
	// trickle in during it, so they are not all queued at its start.
	qPrev := f.queued()
	if rate > 0 {
		f.dq = append(f.dq, cohort{at: t, n: rate, rem: rate})
	}
	if f.limit > 0 && qPrev+rate > f.limit {
		// The newest arrivals find the queue full.
		over := math.Min(qPrev+rate-f.limit, f.dq[len(f.dq)-1].rem)
		f.dq[len(f.dq)-1].rem -= over
		a.rejected += over
		s.Errors += over
	}
	// Cohorts that have waited past the timeout leave.
	for f.head < len(f.dq) && t-f.dq[f.head].at >= f.tq {
		c := &f.dq[f.head]
		if !c.phantom {
			a.timedOut += c.rem
			a.latency(f.timeout, c.rem)
			s.Errors += c.rem
		}
		f.head++
	}
	q := f.queued()
	arriving := 0.0
	if rate > 0 && f.head < len(f.dq) && f.dq[len(f.dq)-1].at == t {
		arriving = f.dq[len(f.dq)-1].rem
	}
	budget := 0.0
	if capRate > 0 {
		// Capacity minus the slots that randomness leaves idle.
		waiting := q - arriving
		next := relax(waiting, arriving-capRate, arriving*(1+f.svc.cs2)/2)
		budget = math.Max(0, math.Min(capRate, waiting+arriving-next))
	}
	served := 0.0
	for f.head < len(f.dq) && served < budget-1e-12 {
		c := &f.dq[f.head]
		x := math.Min(c.rem, budget-served)
		f.settle(c, x, t, served, capRate, a, &s)
		c.rem -= x
		served += x
		if c.rem <= 1e-9 {
			f.head++
		}
	}
	if f.head == len(f.dq) {
		f.dq, f.head = f.dq[:0], 0
	} else if rate < capRate {
		// Back below capacity with only a steady-state-sized queue left:
		// serve it now and hand its size to the steady-state model.
		ss := f.calc.get(slots, rate)
		if rest := f.queued(); rest <= math.Max(1, ss.lq) {
			for ; f.head < len(f.dq); f.head++ {
				c := &f.dq[f.head]
				f.settle(c, c.rem, t, served, capRate, a, &s)
				served += c.rem
			}
			f.dq, f.head = f.dq[:0], 0
			f.x = rest
		}
	}
	busy := math.Min(float64(slots), served*f.svc.mean)
	// The queue is taken as changing linearly over the second.
	s.Queued = (qPrev + f.queued() + f.x) / 2
	s.InFlight = busy + s.Queued
	return s
}

// settle gives x requests of cohort c, starting service after `before`
// others this second, their outcome.
func (f *fluid) settle(c *cohort, x float64, t int64, before, capRate float64, a *accum, s *autoscale.Sample) {
	if c.phantom || x <= 0 {
		return
	}
	f0 := (c.n - c.rem) / c.n
	arrMid := float64(c.at) + f0 + x/c.n/2
	startMid := float64(t) + (before+x/2)/capRate
	w := math.Max(0, startMid-arrMid)
	if w >= f.timeout {
		a.timedOut += x
		a.latency(f.timeout, x)
		s.Errors += x
		return
	}
	late := 1 - f.svc.cdf(f.slo-w)
	a.late += x * late
	a.ok += x * (1 - late)
	a.latency(w+f.svc.mean, x)
	s.Completions += x
}

func (f *fluid) finish(t int64, cl *cluster, a *accum) {
	for end := t + f.tq + 1; f.head < len(f.dq) && t <= end; t++ {
		cl.advance(t)
		slots := len(cl.ready) * f.slots
		f.backlog(t, 0, slots, float64(slots)/f.svc.mean, a)
	}
	f.calc.flush()
}
