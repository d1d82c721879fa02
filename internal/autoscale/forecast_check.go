package autoscale

import (
	"math"
	"time"
)

// issueForecast records the forecast for the minute lead ahead of the end
// of minute m, to be checked when that minute is observed.
func (f *Forecaster) issueForecast(m int64) {
	end := (m + 1) * 60
	target := floorDiv(end+int64(f.lead/time.Second), 60)
	v, ok := f.forecastMinute(target)
	if !ok || !f.historyLongEnough() {
		return
	}
	p := f.st.Pending
	p[floorMod(target, int64(len(p)))] = pendingForecast{Minute: target, Value: v}
}

// checkForecast scores the forecast made for minute m, if any.
func (f *Forecaster) checkForecast(m int64, y float64) {
	p := f.st.Pending
	slot := &p[floorMod(m, int64(len(p)))]
	if slot.Minute != m {
		return
	}
	e := (y - slot.Value) / math.Max(slot.Value, f.unit)
	slot.Minute = -1
	f.errQ.add(e)
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

// History is how much the forecaster has learned (minutes observed).
func (f *Forecaster) History() time.Duration { return time.Duration(f.st.Minutes) * time.Minute }

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
