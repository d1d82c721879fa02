package sim

import (
	"fmt"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Options are the per-run settings besides the model.
type Options struct {
	// Engine is "fluid" (default) or "request".
	Engine string
	// Metric is the unit of the policy's forecasts (and oracle demand):
	// "concurrency" (default) or "rps", as autoscale.Metric.
	Metric string
	// Target is the policy's per-instance target; it converts forecasts
	// into instances on plots and is echoed in the result.
	Target float64
	// Lead is how far ahead the policy's Decision.Forecast looks; 0 means
	// cold start + actuation delay (the lead the issue asks for).
	Lead time.Duration
	// Initial is the instance count at t=0; < 0 means what the first
	// second needs, so that runs do not start with an artificial outage.
	Initial int
	// Timeline, when set, receives a downsampled series for plotting.
	Timeline *Timeline
	// Warmup is an initial stretch the policy observes and acts on but
	// that is left out of the metrics (history for learning policies).
	Warmup time.Duration
}

// engine serves one second of arrivals with the cluster's ready instances.
type engine interface {
	second(t int64, rate float64, cl *cluster, a *accum) autoscale.Sample
	// finish serves or times out whatever is still queued after the trace.
	finish(t int64, cl *cluster, a *accum)
}

type dueForecast struct {
	at    int64
	value float64
}

// Run replays d against pol with model m.
func Run(d *Demand, pol autoscale.Policy, m Model, opt Options) (Result, error) {
	r, _, err := run(d, pol, m, opt)
	return r, err
}

func run(d *Demand, pol autoscale.Policy, m Model, opt Options) (Result, *accum, error) {
	if err := m.Validate(); err != nil {
		return Result{}, nil, err
	}
	acc := &accum{}
	var eng engine
	switch opt.Engine {
	case "", "fluid":
		opt.Engine = "fluid"
		f, err := newFluid(m, acc)
		if err != nil {
			return Result{}, nil, err
		}
		eng = f
	case "request":
		eng = newRequestEngine(m)
	default:
		return Result{}, nil, fmt.Errorf("engine %q: want fluid or request", opt.Engine)
	}
	if opt.Lead <= 0 {
		opt.Lead = m.ColdStart + m.Actuation
	}
	lead := secs(opt.Lead)
	interval := secs(pol.Interval())
	if interval < 1 {
		interval = 1
	}
	initial := opt.Initial
	if initial < 0 {
		initial = d.Needed(0)
	}
	cl := newCluster(m, initial)
	if opt.Timeline != nil {
		opt.Timeline.start(d.Seconds(), m, opt.Target)
	}
	var fc []dueForecast
	n := d.Seconds()
	warm, coldBefore := secs(opt.Warmup), 0
	if warm >= n {
		return Result{}, nil, fmt.Errorf("warmup %v is not shorter than the %v trace", opt.Warmup, time.Duration(n)*time.Second)
	}
	for t := int64(0); t < n; t++ {
		if t == warm && warm > 0 {
			if f, ok := eng.(*fluid); ok {
				f.calc.flush()
			}
			*acc = accum{}
			coldBefore = cl.coldStarts
		}
		cl.advance(t)
		before := acc.late + acc.timedOut + acc.rejected
		s := eng.second(t, d.Rate(t), cl, acc)
		s.T = d.Time(t)
		pol.Observe(s)
		need := d.Needed(t)
		acc.provision(len(cl.ready), cl.existing(), need)
		for len(fc) > 0 && fc[0].at <= t {
			if fc[0].at == t {
				acc.forecast(fc[0].value, demandIn(d, opt.Metric, t))
			}
			fc = fc[1:]
		}
		if (t+1)%interval == 0 {
			dec := pol.Decide(autoscale.State{
				Now:      d.Time(t + 1),
				Desired:  cl.desired,
				Ready:    len(cl.ready),
				Starting: cl.nStarting() + cl.nPending(),
			})
			if cl.setDesired(t+1, dec.Desired) {
				acc.actions++
			}
			if dec.Forecast > 0 && t+1+lead < n {
				fc = append(fc, dueForecast{at: t + 1 + lead, value: dec.Forecast})
			}
			if opt.Timeline != nil {
				opt.Timeline.forecast(t, dec.Forecast)
			}
		}
		if opt.Timeline != nil {
			opt.Timeline.add(t, d.Rate(t), need, len(cl.ready), cl.existing(), s.Arrivals, acc.late+acc.timedOut+acc.rejected-before)
		}
	}
	eng.finish(n, cl, acc)
	r := acc.result(pol.Name(), cl.coldStarts-coldBefore, opt.Lead)
	r.Target = opt.Target
	r.Engine = opt.Engine
	r.Trace = d.name
	r.GapBuckets = d.gaps
	r.RateScale = d.Scale
	r.PeakInstances = d.Peak
	r.FloorViolPct = round(m.floorPct(), 4)
	r.ExcessViolPct = round(max(0, r.SLOViolationPct-r.FloorViolPct), 4)
	return r, acc, nil
}

// demandIn is the true demand at second t in the policy's metric units.
func demandIn(d *Demand, metric string, t int64) float64 {
	if metric == "rps" {
		return d.Rate(t)
	}
	return d.Concurrency(t)
}

// OracleSource gives the oracle policy the true future demand (it converts
// to autoscale.OracleSource).
func (d *Demand) OracleSource(metric string) func(time.Time) float64 {
	return func(at time.Time) float64 { return demandIn(d, metric, d.second(at)) }
}
