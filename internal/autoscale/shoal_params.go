package autoscale

import "time"

// ShoalParams configures the shoal policy. Zero values take the defaults.
type ShoalParams struct {
	// Interval between decisions. Default 2 s.
	Interval time.Duration
	// StableWindow averages the metric for steady-state sizing. Default 60 s.
	StableWindow time.Duration
	// PanicWindow averages the metric for bursts. Default 6 s.
	PanicWindow time.Duration
	// PanicThreshold: panic when the panic-window count reaches this many
	// times the instances ready or starting (and exceeds the stable count).
	// Default 1.0: as soon as the last seconds need more than is coming.
	// KPA waits for 2× ready, too late with a 30 s cold start; 1.0 cut
	// violations by up to a quarter against 1.2 in our simulations for
	// under 0.5 % more instance time.
	PanicThreshold float64
	// PanicHold keeps panic (no scale-down, panic sizing) this long after
	// the last time above the threshold. Default 30 s.
	PanicHold time.Duration
	// MaxScaleUpRate caps one decision at this many times the current
	// instances (at least 1). Default 10.
	MaxScaleUpRate float64
	// MaxScaleDownRate caps one decision at current / this. Default 2.
	MaxScaleDownRate float64
	// ScaleDownStabilization: scale down only to the max recommendation of
	// this window. Default 3 × (cold start + actuation delay), at least 60 s
	// (93 s with a 30 s cold start): giving back an instance that is needed
	// again within a few cold starts costs more (a cold start paid for, and
	// the requests that wait for it) than keeping it. Four cold starts (the
	// default until the scatter floor, the jitter floor and the release
	// took over what the window used to guard against) held more than the
	// rest of shoal needed: three cut the cost above oracle on all 17
	// presets at 30 s and 16 of 17 at 120 s, and on every made-up trace
	// it had not been chosen on. The live autoscaler passes the measured
	// cold start, so the window follows it.
	ScaleDownStabilization time.Duration
	// ScaleDownHysteresis h: scale in only to a count that runs the demand
	// at most (1 − h) × target, so that noise around an instance boundary
	// does not start and stop instances. Default 0.05; negative disables.
	ScaleDownHysteresis float64
	// Lead is how far ahead the forecast is read; it is raised to at least
	// cold start + actuation delay. Default cold start + actuation delay +
	// one Interval: a rise that reaches now+lead between two decisions is
	// acted on one interval late. Starts that scatter are the cold start's
	// business (the live autoscaler plans for the measured mean plus two
	// deviations), not a margin here: a fixed 15 s margin cost the timer
	// traces 2–3% of oracle's cost and bought nothing on any trace.
	Lead time.Duration
	// ZeroDemand: a forecast below this fraction of one instance's target
	// counts as "no demand" and does not keep an instance. Default 0.05.
	ZeroDemand float64
	// CollapseRatio and CollapseHold: when the last 10 s of demand fall
	// below CollapseRatio × the level of the minutes before (and the
	// seasonal profile did not expect it), the outage guard holds capacity
	// for up to CollapseHold, then releases it over half that again.
	// Defaults 0.3 and 60 min; a negative CollapseHold disables the guard.
	CollapseRatio float64
	CollapseHold  time.Duration
	// OutageErrorRatio: the outage guard also holds while at least this
	// share of requests fail (10 s). Default 0.5.
	OutageErrorRatio float64
	// OutageSurge is the initial estimate of the return surge after an
	// outage (fraction above the pre-outage demand) that the guard holds
	// capacity for; it is then learned from the service's own outages.
	// Default 1: clients that retry once double the load while the failed
	// requests come back. Negative: 0.
	OutageSurge float64
	// BurstExtrapolation k: in panic, size for panic + k × (panic − stable),
	// so a burst that is still rising is not already outgrown when the
	// instances ordered now are ready (flash crowds ramp over minutes, and
	// each minute of ramp met short costs a cold start of violations).
	// Default 2 (0.5 and 1 had 15–45 % more violations on our flash-crowd
	// traces for under 1 % less instance time); negative disables.
	BurstExtrapolation float64
	// BacklogDrain: with the concurrency metric, requests queued beyond
	// what arrivals × work explain count as the slots that would serve them
	// within this time. Default 3 s: the gateway times queued requests out
	// after a few seconds, so a backlog must go within seconds of the new
	// instances being ready or everything behind it is late.
	BacklogDrain time.Duration
	// ScatterZ: when the demand scatters from minute to minute by more
	// than the 5 % a target's headroom absorbs, hold its recent level times
	// exp(ScatterZ × the excess scatter) (see scatterFloor). Default 3: a
	// σ = 0.3 scatter is held at its 99th percentile, σ = 0.1 at its 93rd.
	// Negative disables.
	ScatterZ float64
	// JitterZ: when the demand of single seconds scatters around the stable
	// window's mean by more than the 10 % a target's headroom and the queue
	// absorb (σ relative to the mean, see secJitter), hold the mean ×
	// (1 + JitterZ × the excess). Default 2: on a per-second access-log
	// trace (Poisson, a few requests a second, rescaled) shoal at the 95 %
	// target went from 17× hpa's violations at equal cost to 0.45×; with 1
	// it had 3.4×, with 3 its cheapest point cost 26 % more. Negative
	// disables. Demand that is constant within minutes (any per-minute
	// trace in the simulator) has no such scatter; a trace in buckets of a
	// few seconds has the buckets' (secJitter reads the step length).
	JitterZ float64
	// PanicNoiseZ: panic only when the panic window's mean is above the
	// stable window's by more than PanicNoiseZ × the scatter the steps
	// alone give that mean (see secJitter.panicNoise). Default 4: on
	// traces in 2–30 s buckets shoal went from 1.0× the baselines'
	// violations at equal cost to 0.16–0.5× (3: about the same, a little
	// dearer); smooth demand has no scatter and panics as before. Negative
	// disables.
	PanicNoiseZ float64
	// RiseMargin m: a forecast rise by a ratio r over the lead (the
	// forecast at now + lead against the forecast for now) is applied to
	// the observed demand, plus m × min(1, r − 1) × the forecast's error
	// margin. Default 2: a doubling (a timer, a known peak) gets twice the
	// margin, a 10 % rise a fifth of it; noise around a flat level gets
	// none, which the target's headroom already covers. Negative: none.
	RiseMargin float64
	// ReleaseRise: a predicted rise to at least this many times the
	// observed demand is foreseen, and the capacity it brings is released
	// as soon as the forecast needs no more of it within the scale-in
	// window, instead of at the window's end (see foreseenRelease).
	// Default 1.5 (1.3 did the same on our traces; smaller rises are
	// ramps, whose capacity the window should keep). Negative disables.
	ReleaseRise float64
	// Reactive disables the predictive part (ablation).
	Reactive bool
	// Forecast tunes the forecaster.
	Forecast ForecastParams
}

