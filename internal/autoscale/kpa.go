package autoscale

import (
	"math"
	"time"
)

// KPAParams are the Knative Pod Autoscaler knobs (config-autoscaler). Zero
// values take the Knative defaults given on each field.
type KPAParams struct {
	// TickInterval is tick-interval. Default 2 s.
	TickInterval time.Duration
	// StableWindow is stable-window. Default 60 s.
	StableWindow time.Duration
	// PanicWindowPercent is panic-window-percentage of the stable window.
	// Default 10 (6 s).
	PanicWindowPercent float64
	// PanicThresholdPercent is panic-threshold-percentage. Default 200.
	PanicThresholdPercent float64
	// MaxScaleUpRate is max-scale-up-rate. Default 1000.
	MaxScaleUpRate float64
	// MaxScaleDownRate is max-scale-down-rate. Default 2.
	MaxScaleDownRate float64
	// TargetUtilization is container-concurrency-target-percentage / 100.
	// Default DefaultKPAUtilization.
	TargetUtilization float64
	// ActivationScale is activation-scale: the least count when scaling up
	// from zero. Default 1.
	ActivationScale int
	// ScaleDownDelay is scale-down-delay. Default 0 (none).
	ScaleDownDelay time.Duration
}

func (k KPAParams) withDefaults() KPAParams {
	if k.TickInterval <= 0 {
		k.TickInterval = 2 * time.Second
	}
	if k.StableWindow <= 0 {
		k.StableWindow = 60 * time.Second
	}
	if k.PanicWindowPercent <= 0 {
		k.PanicWindowPercent = 10
	}
	if k.PanicThresholdPercent <= 0 {
		k.PanicThresholdPercent = 200
	}
	if k.MaxScaleUpRate <= 0 {
		k.MaxScaleUpRate = 1000
	}
	if k.MaxScaleDownRate <= 0 {
		k.MaxScaleDownRate = 2
	}
	if k.TargetUtilization <= 0 {
		k.TargetUtilization = DefaultKPAUtilization
	}
	if k.ActivationScale <= 0 {
		k.ActivationScale = 1
	}
	return k
}

// KPA re-implements Knative's autoscaler decider (pkg/autoscaler/scaling)
// plus the scale-to-zero gate of the KPA reconciler.
//
// Per tick: stable and panic window averages (linear, over the seconds seen
// so far); desired = ceil(avg / (target × utilisation)) bounded to
// [floor(ready/maxScaleDownRate), ceil(ready × maxScaleUpRate)] with ready
// counted as at least 1; panic starts when panic-desired/ready ≥ threshold,
// is extended while above it and ends a stable window after the last time
// above; in panic the count never goes down (max of panic and stable
// desired, held at the panic maximum). Scale to zero: when the decider says
// 0, one instance is kept for ScaleToZeroGrace before going to 0 (the
// revision's stable-window inactivity is already in the stable average).
// A new KPA that sees more than one ready instance at its first tick starts
// in panic, as Knative does after an autoscaler restart.
type KPA struct {
	p         Params
	k         KPAParams
	stable    *secWindow
	panicWin  *secWindow
	target    float64
	started   bool
	panicTime time.Time
	maxPanic  int
	zeroSince time.Time
	delay     *timedLog
}

// NewKPA builds the kpa policy.
func NewKPA(p Params) (*KPA, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	k := p.KPA.withDefaults()
	panicWin := time.Duration(float64(k.StableWindow) * k.PanicWindowPercent / 100)
	a := &KPA{
		p: p, k: k,
		stable:   newSecWindow(k.StableWindow),
		panicWin: newSecWindow(panicWin),
		target:   p.Target * k.TargetUtilization,
	}
	if k.ScaleDownDelay > 0 {
		a.delay = newTimedLog(k.ScaleDownDelay, int(k.ScaleDownDelay/k.TickInterval)+2)
	}
	return a, nil
}

func (a *KPA) Name() string            { return "kpa" }
func (a *KPA) Interval() time.Duration { return a.k.TickInterval }
func (a *KPA) Observe(s Sample) {
	v := a.p.value(s)
	a.stable.push(v)
	a.panicWin.push(v)
}

// Decide runs one autoscaler tick and the reconciler's bounds.
func (a *KPA) Decide(st State) Decision {
	now := st.Now
	if !a.started {
		a.started = true
		if st.Ready > 1 {
			a.panicTime, a.maxPanic = now, st.Ready
		}
	}
	if a.stable.empty() {
		return Decision{Desired: st.Desired, Reason: "kpa: no data yet"}
	}
	ready := math.Max(1, float64(st.Ready))
	maxUp := math.Ceil(a.k.MaxScaleUpRate * ready)
	maxDown := math.Floor(ready / a.k.MaxScaleDownRate)
	stableV, panicV := a.stable.mean(), a.panicWin.mean()
	dspc := float64(ceilDiv(stableV, a.target))
	dppc := float64(ceilDiv(panicV, a.target))
	desiredStable := int(math.Min(math.Max(dspc, maxDown), maxUp))
	desiredPanic := int(math.Min(math.Max(dppc, maxDown), maxUp))
	if act := a.k.ActivationScale; act > 1 {
		if dspc > 0 && act > desiredStable {
			desiredStable = act
		}
		if dppc > 0 && act > desiredPanic {
			desiredPanic = act
		}
	}

	over := dppc/ready >= a.k.PanicThresholdPercent/100
	switch {
	case over:
		a.panicTime = now
	case !a.panicTime.IsZero() && a.panicTime.Add(a.k.StableWindow).Before(now):
		a.panicTime, a.maxPanic = time.Time{}, 0
	}
	desired := desiredStable
	reason := "kpa: stable"
	inPanic := !a.panicTime.IsZero()
	if inPanic {
		reason = "kpa: panic"
		if desiredPanic > desired {
			desired = desiredPanic
		}
		if desired > a.maxPanic {
			a.maxPanic = desired
		}
		desired = a.maxPanic
	}
	if a.delay != nil {
		a.delay.add(now, desired)
		desired = a.delay.maxSince(now, a.k.ScaleDownDelay, desired)
	}
	desired, reason = a.scaleToZero(st, desired, reason)
	return Decision{Desired: a.p.clamp(desired), Reason: reason, Panic: inPanic}
}

// scaleToZero holds one instance for the grace period once the decider
// asks for zero; with Min > 0 the bounds keep the floor anyway.
func (a *KPA) scaleToZero(st State, desired int, reason string) (int, string) {
	if desired > 0 {
		a.zeroSince = time.Time{}
		if st.Ready == 0 && desired < a.k.ActivationScale {
			return a.k.ActivationScale, "kpa: activating"
		}
		return desired, reason
	}
	if a.zeroSince.IsZero() {
		a.zeroSince = st.Now
	}
	if st.Now.Sub(a.zeroSince) >= a.p.ScaleToZeroGrace {
		return 0, "kpa: scale to zero"
	}
	if st.Ready+st.Starting == 0 && st.Desired == 0 {
		return 0, "kpa: idle at zero"
	}
	return 1, "kpa: waiting for scale-to-zero grace"
}
