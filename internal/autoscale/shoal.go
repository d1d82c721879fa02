package autoscale

import (
	"math"
	"time"
)

// Shoal is our policy: a reactive controller (stable + panic windows, rate
// limits, scale-down stabilisation, scale to zero after an idle grace) max'd
// with a predictive one (forecast at now+lead plus an upper error quantile,
// see Forecaster). The forecast can only raise the count: scale-in happens
// when observed demand (and the forecast) has fallen. With short history or
// recently wrong forecasts it is purely reactive.
type Shoal struct {
	p         Params
	s         ShoalParams
	stable    *secWindow
	panicWin  *secWindow
	fc        *Forecaster
	recs      *timedLog
	panicTime time.Time
	maxPanic  int
	idleSecs  int
	work      workEstimator
	// collapseSince is when observed demand fell below CollapseRatio of
	// the usual; zero when it has not.
	collapseSince time.Time
}

// NewShoal builds the shoal policy.
func NewShoal(p Params) (*Shoal, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	s := p.Shoal.withDefaults(p)
	return &Shoal{
		p: p, s: s,
		stable:   newSecWindow(s.StableWindow),
		panicWin: newSecWindow(s.PanicWindow),
		fc:       NewForecaster(s.Forecast, p.Target, s.Lead),
		recs:     newTimedLog(s.ScaleDownStabilization, int(s.ScaleDownStabilization/s.Interval)+2),
	}, nil
}

func (a *Shoal) Name() string            { return "shoal" }
func (a *Shoal) Interval() time.Duration { return a.s.Interval }

// Lead is how far ahead Decision.Forecast looks.
func (a *Shoal) Lead() time.Duration { return a.s.Lead }

// Forecaster exposes the learned model (for plots and diagnostics).
func (a *Shoal) Forecaster() *Forecaster { return a.fc }

// Observe feeds the windows and the forecaster. Allocation-free.
func (a *Shoal) Observe(s Sample) {
	v := a.p.value(s)
	if a.p.Metric == MetricConcurrency {
		v = a.work.signal(s)
	}
	a.stable.push(v)
	a.panicWin.push(v)
	a.fc.Observe(s.T, v)
	if v == 0 && s.Arrivals == 0 && s.InFlight == 0 {
		a.idleSecs++
	} else {
		a.idleSecs = 0
	}
}

// Decide combines the reactive and predictive recommendations.
func (a *Shoal) Decide(st State) Decision {
	now := st.Now
	reactive, panic := a.reactive(st)
	rec, reason := reactive, "shoal: reactive"
	if panic {
		reason = "shoal: panic"
	}
	forecast, point, predicted, why := a.predictive(now)
	if why != "" && !panic {
		reason = why
	}
	// The forecast acts only when its point value alone needs more than
	// the observed demand: a predicted rise. Then it sizes for the upper
	// bound. In flat stretches the reactive part (with its target headroom)
	// already covers noise, and a margin there would only cost.
	if ceilDiv(point, a.p.Target) <= rec {
		predicted = 0
	}
	if hold := a.collapseHold(now); hold > rec && !a.s.Reactive {
		rec, reason = hold, "shoal: holding usual capacity through a collapse"
	}
	if predicted > rec {
		rec, reason = predicted, "shoal: predictive scale-out"
	}
	// Scale-down stabilisation: the max recommendation of the window.
	a.recs.add(now, rec)
	desired := a.recs.maxSince(now, a.s.ScaleDownStabilization, rec)
	if panic && desired < a.maxPanic {
		desired = a.maxPanic
	}

	// Rate limits relative to what exists or is coming.
	have := max(st.Ready+st.Starting, 1)
	if up := int(math.Ceil(a.s.MaxScaleUpRate * float64(have))); desired > up {
		desired, reason = up, "shoal: scale-up rate limited"
	}
	if down := int(math.Floor(float64(st.Desired) / a.s.MaxScaleDownRate)); desired < down {
		desired, reason = down, "shoal: scale-down rate limited"
	}

	// Scale to zero only after an idle grace, and never against a forecast.
	if desired == 0 && st.Desired > 0 {
		if a.p.Min > 0 || time.Duration(a.idleSecs)*time.Second < a.p.ScaleToZeroGrace {
			desired, reason = 1, "shoal: idle, waiting for scale-to-zero grace"
		} else {
			reason = "shoal: scale to zero"
		}
	}
	return Decision{Desired: a.p.clamp(desired), Reason: reason, Forecast: forecast, Panic: panic}
}

