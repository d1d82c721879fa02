package autoscale

import (
	"math"
	"time"
)

// foreseenRelease lets the forecast end the scale-in stabilisation early
// for capacity it foresaw.
//
// Why: the stabilisation window holds the largest recent need so that
// capacity given back is not bought again a cold start later. A timer's
// one-minute spike (the Azure Functions trace is full of them) is ordered
// ahead by the forecast, met, observed, and then held for the whole window:
// three to four minutes of capacity for one minute of load, most of shoal's
// distance from oracle there. When the forecast saw the spike coming, it
// also says whether another comes before it could be ordered again.
// Capacity bought for a surprise (a flash crowd, noise) keeps the full
// window: releasing that on the forecast's word cost the flash-crowd traces
// their violation bar.
type foreseenRelease struct {
	// rise: a predicted demand at least this many times the observed one
	// marks the following minutes as foreseen (0: off).
	rise float64
	// grace is how long a foreseen rise colours the needs after it: the
	// lead, the minute the rise lasts, and the stable window that keeps
	// seeing it afterwards.
	grace time.Duration
	// horizon is how far ahead the predictions are read: a foreseen need
	// is ordered again a lead ahead by the predictive part, so holding
	// capacity for it any longer buys nothing. Reading the whole window
	// (4 cold starts) held a 15-minute timer's capacity for 8 of its 15
	// minutes with a 120 s cold start (azure-functions +40.6 % above
	// oracle, +20.6 % with the lead).
	horizon time.Duration
	until   time.Time
	// expected is the largest demand predicted for the rise until.
	expected  float64
	byPattern bool
	surprises *timedLog
}

func newForeseenRelease(s ShoalParams) *foreseenRelease {
	return &foreseenRelease{
		rise:      s.ReleaseRise,
		grace:     s.Lead + time.Minute + s.StableWindow,
		horizon:   min(s.ScaleDownStabilization, s.Lead),
		surprises: newRecLog(s),
	}
}

// predicted notes a predicted demand that set the count over the observed;
// byPattern says a pattern (hourly, recurring) predicted it rather than the
// daily/weekly forecast.
func (r *foreseenRelease) predicted(now time.Time, predicted, observed float64, byPattern bool) {
	if r.rise > 0 && predicted >= r.rise*observed {
		if !now.Before(r.until) {
			r.expected = 0
		}
		r.expected = math.Max(r.expected, predicted)
		r.until = now.Add(r.grace)
		r.byPattern = byPattern
	}
}

// foreseen returns the largest demand predicted for the rise that is
// passing, or 0 when none is.
func (r *foreseenRelease) foreseen(now time.Time) float64 {
	if r.rise > 0 && now.Before(r.until) {
		return r.expected
	}
	return 0
}

// patternGrace reports whether the needs of the moment are a spike a
// pattern foresaw, passing: the stable window keeps seeing it for a minute
// after it is over, and holding that minute's needs is most of what a
// timer's spike costs beyond its own minute.
func (r *foreseenRelease) patternGrace(now time.Time) bool {
	return r.rise > 0 && r.byPattern && now.Before(r.until)
}

// record keeps the needs that no foreseen rise explains.
func (r *foreseenRelease) record(now time.Time, rec int) {
	if now.After(r.until) {
		r.surprises.add(now, rec)
	}
}

// limit caps the stabilised count (desired ≥ rec, the need now) at what the
// predictions need within the horizon, but never below the largest
// unforeseen need in the window, and reports whether it lowered it. For a
// rise the forecast foresaw, that is the forecast's upper bound, which must
// be usable and settled (see Forecaster.profileSettled). For a spike a
// pattern foresaw, it is the patterns' rises due in the horizon (the
// forecast's too when it is trusted): a pattern is only a pattern after it
// has repeated.
func (r *foreseenRelease) limit(now time.Time, desired, rec int, win time.Duration, target float64, fc *Forecaster) (int, bool) {
	if r.rise <= 0 || desired <= rec {
		return desired, false
	}
	// A forecast whose sharp rises do not come has an upper bound as wide
	// as the spikes it mispredicts: it holds everything.
	trusted := fc.Status() == Usable && fc.profileSettled() && !fc.SharpRisesMiss()
	if !trusted && !r.byPattern {
		return desired, false
	}
	need := 0.0
	if r.byPattern {
		// A pattern's rise covers the minutes from the time it is read to
		// a lead after, so it is read once, now. Read at every step of
		// the horizon it looked two leads ahead, and held a 7-minute
		// timer's capacity for 4.5 of its 7 minutes with a 120 s cold
		// start (interval-timers +30.4 % above oracle; +9.8 % read once).
		_, hu, _ := fc.HourlyRise(now)
		_, pu, _ := fc.PeriodicRise(now)
		need = math.Max(hu, pu)
	}
	for d := time.Duration(0); trusted && d <= r.horizon; d += 30 * time.Second {
		_, up, ok := fc.Forecast(now.Add(d))
		if !ok {
			return desired, false
		}
		need = math.Max(need, up)
	}
	// The surprises are read over the scale-in window in effect (win), and
	// the release only ever lowers: read over the full stabilisation while
	// scatter had shortened the window to a cold start, a surprise a
	// minute old raised the count above what the window held, seconds
	// after the scale-down rate limit had let it go (a WorldCup-like
	// crowd's 16:11: 30 → 15 → 14 ready, then 18 ordered with a cold start).
	capped := max(rec, min(desired, max(ceilDiv(need, target), r.surprises.maxSince(now, win, rec))))
	return capped, capped < desired
}
