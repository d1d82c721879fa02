package autoscaler

import (
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Default time constants of the policies in internal/autoscale (their
// documented defaults), which scaleTime multiplies. The policies fill a
// zero field with its default, so a scaled run has to write every one out.
const (
	hpaSyncPeriod     = 15 * time.Second
	hpaMetricWindow   = 30 * time.Second
	hpaScaleDownStab  = 300 * time.Second
	hpaPolicyPeriod   = 15 * time.Second
	kpaTickInterval   = 2 * time.Second
	kpaStableWindow   = 60 * time.Second
	shoalInterval     = 2 * time.Second
	shoalStableWindow = 60 * time.Second
	shoalPanicWindow  = 6 * time.Second
	shoalPanicHold    = 30 * time.Second
	shoalScaleDownMin = 60 * time.Second // and at least 4 cold starts
	shoalLeadMargin   = 15 * time.Second
	shoalCollapseHold = 60 * time.Minute
)

// minWindow is the shortest averaging window worth having: the controller
// feeds one sample per second, so a shorter window would still hold one.
const minWindow = time.Second

// scaleTime multiplies every policy time constant that the scale block does
// not set by f. Windows are kept at one sample or more; intervals may go
// below the controller's one-second tick (the policy is then asked on
// every tick). KPA's panic window is a percentage of its stable window, so
// it scales with it; hpa's and kpa's zero-by-default delays stay zero.
func scaleTime(p *autoscale.Params, f float64) {
	mul := func(d time.Duration) time.Duration { return max(time.Duration(float64(d)*f), time.Millisecond) }
	window := func(d time.Duration) time.Duration { return max(mul(d), minWindow) }

	p.HPA.SyncPeriod = mul(hpaSyncPeriod)
	p.HPA.MetricWindow = window(hpaMetricWindow)
	p.HPA.ScaleDownStabilization = window(hpaScaleDownStab)
	p.HPA.ScaleUpPeriod = mul(hpaPolicyPeriod)
	p.HPA.ScaleDownPeriod = mul(hpaPolicyPeriod)

	p.KPA.TickInterval = mul(kpaTickInterval)
	p.KPA.StableWindow = window(kpaStableWindow)

	p.Shoal.Interval = mul(shoalInterval)
	p.Shoal.StableWindow = window(shoalStableWindow)
	p.Shoal.PanicWindow = window(shoalPanicWindow)
	p.Shoal.PanicHold = mul(shoalPanicHold)
	// Four cold starts (real ones: the instances start in real time), and
	// at least the scaled minute.
	p.Shoal.ScaleDownStabilization = max(4*(p.ColdStart+p.ActuationDelay), window(shoalScaleDownMin))
	p.Shoal.CollapseHold = window(shoalCollapseHold)
	// The lead's margin covers the ramp inside a forecast minute; the cold
	// start it is added to is real (measured), so only the margin scales.
	p.Shoal.Lead = p.ColdStart + p.ActuationDelay + mul(shoalLeadMargin)
}
