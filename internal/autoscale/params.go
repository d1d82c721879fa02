package autoscale

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Metric selects which Sample field a policy scales on.
type Metric string

const (
	// MetricConcurrency scales on Sample.InFlight (requests in flight,
	// queued + served). Target is then the wanted in-flight per instance.
	MetricConcurrency Metric = "concurrency"
	// MetricRPS scales on Sample.Arrivals (requests per second). Target is
	// then the wanted request rate per instance.
	MetricRPS Metric = "rps"
)

// OracleSource returns the true demand (in the policy's metric units) at t.
// The simulator, which knows the whole trace, hands one to the oracle policy.
type OracleSource func(t time.Time) float64

// Defaults shared by several policies. Each is documented where it is used.
const (
	// DefaultTarget is the per-instance target when none is given: 10
	// requests in flight (or 10 requests/s with MetricRPS).
	DefaultTarget = 10.0
	// DefaultColdStart is the time from asking for an instance to it
	// taking traffic; 30 s is the reference case.
	DefaultColdStart = 30 * time.Second
	// DefaultScaleToZeroGrace is Knative's scale-to-zero-grace-period.
	DefaultScaleToZeroGrace = 30 * time.Second
)

// DefaultKPAUtilization is Knative's container-concurrency-target-percentage
// (70) / 100: kpa aims at this share of its Target.
const DefaultKPAUtilization = 0.7

// TargetShare is the share of an instance's capacity (its concurrency
// limit) that a policy's target is set at when none is given and the
// capacity is known: the one at which it runs smooth demand at about 70%
// of capacity, the HPA's customary setting. hpa, weekago and oracle 70%;
// kpa all of it, because it applies its own 70% utilisation (Knative's
// default when containerConcurrency is set); shoal 75%, because its
// target is a ceiling (it adds an instance as soon as the stable window
// would run one above the target, and gives one back only when the rest
// would run at 95% of it), where hpa's ±10% tolerance lets it run up to
// 10% over its target. At 70% shoal ran a diurnal trace at 68.9% of
// capacity on average against hpa's 72.6%, and cost 5% more than hpa on
// every smooth trace for the same violations; at 75% it runs at 73.8%.
func TargetShare(policy string) float64 {
	switch policy {
	case "kpa":
		return 1
	case "shoal":
		return 0.75
	}
	return 0.7
}

// Params configures any policy. Zero values mean "use the default"; the
// exceptions are Min (0 is a real value: scale to zero allowed) and
// ActuationDelay (0 is a real value: the scaler acts at once).
type Params struct {
	// Metric is MetricConcurrency (default) or MetricRPS.
	Metric Metric
	// Target is the per-instance setpoint in metric units. Default 10.
	// For kpa it is the per-instance concurrency (Knative's target) and the
	// autoscaler aims at KPA.TargetUtilization × Target.
	Target float64
	// Min and Max bound the instance count. Min 0 allows scale to zero
	// (kpa, shoal, oracle; hpa never goes below 1). Max ≤ 0 means no limit.
	Min, Max int
	// ColdStart is the time an instance needs to become ready. Default 30 s.
	ColdStart time.Duration
	// ActuationDelay is the time from a decision to the scaler creating
	// instances. Default 0.
	ActuationDelay time.Duration
	// ScaleToZeroGrace is how long a policy keeps one instance after its
	// windows say zero before it goes to zero. Default 30 s.
	ScaleToZeroGrace time.Duration

	// Peak is the instance count of the static policy (required by static).
	Peak int
	// Oracle gives the oracle policy the future (required by oracle).
	Oracle OracleSource

	HPA     HPAParams
	KPA     KPAParams
	WeekAgo WeekAgoParams
	Shoal   ShoalParams
}

// withDefaults fills the shared fields and checks them.
func (p Params) withDefaults() (Params, error) {
	if p.Metric == "" {
		p.Metric = MetricConcurrency
	}
	if p.Metric != MetricConcurrency && p.Metric != MetricRPS {
		return p, fmt.Errorf("metric %q: want %q or %q", p.Metric, MetricConcurrency, MetricRPS)
	}
	if p.Target == 0 {
		p.Target = DefaultTarget
	}
	if p.Target < 0 {
		return p, fmt.Errorf("target %v: must be positive", p.Target)
	}
	if p.Min < 0 {
		return p, fmt.Errorf("min %d: must not be negative", p.Min)
	}
	if p.Max > 0 && p.Max < p.Min {
		return p, fmt.Errorf("max %d is below min %d", p.Max, p.Min)
	}
	if p.ColdStart == 0 {
		p.ColdStart = DefaultColdStart
	}
	if p.ColdStart < 0 || p.ActuationDelay < 0 {
		return p, fmt.Errorf("cold start %v and actuation delay %v must not be negative", p.ColdStart, p.ActuationDelay)
	}
	if p.ScaleToZeroGrace == 0 {
		p.ScaleToZeroGrace = DefaultScaleToZeroGrace
	}
	return p, nil
}

// value extracts the scaling metric from a sample.
func (p *Params) value(s Sample) float64 {
	if p.Metric == MetricRPS {
		return s.Arrivals
	}
	return s.InFlight
}

// clamp applies Min and Max.
func (p *Params) clamp(n int) int {
	if n < p.Min {
		n = p.Min
	}
	if p.Max > 0 && n > p.Max {
		n = p.Max
	}
	return n
}

