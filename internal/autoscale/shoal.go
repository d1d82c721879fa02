package autoscale

import (
	"fmt"
	"math"
	"time"
)

// Shoal is our policy: a reactive controller (stable + panic windows on
// Little's-law demand, rate limits, scale-in hysteresis and stabilisation
// sized from the cold start, scale to zero after an idle grace) max'd with a
// predictive one (forecast at now+lead plus an upper error quantile, see
// Forecaster) and an outage guard (see outageGuard). The forecast can only
// raise the count: scale-in happens when observed demand has fallen. With
// short history or recently wrong forecasts it is purely reactive.
type Shoal struct {
	p         Params
	s         ShoalParams
	stable    *secWindow
	panicWin  *secWindow
	fc        *Forecaster
	recs      *timedLog
	release   *foreseenRelease
	panicTime time.Time
	maxPanic  int
	idleSecs  int
	// backlog is the last second's queue as the slots that would drain it
	// within BacklogDrain. It is added to the need of the moment only, not
	// to the windows, the forecaster or the scale-in window: a queue is
	// gone seconds after the capacity arrives, and remembering it as
	// demand held a transient peak for minutes (30 s cold start: bursty
	// +8.8 % → +6.9 % above oracle, jittery +98.9 % → +83.9 %).
	backlog float64
	work    workEstimator
	guard   *outageGuard
	scatter *scatterFloor
	jitter  *secJitter
	due     dueHold
	ramp    rampWatch
	// stepHold keeps a bucket's capacity to its end (see stepHold).
	stepHold stepHold
}

// NewShoal builds the shoal policy.
func NewShoal(p Params) (*Shoal, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	s := p.Shoal.withDefaults(p)
	stable := newSecWindow(s.StableWindow)
	return &Shoal{
		p: p, s: s,
		stable:   stable,
		jitter:   newSecJitter(stable),
		panicWin: newSecWindow(s.PanicWindow),
		fc:       NewForecaster(s.Forecast, p.Target, s.Lead),
		recs:     newRecLog(s),
		release:  newForeseenRelease(s),
		work:     newWorkEstimator(s.BacklogDrain, p.ColdStart+p.ActuationDelay),
		guard:    newOutageGuard(s),
		scatter:  newScatterFloor(s.ScatterZ, scatterLevelMinutes),
		ramp:     newRampWatch(s.StableWindow),
	}, nil
}

func (a *Shoal) Name() string            { return "shoal" }
func (a *Shoal) Interval() time.Duration { return a.s.Interval }

// Lead is how far ahead Decision.Forecast looks.
func (a *Shoal) Lead() time.Duration { return a.s.Lead }

// ScaleDownStabilization is the scale-in window in use (derived from the
// cold start unless set).
func (a *Shoal) ScaleDownStabilization() time.Duration { return a.s.ScaleDownStabilization }

// Forecaster exposes the learned model (for plots and diagnostics).
func (a *Shoal) Forecaster() *Forecaster { return a.fc }

// newRecLog is a log of one need per decision over the scale-in window.
func newRecLog(s ShoalParams) *timedLog {
	return newTimedLog(s.ScaleDownStabilization, int(s.ScaleDownStabilization/s.Interval)+2)
}

// Observe feeds the windows, the guard and the forecaster. Allocation-free.
func (a *Shoal) Observe(s Sample) {
	v := a.p.value(s)
	a.backlog = 0
	if a.p.Metric == MetricConcurrency {
		v, a.backlog = a.work.split(s)
	}
	a.stable.push(v)
	a.jitter.observe(a.stable, v)
	a.ramp.observe(s.T, v)
	a.panicWin.push(v)
	if a.s.ScatterZ > 0 {
		if !a.s.Reactive && a.fc.PatternSpike(s.T) {
			a.scatter.skipMinute()
		}
		a.scatter.observe(v)
	}
	a.fc.Observe(s.T, v)
	if a.guard.observe(s, v) && !a.s.Reactive {
		usualNow := 0.0
		if a.fc.Status() == Usable {
			usualNow, _ = a.fc.Seasonal(s.T)
		}
		a.guard.update(s.T, a.p.Target, usualNow)
	}
	if v == 0 && s.Arrivals == 0 && s.InFlight == 0 {
		a.idleSecs++
	} else {
		a.idleSecs = 0
	}
}

