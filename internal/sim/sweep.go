package sim

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Job is one simulation: a policy at a target.
type Job struct {
	Policy string
	Target float64
}

// Setup is everything shared by the jobs of one invocation.
type Setup struct {
	Demand *Demand
	Model  Model
	Engine string
	// Metric is "concurrency" or "rps".
	Metric   string
	Min, Max int
	// Warmup is excluded from the metrics (policies still observe it).
	Warmup time.Duration
}

// DefaultTarget is the per-instance target a policy gets when none is
// given: autoscale.TargetShare of an instance's capacity (7 in flight
// with 10 slots for hpa, weekago and oracle; 7.5 for shoal; 10 for kpa).
// --sweep compares whole fronts, on which the default point is one among
// many.
func DefaultTarget(policy, metric string, m Model) float64 {
	return autoscale.TargetShare(policy) * capacity(metric, m)
}

// capacity is what one instance takes in the metric's units: its slots,
// or the request rate they serve.
func capacity(metric string, m Model) float64 {
	c := float64(m.Slots)
	if metric == "rps" {
		c /= m.ServiceMean.Seconds()
	}
	return c
}

// SweepTargets are the targets --sweep tries for a policy: effective
// setpoints from 40% to 95% of an instance's capacity, denser at the top
// where the cost/SLO trade-off bends.
func SweepTargets(policy, metric string, m Model) []float64 {
	if policy == "static" {
		return []float64{0}
	}
	c := capacity(metric, m)
	fracs := []float64{0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.925, 0.95}
	out := make([]float64, len(fracs))
	for i, f := range fracs {
		v := f * c
		if policy == "kpa" {
			v /= autoscale.DefaultKPAUtilization
		}
		out[i] = math.Round(v*1000) / 1000
	}
	return out
}

// NewPolicy builds a policy for the setup.
func (s *Setup) NewPolicy(name string, target float64) (autoscale.Policy, error) {
	cold := s.Model.ColdStart
	if cold == 0 {
		// Params treats 0 as "default 30 s"; a nanosecond is "none".
		cold = time.Nanosecond
	}
	p := autoscale.Params{
		Metric:         autoscale.Metric(s.Metric),
		Target:         target,
		Min:            s.Min,
		Max:            s.Max,
		ColdStart:      cold,
		ActuationDelay: s.Model.Actuation,
		Peak:           s.Demand.Peak,
		Oracle:         s.Demand.OracleSource(s.Metric),
	}
	return autoscale.New(name, p)
}

// leader is implemented by policies whose forecast lead differs from cold
// start + actuation (shoal).
type leader interface{ Lead() time.Duration }

// RunJob runs one job; tl may be nil.
func (s *Setup) RunJob(j Job, tl *Timeline) (Result, error) {
	if j.Target == 0 {
		j.Target = DefaultTarget(j.Policy, s.Metric, s.Model)
	}
	pol, err := s.NewPolicy(j.Policy, j.Target)
	if err != nil {
		return Result{}, err
	}
	opt := Options{Engine: s.Engine, Metric: s.Metric, Target: j.Target, Initial: -1, Timeline: tl, Warmup: s.Warmup}
	if l, ok := pol.(leader); ok {
		opt.Lead = l.Lead()
	}
	if j.Policy == "kpa" {
		// Plots show what kpa actually aims at.
		opt.Target = j.Target * autoscale.DefaultKPAUtilization
	}
	r, err := Run(s.Demand, pol, s.Model, opt)
	if err != nil {
		return Result{}, fmt.Errorf("%s at target %v: %w", j.Policy, j.Target, err)
	}
	if j.Policy == "static" {
		r.Target = 0
	} else {
		r.Target = j.Target
	}
	return r, nil
}

// RunAll runs jobs on up to parallel goroutines and returns the results in
// job order.
func (s *Setup) RunAll(jobs []Job, parallel int) ([]Result, error) {
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	out := make([]Result, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = s.RunJob(jobs[i], nil)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