// constructors is built per call so there is no package-level mutable map.
func constructors() map[string]func(Params) (Policy, error) {
	return map[string]func(Params) (Policy, error){
		"shoal":   func(p Params) (Policy, error) { return NewShoal(p) },
		"hpa":     func(p Params) (Policy, error) { return NewHPA(p) },
		"kpa":     func(p Params) (Policy, error) { return NewKPA(p) },
		"weekago": func(p Params) (Policy, error) { return NewWeekAgo(p) },
		"static":  func(p Params) (Policy, error) { return NewStatic(p) },
		"oracle":  func(p Params) (Policy, error) { return NewOracle(p) },
	}
}

// Names lists the policy names New accepts, sorted.
func Names() []string {
	m := constructors()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// New builds the named policy. Unset Params fields take their defaults.
func New(name string, p Params) (Policy, error) {
	c, ok := constructors()[name]
	if !ok {
		return nil, fmt.Errorf("unknown policy %q (known: %v)", name, Names())
	}
	pol, err := c(p)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	return pol, nil
}

// ceilDiv returns ceil(v/target) as an int, never negative.
func ceilDiv(v, target float64) int {
	if v <= 0 {
		return 0
	}
	// The epsilon keeps float noise (0.7*10 = 7.000000000000001) from
	// asking for an extra instance.
	return int(math.Ceil(v/target - 1e-9))
}

// Lower bounds of a time-scaled constant. A decision interval or a rate
// period must stay positive (zero would read as "use the default", and the
// policies divide by them); an averaging window shorter than one of the
// per-second samples the policies are fed still holds one.
const (
	leastScaledInterval = time.Millisecond
	leastScaledWindow   = time.Second
)

// shoalScaleDownColdStarts is the number of cold starts in shoal's default
// scale-in window (ShoalParams.ScaleDownStabilization). TimeScaled keeps
// that part in real time; TestTimeScaledOneIsTheDefaults fails if it and
// ShoalParams.withDefaults disagree.
const shoalScaleDownColdStarts = 3

// TimeScaled returns p with the policies' own time constants multiplied
// by f (0.1: ten times faster), whether p sets them or leaves them to their
// defaults, for runs whose traffic is compressed in time (a demo's day in a
// minute, a trace replayed faster than it happened). f ≤ 0 returns p as is.
//
// Instances keep starting in real time, so ColdStart and ActuationDelay
// stay as written and so do the parts of shoal's defaults made of them:
// its default scale-in window is still three real cold starts (or the
// scaled minute if longer), its default lead the real cold start plus the
// scaled margin, and weekago's default lead stays derived (real cold start
// plus the scaled sync period). Also taken as written: ScaleToZeroGrace
// (the operator's promise of idle time), shoal's BacklogDrain (set by the
// gateway's real queue timeout) and the forecaster's horizons (it bins
// samples by calendar minute, day and week). Zero delays stay zero,
// negative (disabling) values stay negative, kpa's panic window follows
// its stable window, and no constant is cut below leastScaledInterval or
// leastScaledWindow unless it was already shorter. TimeScaled(1) gives the
// defaults.
//
// Invalid params are returned as given: building the policy reports them.
func (p Params) TimeScaled(f float64) Params {
	d, err := p.withDefaults()
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || err != nil {
		return p
	}
	scale := func(v, least time.Duration) time.Duration {
		if v <= 0 {
			return v
		}
		return max(time.Duration(float64(v)*f), min(v, least))
	}
	interval := func(v time.Duration) time.Duration { return scale(v, leastScaledInterval) }
	window := func(v time.Duration) time.Duration { return scale(v, leastScaledWindow) }

	h := p.HPA.withDefaults()
	p.HPA.SyncPeriod = interval(h.SyncPeriod)
	p.HPA.MetricWindow = window(h.MetricWindow)
	p.HPA.ScaleDownStabilization = window(h.ScaleDownStabilization)
	p.HPA.ScaleUpStabilization = window(h.ScaleUpStabilization)
	p.HPA.ScaleUpPeriod = interval(h.ScaleUpPeriod)
	p.HPA.ScaleDownPeriod = interval(h.ScaleDownPeriod)

	k := p.KPA.withDefaults()
	p.KPA.TickInterval = interval(k.TickInterval)
	p.KPA.StableWindow = window(k.StableWindow)
	p.KPA.ScaleDownDelay = window(k.ScaleDownDelay)

	p.WeekAgo.Lead = interval(p.WeekAgo.Lead)

	s := p.Shoal.withDefaults(d)
	p.Shoal.Interval = interval(s.Interval)
	p.Shoal.StableWindow = window(s.StableWindow)
	p.Shoal.PanicWindow = window(s.PanicWindow)
	p.Shoal.PanicHold = interval(s.PanicHold)
	p.Shoal.CollapseHold = window(s.CollapseHold)
	// Shoal's defaults with no cold start are their time-only parts: the
	// scale-in window's minimum and the lead's margin (one decision
	// interval, scaled above).
	floor := d.ColdStart + d.ActuationDelay
	bare := p.Shoal.withDefaults(Params{})
	if p.Shoal.ScaleDownStabilization <= 0 {
		p.Shoal.ScaleDownStabilization = max(shoalScaleDownColdStarts*floor, window(bare.ScaleDownStabilization))
	} else {
		p.Shoal.ScaleDownStabilization = window(s.ScaleDownStabilization)
	}
	if p.Shoal.Lead <= 0 {
		p.Shoal.Lead = floor + p.Shoal.Interval
	} else {
		p.Shoal.Lead = interval(p.Shoal.Lead) // the policy raises it to the real floor
	}
	return p
}
