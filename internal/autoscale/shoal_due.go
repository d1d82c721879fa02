package autoscale

import "time"

// dueHold is the policy's side of scheduled windows (see DueWindow): when
// the profiles hold a window of at least dueRatio times the level before
// it, and the window has begun on some days and is likely to begin within
// dueSpan on the rest, the demand at the hold's start times that ratio is
// held until the window comes.
//
// Each hold is scored whether or not it was acted on: a hit when the
// demand rose half the way to the window while held, a miss when dueSpan
// and the lead passed without. A profile also holds what will not come
// again (a flash crowd's hours, a job that was stopped); when most of the
// recent holds missed, none is acted on until the windows come again.
type dueHold struct {
	active   bool
	from, to float64   // demand when the hold began, and the level held
	until    time.Time // when the hold ends if the window has not come
	// quietUntil: the same window's rise is not read as another.
	quietUntil time.Time
	rate       float64 // recent share of holds that were hits
	n          int
}

const (
	dueSource = "scheduled window"
	// dueRatio: the window must be this many times the level before it.
	dueRatio   = 2
	dueAlpha   = 0.25 // weight of one hold in the hit rate
	dueMinN    = 3    // holds scored before the rate counts
	dueMinHits = 0.5
)

// dueWindow returns the demand a scheduled window due calls for (0: none).
//
// A hold lasts until the window comes or dueSpan (and the lead) has
// passed, and no other starts until dueSpan + dueLen after its start. The
// level before the window is read from the profiles' minutes before now +
// lead, which have learned today's minutes: once a window that did not
// come today has passed its start, they hold today's low level, and read
// again at every minute the rest of the window looked like a rise of its
// own (a made-up office trace's first Saturday held a weekday's capacity
// all morning).
func (a *Shoal) dueWindow(now time.Time, observed float64) float64 {
	c := a.p.Target
	cur := a.lastSeconds(observed)
	h := &a.due
	if h.active {
		switch {
		case cur >= h.from+(h.to-h.from)/2:
			h.score(true)
			return 0
		case !now.Before(h.until):
			h.score(false)
			return 0
		}
	} else {
		w, ok := a.fc.DueWindow(now)
		if !ok || !w.begun || w.ratio < dueRatio || now.Before(h.quietUntil) {
			return 0
		}
		h.active, h.from = true, cur
		h.to = (cur+c)*w.ratio - c
		h.until = now.Add(dueSpan*time.Minute + a.s.Lead)
		h.quietUntil = now.Add((dueSpan + dueLen) * time.Minute)
	}
	if !h.acts() {
		return 0
	}
	return h.to
}

func (h *dueHold) score(hit bool) {
	scoreHit(&h.rate, &h.n, hit, dueAlpha)
	h.active, h.to = false, 0
}

// acts says whether holds are acted on: once dueMinN were scored, while at
// least dueMinHits of the recent ones came. The first are only scored: a
// profile's first windows are as often a flash crowd's hours, and a miss
// holds the window's capacity for dueSpan.
func (h *dueHold) acts() bool { return h.n >= dueMinN && h.rate >= dueMinHits }
