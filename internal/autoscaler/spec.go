package autoscaler

import (
	"fmt"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Spec is one service's scale block, as the controller needs it.
type Spec struct {
	// Policy names an autoscale policy: shoal (default), hpa, kpa, weekago,
	// static.
	Policy string
	// Metric is "concurrency" (default) or "rps".
	Metric string
	// Target is the wanted load per instance in metric units. Default:
	// autoscale.TargetShare of ContainerConcurrency with the concurrency
	// metric when that is set, else 10. Never above ContainerConcurrency
	// with the concurrency metric.
	Target float64
	// ContainerConcurrency is the requests one instance serves at once (0:
	// no limit); it sets the default Target.
	ContainerConcurrency int
	// Min and Max bound the instance count; Min 0 allows scale to zero,
	// Max 0 means no limit.
	Min, Max int
	// ColdStartHint is the expected start-to-ready time until the scaler
	// has measured one (default 30 s).
	ColdStartHint time.Duration
	// ScaleToZeroGrace is how long the last instance stays after traffic
	// stops, when Min is 0 (default 30 s).
	ScaleToZeroGrace time.Duration
	// TimeScale, when above 0, multiplies the policy's own time constants
	// (decision interval, averaging windows, stabilisation, panic hold,
	// forecast margin) for runs whose traffic is compressed in time: the
	// demo's day in a minute, a trace replayed faster than it happened.
	// ColdStartHint and ScaleToZeroGrace are taken as written. 0 or 1:
	// real time.
	TimeScale float64
}

func (s Spec) withDefaults() Spec {
	if s.Policy == "" {
		s.Policy = "shoal"
	}
	if s.Metric == "" {
		s.Metric = string(autoscale.MetricConcurrency)
	}
	limit := 0.0
	if s.Metric == string(autoscale.MetricConcurrency) && s.ContainerConcurrency > 0 {
		limit = float64(s.ContainerConcurrency)
	}
	switch {
	case s.Target == 0 && limit > 0:
		s.Target = autoscale.TargetShare(s.Policy) * limit
	case s.Target == 0:
		s.Target = autoscale.DefaultTarget
	case limit > 0 && s.Target > limit:
		// An instance never holds more than its limit, so in-flight per
		// instance would pass a higher target only once requests already
		// wait at the gateway. Knative lowers its target the same way.
		s.Target = limit
	}
	if s.ColdStartHint <= 0 {
		s.ColdStartHint = autoscale.DefaultColdStart
	}
	if s.ScaleToZeroGrace <= 0 {
		s.ScaleToZeroGrace = autoscale.DefaultScaleToZeroGrace
	}
	return s
}

// params turns the spec into policy parameters with the given cold start.
func (s Spec) params(coldStart time.Duration) autoscale.Params {
	p := autoscale.Params{
		Metric:           autoscale.Metric(s.Metric),
		Target:           s.Target,
		Min:              s.Min,
		Max:              s.Max,
		ColdStart:        coldStart,
		ScaleToZeroGrace: s.ScaleToZeroGrace,
	}
	if s.Policy == "static" {
		// The static policy keeps max instances (the config's meaning).
		p.Peak = max(s.Max, s.Min, 1)
	}
	if s.TimeScale > 0 && s.TimeScale != 1 {
		scaleTime(&p, s.TimeScale)
	}
	return p
}

// NewPolicy builds the policy the spec names, with its defaults and the
// given cold start, exactly as the controller does: a simulator replaying
// the same traffic gets the same policy as the live gateway.
func (s Spec) NewPolicy(coldStart time.Duration) (autoscale.Policy, error) {
	return s.withDefaults().build(coldStart)
}

// build makes the policy the spec names, with the given cold start.
func (s Spec) build(coldStart time.Duration) (autoscale.Policy, error) {
	p, err := autoscale.New(s.Policy, s.params(coldStart))
	if err != nil {
		return nil, fmt.Errorf("building %s policy: %w", s.Policy, err)
	}
	return p, nil
}

// clamp applies Min and Max (the policies do too; this also covers wakes
// and policies that do not know the bounds).
func (s Spec) clamp(n int) int {
	n = max(n, s.Min)
	if s.Max > 0 && n > s.Max {
		n = s.Max
	}
	return n
}

// leadSensitive reports whether the policy uses the cold start (as its
// forecast lead): only those are rebuilt when the measured cold start moves.
func leadSensitive(p autoscale.Policy) bool {
	_, ok := p.(interface{ Lead() time.Duration })
	return ok
}

// plannedColdStart is the cold start the policies plan their lead for:
// the measured mean plus two mean deviations. Starts that scatter widen the
// lead by what they scatter, and steady ones (a deterministic simulator,
// a warm image cache) cost no margin at all, where a fixed margin in each
// policy would be too short for the first and wasted on the second.
func plannedColdStart(o Observed) time.Duration {
	if o.ColdStart <= 0 {
		return 0
	}
	return o.ColdStart + 2*o.ColdStartSpread
}

// materialChange reports whether a measured cold start differs enough from
// the one in use to rebuild the policy: by a quarter and at least 2 s.
func materialChange(used, measured time.Duration) bool {
	if measured <= 0 {
		return false
	}
	d := measured - used
	if d < 0 {
		d = -d
	}
	return d >= 2*time.Second && d*4 >= used
}
