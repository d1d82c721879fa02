package autoscale

import (
	"math"
	"time"
)

// issueForecast records the forecast for the minute lead ahead of the end
// of minute m (observed y), to be checked when that minute is observed.
func (f *Forecaster) issueForecast(m int64, y float64) {
	end := (m + 1) * 60
	target := floorDiv(end+int64(f.lead/time.Second), 60)
	v, ok := f.forecastMinute(target)
	if !ok || !f.historyLongEnough() {
		return
	}
	p := f.st.Pending
	p[floorMod(target, int64(len(p)))] = pendingForecast{Minute: target, Value: v, Base: y}
}

// checkForecast scores the forecast made for minute m, if any. A minute
// the recurrence detector predicted a spike for is left out of the error:
// the profiles cannot learn a timer whose period divides no day or week,
// the detector sizes its spikes itself, and with them in it the error's
// upper quantile was 1.5 × the demand on a trace with such timers, a
// margin every forecast rise then bought.
func (f *Forecaster) checkForecast(m int64, y float64, recurring bool) {
	p := f.st.Pending
	slot := &p[floorMod(m, int64(len(p)))]
	if slot.Minute != m {
		return
	}
	e := (y - slot.Value) / math.Max(slot.Value, f.unit)
	slot.Minute = -1
	f.scoreSharpRise(slot.Base, slot.Value, y)
	if recurring {
		return
	}
	f.errQ.add(e)
	f.addSized(slot.Value, e)
	// One wild minute (traffic back after an outage) must not switch the
	// forecast off for hours: its weight in the recent error is capped.
	ae := math.Min(math.Abs(e), 3)
	a := 1 / math.Max(f.fp.RecentErrorWindow.Minutes(), 1)
	if f.errQ.Count == 1 {
		f.st.RecentErr = ae
	} else {
		f.st.RecentErr += a * (ae - f.st.RecentErr)
	}
}

// Sharp rises: a forecast at least sharpRise times the minute it was made
// in is a spike the profiles expect. Whether such spikes come is scored
// apart from the error, because they are what the policy buys capacity
// for, and a profile can hold spikes that no longer come: a timer whose
// period does not divide a day lands on other minutes every day, and its
// old spikes stay in the daily profile for days, each one an instance
// order of twice the demand for a spike that comes two minutes later or
// not at all. When fewer than sharpMinHits of the recent ones came, the
// policy leaves sharp rises to the patterns and the reactive part.
const (
	sharpRise    = 1.5
	sharpAlpha   = 0.1 // weight of one sharp rise in the hit rate
	sharpMinN    = 5   // sharp rises scored before the rate counts
	sharpMinHits = 0.5
)

// scoreSharpRise scores a forecast v made when the demand was base, now
// that y was observed: a hit when at least half the predicted rise came.
func (f *Forecaster) scoreSharpRise(base, v, y float64) {
	c := f.unit
	r := (v + c) / (base + c)
	if base <= 0 || r < sharpRise {
		return
	}
	hit := 0.0
	if (y+c)/(base+c) >= 1+(r-1)/2 {
		hit = 1
	}
	scoreHit(&f.st.SharpHits, &f.st.SharpN, hit == 1, sharpAlpha)
}

// scoreHit folds one outcome into a recent hit rate (an EWMA of weight
// alpha that starts at the first outcome) and counts it. The forecast's
// sharp rises and the policy's scheduled-window holds are scored this way.
func scoreHit(rate *float64, n *int, hit bool, alpha float64) {
	v := 0.0
	if hit {
		v = 1
	}
	if *n == 0 {
		*rate = v
	} else {
		*rate += alpha * (v - *rate)
	}
	*n++
}

// SharpRisesMiss reports whether the sharp rises forecast lately mostly
// did not come (see sharpRise).
func (f *Forecaster) SharpRisesMiss() bool {
	return f.st.SharpN >= sharpMinN && f.st.SharpHits < sharpMinHits
}

// History is how much the forecaster has learned (minutes observed).
func (f *Forecaster) History() time.Duration { return time.Duration(f.st.Minutes) * time.Minute }

// profileSettled reports whether the profiles have two days behind them.
// On the second day a profile is one day's noise: releasing capacity on
// its word cost the two-day trace, and reading its scattered minutes as
// spikes (see peakMinute) bought capacity for that noise.
func (f *Forecaster) profileSettled() bool { return f.History() >= 2*24*time.Hour }

func (f *Forecaster) historyLongEnough() bool {
	return f.History() >= f.fp.MinHistory
}

// Status says whether forecasts can be trusted, and why not.
type Status int

const (
	// Usable: history is long enough and recent forecasts were good.
	Usable Status = iota
	// ShortHistory: not enough history (or too few checked forecasts).
	ShortHistory
	// Unreliable: recent forecast error is above MaxRecentError.
	Unreliable
)

// Status reports whether Forecast's answer should be acted on.
func (f *Forecaster) Status() Status {
	switch {
	case !f.historyLongEnough() || f.errQ.Count < f.fp.MinEvaluated:
		return ShortHistory
	case f.st.RecentErr > f.fp.MaxRecentError:
		return Unreliable
	}
	return Usable
}

// RecentError is the recent mean absolute normalised forecast error.
func (f *Forecaster) RecentError() float64 { return f.st.RecentErr }

// ErrorQuantile is the current upper quantile of the normalised error.
func (f *Forecaster) ErrorQuantile() float64 { return f.errQ.quantile(f.fp.Quantile) }

// blendErrors returns the daily and weekly profiles' recent squared errors.
func (f *Forecaster) blendErrors() (daily, weekly float64) { return f.st.ErrDaily, f.st.ErrWeekly }
