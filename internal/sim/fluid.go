package sim

import (
	"math"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// fluid is the per-second engine. A second without a backlog and with load
// below saturation is served in the M/G/c steady state of its (slots, rate)
// — Erlang C with the Allen–Cunneen correction — which captures the random
// queueing that a pure fluid model would miss. Otherwise arrivals join a
// FIFO backlog of one-second cohorts, drained at full capacity, so waits,
// lateness and timeouts of overloads and outages are tracked cohort by
// cohort.
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
}

type cohort struct {
	at     int64
	n, rem float64
}

// saturation is the utilisation above which steady-state formulas stop
// being credible within a second; beyond it the backlog model takes over.
const saturation = 0.99

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
	if f.head == len(f.dq) && rate < saturation*capRate {
		if rate == 0 {
			return autoscale.Sample{}
		}
		r := f.calc.get(slots, rate)
		r.weight += rate
		viol, tout := rate*r.viol, rate*r.timeout
		a.timedOut += tout
		a.late += viol - tout
		a.ok += rate - viol
		return autoscale.Sample{
			Arrivals:    rate,
			Completions: rate - tout,
			InFlight:    rate*f.svc.mean + r.lq,
			Errors:      tout,
		}
	}
	return f.backlog(t, rate, slots, capRate, a)
}

func (f *fluid) backlog(t int64, rate float64, slots int, capRate float64, a *accum) autoscale.Sample {
	s := autoscale.Sample{Arrivals: rate}
	// The backlog carried in from earlier seconds; this second's arrivals
	// trickle in during it, so they are not all queued at its start.
	qPrev := f.queued()
	if rate > 0 {
		f.dq = append(f.dq, cohort{at: t, n: rate, rem: rate})
	}
	qStart := f.queued()
	if f.limit > 0 && qStart > f.limit {
		// The newest arrivals find the queue full.
		over := math.Min(qStart-f.limit, f.dq[len(f.dq)-1].rem)
		f.dq[len(f.dq)-1].rem -= over
		a.rejected += over
		s.Errors += over
		qStart -= over
	}
	// Cohorts that have waited past the timeout leave.
	for f.head < len(f.dq) && t-f.dq[f.head].at >= f.tq {
		c := &f.dq[f.head]
		a.timedOut += c.rem
		a.latency(f.timeout, c.rem)
		s.Errors += c.rem
		qStart -= c.rem
		f.head++
	}
	served := 0.0
	for f.head < len(f.dq) && served < capRate {
		c := &f.dq[f.head]
		x := math.Min(c.rem, capRate-served)
		f0 := (c.n - c.rem) / c.n
		arrMid := float64(c.at) + f0 + x/c.n/2
		startMid := float64(t) + (served+x/2)/capRate
		w := math.Max(0, startMid-arrMid)
		if w >= f.timeout {
			a.timedOut += x
			a.latency(f.timeout, x)
			s.Errors += x
		} else {
			late := 1 - f.svc.cdf(f.slo-w)
			a.late += x * late
			a.ok += x * (1 - late)
			a.latency(w+f.svc.mean, x)
			s.Completions += x
		}
		c.rem -= x
		served += x
		if c.rem <= 1e-9 {
			f.head++
		}
	}
	if f.head == len(f.dq) {
		f.dq, f.head = f.dq[:0], 0
	}
	busy := math.Min(float64(slots), served*f.svc.mean)
	s.InFlight = busy + (qPrev+f.queued())/2
	return s
}

func (f *fluid) finish(t int64, cl *cluster, a *accum) {
	for end := t + f.tq + 1; f.head < len(f.dq) && t <= end; t++ {
		cl.advance(t)
		slots := len(cl.ready) * f.slots
		f.backlog(t, 0, slots, float64(slots)/f.svc.mean, a)
	}
	f.calc.flush()
}