func (s ShoalParams) withDefaults(p Params) ShoalParams {
	if s.Interval <= 0 {
		s.Interval = 2 * time.Second
	}
	if s.StableWindow <= 0 {
		s.StableWindow = 60 * time.Second
	}
	if s.PanicWindow <= 0 {
		s.PanicWindow = 6 * time.Second
	}
	if s.PanicThreshold <= 0 {
		s.PanicThreshold = 1.0
	}
	if s.PanicHold <= 0 {
		s.PanicHold = 30 * time.Second
	}
	if s.MaxScaleUpRate <= 0 {
		s.MaxScaleUpRate = 10
	}
	if s.MaxScaleDownRate <= 0 {
		s.MaxScaleDownRate = 2
	}
	floor := p.ColdStart + p.ActuationDelay
	if s.ScaleDownStabilization <= 0 {
		s.ScaleDownStabilization = max(shoalScaleDownColdStarts*floor, 60*time.Second)
	}
	switch {
	case s.ScaleDownHysteresis == 0:
		s.ScaleDownHysteresis = 0.05
	case s.ScaleDownHysteresis < 0:
		s.ScaleDownHysteresis = 0
	case s.ScaleDownHysteresis > 0.5:
		s.ScaleDownHysteresis = 0.5
	}
	if s.OutageErrorRatio <= 0 {
		s.OutageErrorRatio = 0.5
	}
	defaultOrOff(&s.OutageSurge, 1)
	if s.Lead <= 0 {
		s.Lead = floor + s.Interval
	}
	if s.Lead < floor {
		s.Lead = floor
	}
	if s.BurstExtrapolation == 0 {
		s.BurstExtrapolation = 2
	}
	if s.CollapseRatio <= 0 {
		s.CollapseRatio = 0.3
	}
	if s.CollapseHold == 0 {
		s.CollapseHold = 60 * time.Minute
	}
	if s.BacklogDrain <= 0 {
		s.BacklogDrain = 3 * time.Second
	}
	if s.ScatterZ == 0 {
		s.ScatterZ = 3
	}
	defaultOrOff(&s.JitterZ, 2)
	defaultOrOff(&s.PanicNoiseZ, 4)
	defaultOrOff(&s.RiseMargin, 2)
	defaultOrOff(&s.ReleaseRise, 1.5)
	if s.ZeroDemand <= 0 {
		s.ZeroDemand = 0.05
	}
	return s
}

// defaultOrOff gives a parameter where zero means "the default" and a
// negative value means "off" its effective value: d, or 0.
func defaultOrOff(v *float64, d float64) {
	switch {
	case *v == 0:
		*v = d
	case *v < 0:
		*v = 0
	}
}