// Decide combines the reactive and predictive recommendations and the
// outage guard. The reason names the part that set the count.
func (a *Shoal) Decide(st State) Decision {
	now := st.Now
	demand, reason, panic := a.reactive(st)
	reactiveDemand := demand
	forecast, predicted, source, note := a.predictive(now, demand)
	if predicted > demand {
		// A scheduled window is the daily profile's word, not a pattern's:
		// released like the forecast's rises (see foreseenRelease.limit).
		if source != rampSource {
			a.release.predicted(now, predicted, demand, source != "" && source != dueSource)
		}
		demand, reason = predicted, fmt.Sprintf("shoal: forecast (rise predicted %v ahead)", a.s.Lead)
		if source != "" {
			reason = fmt.Sprintf("shoal: %s (rise predicted within %v)", source, a.s.Lead)
		}
	}
	if f := a.jitter.floor(a.stable.mean(), a.s.JitterZ); f > demand {
		demand, reason = f, "shoal: jitter (busy seconds of the last minute)"
	}
	scatter := a.scatter.value()
	if scatter > demand {
		demand, reason = scatter, "shoal: scatter (upper quantile of the recent minutes)"
	}
	hold, why := a.outageFloor(now)
	if hold > demand {
		demand, reason = hold, "shoal: outage guard ("+why+"), holding capacity for the return"
	}
	if note != "" && reason == reasonStable {
		reason += " (" + note + ")"
	}
	rec := ceilDiv(demand, a.p.Target)
	if rec < st.Desired {
		// Hysteresis: scale in only to a count that would still run below
		// the target by ScaleDownHysteresis, so noise around an instance
		// boundary does not start and stop instances.
		// Nor below what the last seconds need: after a step up the
		// stable window lags it for a minute, and once the capacity the
		// queue had called for drained the queue, shoal read the step as
		// gone and scaled in under it, into the next queue. A panic
		// window above the stable one by no more than the steps' own
		// scatter is not a step (ten-second buckets held more for it).
		d := demand
		if pv := a.panicWin.mean(); a.aboveStepScatter(pv, a.stable.mean()) {
			d = math.Max(d, pv)
		}
		rec = max(rec, min(st.Desired, ceilDiv(d, a.p.Target*(1-a.s.ScaleDownHysteresis))))
	}

	// Scale-in stabilisation: the max recommendation of the window.
	a.recs.add(now, rec)
	win := a.scaleInWindow(scatter)
	desired := a.recs.maxSince(now, win, rec)
	a.release.record(now, rec)
	released := false
	if !a.s.Reactive {
		floor := rec
		if a.release.patternGrace(now) {
			// The last seconds, not the stable window's minute (see
			// patternGrace); but the scatter floor and the outage guard,
			// which do not remember the spike, stay: releasing below the
			// scatter floor met the next minute's noise with a cold start.
			floor = min(rec, ceilDiv(math.Max(a.panicWin.mean(), math.Max(scatter, hold)), a.p.Target))
		}
		desired, released = a.release.limit(now, desired, floor, win, a.p.Target, a.fc)
	}
	if a.backlog > 0 {
		// The queue is work for now, not demand to remember (see backlog).
		// After a foreseen spike the stable window still holds the spike;
		// the release has just let that go, and a queue of a fraction of a
		// request must not buy it back: the work of now is the last seconds'.
		base := reactiveDemand
		if released {
			base = a.lastSeconds(base)
		}
		desired = max(desired, ceilDiv(base+a.backlog, a.p.Target))
	}
	if panic && desired < a.maxPanic {
		desired, released = a.maxPanic, false
	}
	stepHeld := false
	if !released {
		// A foreseen spike's release is the patterns' word, not a step's.
		d := a.stepHold.apply(desired, st.Desired, &a.ramp, a.scatter.sigma, a.jitter.lag >= int(a.ramp.width))
		desired, stepHeld = d, d > desired
	}
	switch {
	case stepHeld:
		reason = "shoal: step hold (what a bucket that stepped up asked for, until it ends)"
	case released && desired < st.Desired:
		by := "forecast needs no more"
		if a.release.byPattern {
			by = "patterns need no more"
		}
		reason = fmt.Sprintf("shoal: foreseen rise over (%s within %v)", by, a.release.horizon)
	case desired > rec && desired <= st.Desired:
		reason = fmt.Sprintf("shoal: scale-in stabilisation (largest need of the last %v)", win)
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
	switch c := a.p.clamp(desired); {
	case c > desired:
		desired, reason = c, "shoal: min"
	case c < desired:
		desired, reason = c, "shoal: max"
	}
	return Decision{Desired: desired, Reason: reason, Forecast: forecast, Panic: panic}
}

// scaleInWindow is how far back scale-in stabilisation looks: the
// ScaleDownStabilization window (three cold starts by default), or one
// cold start while the scatter floor holds. The window keeps an instance
// that the next minutes are likely to need again; with scattered demand,
// the max of three cold starts of noisy needs is a high quantile of the
// noise on top of the floor, which already holds the upper quantile of the
// recent minutes. One cold start still keeps an instance that would be
// asked for again before a new one could start. On the presets at 30 s:
// noisy-outages +36.6% → +33.0% above oracle and its cost saving at equal
// violations 13.0% → 22.2%, two-days +24.6% → +21.0%, jittery +73.7% →
// +69.1%, access-log −0.7% → −5.0%; ten-second +6.0% → +6.7%; no verdict
// moved. Half the window or a fifth (tried) moved two-days' violation
// ratio from 0.44 to 0.69 and 0.95: one cold start is the principled
// length, not a tuned one.
func (a *Shoal) scaleInWindow(scatter float64) time.Duration {
	if scatter > 0 {
		return min(a.s.ScaleDownStabilization, a.p.ColdStart+a.p.ActuationDelay)
	}
	return a.s.ScaleDownStabilization
}

// scatterLevelMinutes is the time constant of the scatter floor's level.
const scatterLevelMinutes = 5

const (
	reasonStable = "shoal: reactive, stable window"
	reasonPanic  = "shoal: reactive, panic window (burst)"
)

// reactive returns the demand (metric units) observed demand calls for:
// the stable window, or in panic the larger of stable and panic windows
// (a rising burst projected ahead), never shrinking while in panic. The
// reason says which window set it.
func (a *Shoal) reactive(st State) (float64, string, bool) {
	if a.stable.empty() {
		return float64(st.Desired) * a.p.Target, reasonStable, false
	}
	sv, pv := a.stable.mean(), a.panicWin.mean()
	dspc := ceilDiv(sv, a.p.Target)
	dppc := ceilDiv(pv, a.p.Target)
	capacity := float64(max(st.Ready+st.Starting, 1))
	// The last seconds needing exactly what is ready or coming is a burst
	// only when nobody saw it coming: a spike the predictive part ordered
	// for arrives at the capacity ordered, and panicking then extrapolated
	// it to twice its size (a timer's minute held at 12 instances for 6).
	expected := a.release.foreseen(st.Now)
	over := float64(dppc) > a.s.PanicThreshold*capacity ||
		float64(dppc) == a.s.PanicThreshold*capacity && expected == 0
	// A panic window busier than the stable one by no more than the
	// steps' own scatter explains is not a burst: with a trace's buckets of
	// a few seconds, every busy bucket panicked, the extrapolation doubled
	// it and the scale-in window held that for two minutes (shoal paid 40 %
	// more than hpa at the same target on 10-second buckets).
	if !a.aboveStepScatter(pv, sv) {
		over = false
	}
	if over && dppc > dspc {
		a.panicTime = st.Now
	} else if !a.panicTime.IsZero() && st.Now.Sub(a.panicTime) > a.s.PanicHold {
		a.panicTime, a.maxPanic = time.Time{}, 0
	}
	if a.panicTime.IsZero() {
		return sv, reasonStable, false
	}
	d := math.Max(sv, pv)
	if base := math.Max(sv, expected); a.s.BurstExtrapolation > 0 && pv > base {
		// A burst that is still rising: the panic window is ahead of the
		// stable one by about half a stable window; project that rise over
		// the cold start so the instances ordered now are not already short.
		// Only the part nobody foresaw is projected: a timer's spike that
		// comes a little above its prediction is not a flash crowd, and
		// projecting it from the quiet minute before tripled it.
		d = pv + a.burstExtrapolation()*(pv-base)
	}
	if n := ceilDiv(d, a.p.Target); n > a.maxPanic {
		a.maxPanic = n
	}
	if pv > sv && ceilDiv(d, a.p.Target) > dspc {
		return d, reasonPanic, true
	}
	return d, reasonStable, true
}

// burstExtrapolation is how many times a burst's lead over the stable
// window is projected: BurstExtrapolation, or, for demand that arrives in
// steps of the stable window's length or longer (a trace's minute buckets),
// the number of steps the instances ordered now must serve before a later
// order could arrive (a cold start plus the actuation delay, in steps), if
// fewer. On such demand the panic window's lead is the step just taken, not
// a rate still rising: projected once it orders the next bucket of a climb
// that goes on at the same rise; projected twice with a 30 s cold start, it
// ordered two more steps that a minute-long bucket never needs before the
// next order arrives. With one step: two-days +21.5% → +19.9% above oracle
// and its violation ratio 0.44 → 0.35, noisy-outages +33.4% → +31.7%, bursty
// +6.6% → +5.6%, the WorldCup-like trace 0.43 → 0.39; spiky 0.39 → 0.43
// and growth-flash's front points under half 4 → 3, no verdict moved (nor
// on a second draw of the presets). At 120 s two steps, as before.
func (a *Shoal) burstExtrapolation() float64 {
	x := a.s.BurstExtrapolation
	if a.jitter.lag < int(a.ramp.width) {
		return x
	}
	steps := math.Ceil((a.p.ColdStart + a.p.ActuationDelay).Seconds() / float64(a.ramp.width))
	return math.Min(x, math.Max(1, steps))
}

// predictive returns the forecast (metric units, upper bound) at now+lead,
// the demand it calls for (0 unless it predicts a rise above observed), the
// part that predicted it when that is not the daily/weekly forecast, and a
// note when that forecast is not used.
func (a *Shoal) predictive(now time.Time, observed float64) (upper, predicted float64, source, note string) {
	if a.s.Reactive {
		return 0, 0, "", ""
	}
	point, upper, ok := a.fc.Forecast(now.Add(a.s.Lead))
	switch status := a.fc.Status(); {
	case !ok || status == ShortHistory:
		note = "forecast: history too short"
	case status == Unreliable:
		note = "forecast: unreliable lately"
	case point < a.s.ZeroDemand*a.p.Target:
		// No demand foreseen; a recurring spike still counts.
	case ceilDiv(point, a.p.Target) > ceilDiv(observed, a.p.Target):
		// The forecast acts only when its point value alone needs more
		// than the observed demand: a predicted rise.
		predicted = a.riseDemand(now, observed, point, upper)
	}
	// A pattern's due spike calls for its upper bound, when its point
	// value needs more instances than the observed demand.
	rise := func(point, upper float64, ok bool) float64 {
		if !ok || ceilDiv(point, a.p.Target) <= ceilDiv(observed, a.p.Target) {
			return 0
		}
		return upper
	}
	if note != "" {
		// The hourly pattern stands in for the daily forecast while that
		// cannot be used.
		if p := rise(a.fc.HourlyRise(now)); p > 0 {
			predicted, source = p, "hourly pattern"
		}
	}
	if p := rise(a.fc.PeriodicRise(now)); p > predicted {
		predicted, source = p, "recurring spike"
	}
	if p, _ := a.ramp.project(now, a.s.Lead, a.scatter.sigma); p > predicted &&
		ceilDiv(p, a.p.Target) > ceilDiv(observed, a.p.Target) {
		predicted, source = p, rampSource
	}
	if note == "" {
		if p := a.dueWindow(now, observed); p > predicted {
			predicted, source = p, dueSource
		}
	} else {
		// A hold the forecast stopped being trusted during says nothing
		// of whether the window came: it is dropped, not scored.
		a.due.active = false
	}
	return upper, predicted, source, note
}

// riseDemand sizes a predicted rise: the forecast's own change over the
// lead, as a ratio, applied to the observed demand, plus a margin that
// grows with the rise. Why not the forecast itself: its level comes from a
// profile that carries the noise of the days it learned (one day, early
// on), and its margin is the error of that level; sizing for it bought
// capacity for noise at every predicted rise (bursty and two-days had
// about twice the violations at equal cost). The observed demand is the
// best level there is; the forecaster knows the shape. The level is the
// last seconds' when they are lower than the stable window's: the ratio
// starts from the forecast for now, and a timer that fires every minute or
// two keeps its last spike in the stable window, which counted the spike
// twice (a `*/2` timer: a quarter less instance time at equal violations).
func (a *Shoal) riseDemand(now time.Time, observed, point, upper float64) float64 {
	c := a.p.Target
	base, _, ok := a.fc.Forecast(now)
	if !ok {
		return upper
	}
	r := (point + c) / (base + c)
	if r <= 1 || r >= sharpRise && a.fc.SharpRisesMiss() {
		return 0
	}
	level := a.lastSeconds(observed)
	return (level+c)*r - c + a.s.RiseMargin*math.Min(1, r-1)*(upper-point)
}

// aboveStepScatter says whether the panic window's demand pv is above the
// stable window's sv by more than the steps' own scatter explains
// (PanicNoiseZ × the scatter they give the panic window's mean; with the
// guard off, by anything): a burst or a step, where less is a trace's
// buckets of a few seconds scattering as they always do.
func (a *Shoal) aboveStepScatter(pv, sv float64) bool {
	return pv-sv > a.s.PanicNoiseZ*a.jitter.panicNoise(a.s.PanicWindow)
}

// lastSeconds is level, or the panic window's demand when that is lower:
// the stable window keeps a spike for a minute after it has passed, and
// what is sized from the level now (a predicted rise, a scheduled window's
// hold, the backlog after a foreseen spike's release) must not count the
// spike again.
func (a *Shoal) lastSeconds(level float64) float64 {
	return math.Min(level, a.panicWin.mean())
}

// outageFloor is the demand the outage guard holds (0: none) and why.
func (a *Shoal) outageFloor(now time.Time) (float64, string) {
	usual := 0.0
	if a.fc.Status() == Usable {
		// The held capacity must also cover the usual demand at now + lead.
		usual, _ = a.fc.Seasonal(now.Add(a.s.Lead))
	}
	return a.guard.floor(now, usual)
}