// reactive sizes from observed demand: the stable window, or in panic the
// larger of stable and panic windows, never shrinking while in panic.
func (a *Shoal) reactive(st State) (int, bool) {
	if a.stable.empty() {
		return st.Desired, false
	}
	dspc := ceilDiv(a.stable.mean(), a.p.Target)
	dppc := ceilDiv(a.panicWin.mean(), a.p.Target)
	capacity := float64(max(st.Ready+st.Starting, 1))
	if float64(dppc) >= a.s.PanicThreshold*capacity && dppc > dspc {
		a.panicTime = st.Now
	} else if !a.panicTime.IsZero() && st.Now.Sub(a.panicTime) > a.s.PanicHold {
		a.panicTime, a.maxPanic = time.Time{}, 0
	}
	if a.panicTime.IsZero() {
		return dspc, false
	}
	d := max(dspc, dppc)
	if k := a.s.BurstExtrapolation; k > 0 {
		// A burst that is still rising: the panic window is ahead of the
		// stable one by about half a stable window; project that rise over
		// the cold start so the instances ordered now are not already short.
		sv, pv := a.stable.mean(), a.panicWin.mean()
		if pv > sv {
			d = max(d, ceilDiv(pv+k*(pv-sv), a.p.Target))
		}
	}
	if d > a.maxPanic {
		a.maxPanic = d
	}
	return a.maxPanic, true
}

// predictive returns the forecast (metric units, upper bound) at now+lead
// and the instances it needs, or a reason why it is not used.
func (a *Shoal) predictive(now time.Time) (upper, point float64, n int, why string) {
	if a.s.Reactive {
		return 0, 0, 0, ""
	}
	point, upper, ok := a.fc.Forecast(now.Add(a.s.Lead))
	switch status := a.fc.Status(); {
	case !ok || status == ShortHistory:
		return upper, point, 0, "shoal: reactive (history too short)"
	case status == Unreliable:
		return upper, point, 0, "shoal: reactive (forecast unreliable)"
	}
	if point < a.s.ZeroDemand*a.p.Target {
		return upper, point, 0, ""
	}
	return upper, point, ceilDiv(upper, a.p.Target), ""
}

// collapseHold keeps the usual (seasonal) capacity for a while when
// observed demand suddenly falls far below it: outages and monitoring gaps
// end with the traffic coming back at once (often with retries on top), and
// a cold start then is the worst moment. Bounded by CollapseHold, so a
// lasting drop costs at most that much.
func (a *Shoal) collapseHold(now time.Time) int {
	if a.fc.Status() != Usable {
		a.collapseSince = time.Time{}
		return 0
	}
	// Compare like with like: the stable window's mean against the usual
	// demand at its middle.
	usualNow, ok := a.fc.Seasonal(now.Add(-a.s.StableWindow / 2))
	if !ok || usualNow < a.p.Target || a.stable.mean() >= a.s.CollapseRatio*usualNow {
		a.collapseSince = time.Time{}
		return 0
	}
	if a.collapseSince.IsZero() {
		a.collapseSince = now
	}
	usual, ok := a.fc.Seasonal(now.Add(a.s.Lead))
	if !ok || now.Sub(a.collapseSince) > a.s.CollapseHold {
		return 0
	}
	return ceilDiv(max(usual, usualNow), a.p.Target)
}

// Snapshot saves the forecaster (the windows are seconds long and are not
// worth keeping across a restart).
func (a *Shoal) Snapshot() ([]byte, error) { return a.fc.Snapshot() }

// Restore loads a Snapshot.
func (a *Shoal) Restore(data []byte) error { return a.fc.Restore(data) }
