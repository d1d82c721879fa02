package replay

import (
	"fmt"
	"time"

	"github.com/shoal-gw/shoal/internal/sim"
)

// Model is the simulator's view of the live service: the same slots,
// service time (lognormal with a small spread: the live one is a fixed
// delay plus the gateway's and the scheduler's jitter), queue, SLO, and
// the cold start the gateway measured. Actuation is 1 s: the live
// controller acts on a second's signals about a second after it began.
func (s Setup) Model(coldStart time.Duration) sim.Model {
	m := sim.DefaultModel()
	m.Slots = s.Slots
	m.ServiceMean = s.ServiceTime + 2*time.Millisecond
	m.ServiceDist, m.Sigma = "lognormal", 0.05
	m.ColdStart = coldStart
	m.Actuation = time.Second
	m.Drain = time.Second
	m.QueueTimeout = s.WaitTimeout
	m.QueueLimit = s.QueueLimit
	m.SLO = s.SLO
	return m
}

// RunSim replays the trace in the simulator once per policy, each built
// from the same spec as the live service (autoscaler.Spec.NewPolicy, time
// scale included) with the cold start measured live for that policy (or
// the config's hint when none was measured). engine is "request" or
// "fluid".
func RunSim(s Setup, coldStarts map[string]time.Duration, engine string) ([]Outcome, error) {
	return runSim(s, coldStarts, engine, 1)
}

func runSim(s Setup, coldStarts map[string]time.Duration, engine string, seed uint64) ([]Outcome, error) {
	s = s.WithDefaults()
	out := make([]Outcome, 0, len(s.Policies))
	for _, p := range s.Policies {
		cs := coldStarts[p]
		if cs <= 0 {
			cs = s.coldStartHint()
		}
		m := s.Model(cs)
		m.Seed = seed
		d, err := sim.NewDemand(s.Trace, m, 0)
		if err != nil {
			return nil, fmt.Errorf("sim demand: %w", err)
		}
		spec := s.spec(p)
		pol, err := spec.NewPolicy(cs)
		if err != nil {
			return nil, fmt.Errorf("sim policy %s: %w", p, err)
		}
		r, err := sim.Run(d, pol, m, sim.Options{Engine: engine, Metric: "concurrency", Target: spec.Target, Initial: s.Min})
		if err != nil {
			return nil, fmt.Errorf("simulating %s: %w", p, err)
		}
		out = append(out, Outcome{
			Policy: p, Requests: r.Requests, Violations: r.Violations, ViolationPct: r.SLOViolationPct,
			InstanceSeconds: r.InstanceSeconds, MaxInstances: r.MaxInstances, ColdStart: cs,
		})
	}
	return out, nil
}

// Spread is one policy's simulated outcome over several seeds of the
// request engine (arrival times and service times): the mean, and the
// range, which is the run-to-run noise a single live run also carries.
type Spread struct {
	Mean             Outcome
	ViolMin, ViolMax float64 // violating %
	CostMin, CostMax float64 // instance-seconds
	Seeds            int
}

// RunSimSeeds runs the request engine with seeds 1..n and summarises each
// policy.
func RunSimSeeds(s Setup, coldStarts map[string]time.Duration, n int) ([]Spread, error) {
	var out []Spread
	for seed := uint64(1); seed <= uint64(max(n, 1)); seed++ {
		res, err := runSim(s, coldStarts, "request", seed)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make([]Spread, len(res))
			for i, o := range res {
				out[i] = Spread{Mean: Outcome{Policy: o.Policy, ColdStart: o.ColdStart}, ViolMin: o.ViolationPct, ViolMax: o.ViolationPct, CostMin: o.InstanceSeconds, CostMax: o.InstanceSeconds}
			}
		}
		for i, o := range res {
			sp := &out[i]
			sp.Seeds++
			sp.Mean.Requests += o.Requests
			sp.Mean.Violations += o.Violations
			sp.Mean.ViolationPct += o.ViolationPct
			sp.Mean.InstanceSeconds += o.InstanceSeconds
			sp.Mean.MaxInstances = max(sp.Mean.MaxInstances, o.MaxInstances)
			sp.ViolMin, sp.ViolMax = min(sp.ViolMin, o.ViolationPct), max(sp.ViolMax, o.ViolationPct)
			sp.CostMin, sp.CostMax = min(sp.CostMin, o.InstanceSeconds), max(sp.CostMax, o.InstanceSeconds)
		}
	}
	for i := range out {
		k := float64(out[i].Seeds)
		m := &out[i].Mean
		m.Requests, m.Violations, m.ViolationPct, m.InstanceSeconds = m.Requests/k, m.Violations/k, m.ViolationPct/k, m.InstanceSeconds/k
	}
	return out, nil
}
