package autoscale

import (
	"slices"
	"time"
)

// Scheduled windows: a batch or an ETL job that runs at the same time
// every day (or every few hours), for a quarter of an hour or more, but
// starts within a few minutes of its schedule rather than on it. The
// profiles average the days, so the window's start is smeared: its first
// minutes hold the share of days on which it had begun. The forecast at
// now + lead sees a rise of that share, which on most days has not come
// yet, and the sharp-rise score (see sharpRise) rightly stops acting on
// such rises; the window then met a cold start every time it began, and
// keeping under 1 % violations took a low target all day. Holding the
// window's level from its earliest start until it begins costs the few
// minutes of the spread, a fraction of a window that lasts at least
// dueLen. See dueHold for the policy's side.
const (
	// dueSpan is how many minutes the profiles' rise to the window may
	// take: the longest spread of starts held for.
	dueSpan = 10
	// dueLen is how long the profiles must stay at the window's level:
	// a timer's spike of a minute or two is the patterns' business.
	dueLen = 10
)

// dueWindow is what the profiles say of a window ahead (see DueWindow).
type dueWindow struct {
	// ratio is the window's level over the level before it, on the
	// forecaster's shifted scale: (window + unit) / (before + unit).
	ratio float64
	// begun: the profiles' minute at now + lead has risen dueStart of
	// the way to the window.
	begun bool
}

// dueMemo caches DueWindow's scan between learned minutes.
type dueMemo struct {
	m, learned int64
	w          dueWindow
	ok         bool
}

// DueWindow reads the profiles (without today's level) around now + lead:
// the level before a window (the lowest of the dueSpan minutes before
// now + lead), the window's (the highest level they hold for dueLen
// minutes from a minute within dueSpan after it), and whether the minute
// of now + lead has begun to rise. ok is false while the profiles are not
// settled or do not cover the span.
func (f *Forecaster) DueWindow(now time.Time) (dueWindow, bool) {
	if !f.profileSettled() {
		return dueWindow{}, false
	}
	m0 := floorDiv(now.Add(f.lead).Unix(), 60)
	if d := &f.due; d.m == m0 && d.learned == f.st.Minutes {
		return d.w, d.ok
	}
	w, ok := f.scanDue(m0)
	f.due = dueMemo{m: m0, learned: f.st.Minutes, w: w, ok: ok}
	return w, ok
}

// dueStart: the profiles' minute at now + lead must have risen this share
// of the way to the window (the earliest days' starts), so that a hold
// begins with the spread of starts and not dueSpan ahead of it.
const dueStart = 0.1

// dueLikely: the share of the days the window had not begun by now + lead
// on which it began within dueSpan after.
const dueLikely = 0.5

// scanDue is DueWindow's work for the minute m0 of now + lead.
func (f *Forecaster) scanDue(m0 int64) (dueWindow, bool) {
	// v[0:dueSpan] are the minutes before m0, v[dueSpan] is m0.
	var v [2*dueSpan + dueLen]float64
	for i := range v {
		x, have := f.seasonal(m0 - dueSpan + int64(i))
		if !have {
			return dueWindow{}, false
		}
		v[i] = x
	}
	before := slices.Min(v[:dueSpan])
	window := 0.0
	for k := dueSpan; k <= 2*dueSpan; k++ {
		window = max(window, slices.Min(v[k:k+dueLen]))
	}
	c := f.unit
	r := (window + c) / (before + c)
	// The profiles' minutes as the share of days on which the window had
	// begun by then; a hold must be more likely than not to meet the
	// window before it ends (a start spread over half an hour is held over
	// its middle, not from its first days' starts).
	share := func(x float64) float64 {
		if window <= before {
			return 0
		}
		return min(max((x-before)/(window-before), 0), 1)
	}
	now, later := share(v[dueSpan]), share(v[2*dueSpan])
	begun := now >= dueStart && (now >= 1 || (later-now)/(1-now) >= dueLikely)
	return dueWindow{ratio: r, begun: begun}, true
}
