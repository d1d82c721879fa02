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
	// this window. Default 120 s: with a 30 s cold start, giving back an
	// instance that is needed again within two minutes costs more (a cold
	// start and the requests that wait for it) than keeping it.
	ScaleDownStabilization time.Duration
	// Lead is how far ahead the forecast is read; it is raised to at least
	// cold start + actuation delay. Default cold start + actuation delay +
	// 15 s (the forecast is per minute; the extra covers the ramp inside it).
	Lead time.Duration
	// ZeroDemand: a forecast below this fraction of one instance's target
	// counts as "no demand" and does not keep an instance. Default 0.05.
	ZeroDemand float64
	// CollapseRatio and CollapseHold: when the observed demand falls below
	// CollapseRatio × the usual (seasonal) demand, keep the usual capacity
	// for up to CollapseHold. Defaults 0.3 and 60 min; a negative
	// CollapseHold disables this.
	CollapseRatio float64
	CollapseHold  time.Duration
	// BurstExtrapolation k: in panic, size for panic + k × (panic − stable),
	// so a burst that is still rising is not already outgrown when the
	// instances ordered now are ready. Default 0.5; negative disables.
	BurstExtrapolation float64
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
	if s.ScaleDownStabilization <= 0 {
		s.ScaleDownStabilization = 120 * time.Second
	}
	floor := p.ColdStart + p.ActuationDelay
	if s.Lead <= 0 {
		s.Lead = floor + 15*time.Second
	}
	if s.Lead < floor {
		s.Lead = floor
	}
	if s.BurstExtrapolation == 0 {
		s.BurstExtrapolation = 0.5
	}
	if s.CollapseRatio <= 0 {
		s.CollapseRatio = 0.3
	}
	if s.CollapseHold == 0 {
		s.CollapseHold = 60 * time.Minute
	}
	if s.ZeroDemand <= 0 {
		s.ZeroDemand = 0.05
	}
	return s
}
