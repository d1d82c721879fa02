package autoscale

import (
	"math"
	"time"
)

// outageGuard holds capacity through an outage.
//
// When the observed demand collapses abruptly (the last 10 s fall below
// CollapseRatio of what the minute before carried, and of the level of the
// last two hours without bursts) although the learned seasonal profile
// expects about the usual demand — on a service whose collapses have not
// mostly stayed gone (see trustsCollapses) — or when a large share of
// requests fail, the service is most likely down, cut off, or blind, not
// idle: the traffic comes back at once, usually with the clients' retries on
// top, and a cold start at that moment is the worst case. A reactive policy
// scales in during the outage and meets the return surge with nothing ready.
//
// The guard keeps the pre-outage demand (or the usual seasonal demand at
// now + lead, if larger) times 1 + the expected return surge. The surge is
// learned: after each outage the largest demand of the first minutes back,
// relative to the pre-outage level, replaces the estimate if larger, and
// the estimate decays slowly otherwise. It lets go after CollapseHold
// (linearly over a further half of it, not at once), or as soon as the
// traffic is back, from where the scale-down stabilisation takes over.
type outageGuard struct {
	ratio, errRatio float64
	hold            time.Duration
	// bins are 10-second means of the demand signal for the last 90 s (a
	// ring); errs and arrs count the last 10 s of errors and arrivals.
	bins            [guardBins]float64
	binSum          float64
	binN, binHead   int
	binFill         int
	errs, arrs      float64
	curErrs, curArr float64
	// mins are minute means of the last two hours (a ring), the history
	// lowLevel reads; minSum and minBins build the current minute.
	mins          [guardMinutes]float64
	minN, minHead int
	minSum        float64
	minBins       int
	scratch       [guardMinutes]float64 // lowLevel's selection buffer
	// Surge is the learned return surge (fraction above the pre-outage
	// demand); saved with the policy's state.
	Surge float64
	// Back and Gone count the collapses whose traffic came back, and those
	// whose traffic was still gone when the hold ran out; saved with the
	// policy's state (see trustsCollapses). A collapse not trusted is still
	// followed (shadowSince, shadowRef) without holding anything, so the
	// counts keep learning.
	Back, Gone  int
	shadowSince time.Time
	shadowRef   float64
	// active outage
	since time.Time
	ref   float64 // pre-outage demand
	cause string
	// watching the return: until returnUntil, the largest demand seen.
	returnUntil time.Time
	returnRef   float64
	returnMax   float64
}

const guardBin = 10 // seconds per bin

// guardBins is how many bins the guard keeps: the collapse is measured
// against the level 30 to 90 s before. An outage cuts traffic within
// seconds; a level that took minutes to fall is load going away. With the
// five minutes this used to look back, the end of every flash crowd that
// wound down over a few minutes (a match on a WorldCup-like trace, ×4–12
// for two hours, ramping down over ten minutes) read as an outage and was
// held for an hour: a third of shoal's instance time above oracle there
// (+11.5 % → +6.2 %), and no outage preset lost anything.
const guardBins = 9

// Why the guard holds (used in decision reasons).
const (
	causeCollapse = "demand collapsed"
	causeFailing  = "requests failing"
)

func newOutageGuard(s ShoalParams) *outageGuard {
	return &outageGuard{ratio: s.CollapseRatio, errRatio: s.OutageErrorRatio, hold: s.CollapseHold, Surge: s.OutageSurge}
}

// observe takes one second of demand signal v and the sample's counts; it
// reports whether a 10-second bin was completed.
func (g *outageGuard) observe(s Sample, v float64) bool {
	g.binSum += v
	g.curErrs += s.Errors
	g.curArr += s.Arrivals
	g.binN++
	if g.binN < guardBin {
		return false
	}
	g.bins[g.binHead] = g.binSum / guardBin
	g.binHead = (g.binHead + 1) % len(g.bins)
	g.binFill = min(g.binFill+1, len(g.bins))
	g.errs, g.arrs = g.curErrs, g.curArr
	g.binSum, g.binN, g.curErrs, g.curArr = 0, 0, 0, 0
	g.minSum += g.last10()
	if g.minBins++; g.minBins*guardBin >= 60 {
		g.mins[g.minHead] = g.minSum / float64(g.minBins)
		g.minHead = (g.minHead + 1) % guardMinutes
		g.minN = min(g.minN+1, guardMinutes)
		g.minSum, g.minBins = 0, 0
	}
	if !g.returnUntil.IsZero() {
		g.returnMax = math.Max(g.returnMax, g.last10())
		if s.T.After(g.returnUntil) {
			g.learnSurge()
		}
	}
	return true
}

// last10 is the newest 10-second mean; before30 the largest 10-second mean
// from 30 to 90 s ago (the level before a collapse, which the collapse
// itself, spread over a few seconds, must not lower).
func (g *outageGuard) last10() float64 {
	return g.bins[(g.binHead+len(g.bins)-1)%len(g.bins)]
}

func (g *outageGuard) before30() float64 {
	m := 0.0
	for k := 3; k < g.binFill; k++ {
		m = math.Max(m, g.bins[(g.binHead+len(g.bins)-1-k)%len(g.bins)])
	}
	return m
}

// guardMinutes is how far back lowLevel looks: two hours of minutes.
const guardMinutes = 120

// lowLevel is the demand of the last two hours without its bursts: the
// 20th percentile of the minute means (ok false before the first minute).
// An outage takes the traffic below it; a batch or a flash crowd that
// ends takes it back to about it. Without this, every abrupt end of a
// batch of calls whose timing the profile had half learned was held as an
// outage for an hour and a half: ETL-like windows every three hours cost
// shoal 2.3× oracle's instance time, two thirds of it the guard.
func (g *outageGuard) lowLevel() (float64, bool) {
	if g.minN == 0 {
		return 0, false
	}
	xs := g.scratch[:g.minN]
	copy(xs, g.mins[:g.minN])
	return kthSmallest(xs, g.minN/5), true
}

func (g *outageGuard) learnSurge() {
	if g.returnRef > 0 {
		seen := g.returnMax/g.returnRef - 1
		// Decay towards what was seen, jump up at once: under-estimating
		// a surge is what costs.
		g.Surge = math.Max(seen, g.Surge+0.3*(seen-g.Surge))
		g.Surge = math.Min(math.Max(g.Surge, 0), 3)
	}
	g.returnUntil, g.returnRef, g.returnMax = time.Time{}, 0, 0
}

// trustsCollapses says whether a collapse still reads as an outage here.
// It does until at least two held collapses ran out with the traffic still
// gone and those outnumber the ones that came back two to one: the service
// has shown that its load ends that way (business-hours clients that all
// stop at six, a batch caller the other checks miss), and each such hold
// costs twice the load's capacity for an hour and a half. Failing requests
// still start the guard.
func (g *outageGuard) trustsCollapses() bool {
	return g.Gone < 2 || g.Gone <= 2*g.Back
}

// followShadow follows a collapse the guard did not hold for: whether its
// traffic comes back while a hold would have lasted (Back) or not (Gone),
// so that a service whose collapses turn into outages earns the guard back.
func (g *outageGuard) followShadow(now time.Time, cur float64) {
	switch {
	case isBack(cur, g.shadowRef):
		g.Back++
	case now.Sub(g.shadowSince) > g.holdEnd():
		g.Gone++
	default:
		return
	}
	g.shadowSince = time.Time{}
}

// isBack says whether the traffic cur is back from a collapse of ref.
func isBack(cur, ref float64) bool { return cur >= 0.5*ref }

// holdEnd is how long a hold lasts: CollapseHold, then a release over
// half of it again.
func (g *outageGuard) holdEnd() time.Duration { return g.hold + g.hold/2 }

// returnWatch is how long after an outage the return surge is measured.
const returnWatch = 5 * time.Minute

// update runs after every 10-second bin: it starts an outage when the
// demand collapsed while the seasonal profile (usualNow, 0 when unknown)
// expected about the usual demand, or when requests are failing, and ends it when the traffic is
// back. unit is one instance's target.
func (g *outageGuard) update(now time.Time, unit, usualNow float64) {
	if g.hold < 0 || g.binFill < 6 {
		return
	}
	cur := g.last10()
	failing := g.arrs > 0 && g.errs >= g.errRatio*g.arrs
	if !g.shadowSince.IsZero() {
		g.followShadow(now, cur)
	}
	if g.since.IsZero() {
		ref := g.before30()
		// Without a seasonal profile a collapse cannot be told from the
		// load going away (a batch ending, a test stopping): only failures
		// trigger then.
		collapsed := ref >= unit && cur < g.ratio*ref && usualNow >= 0.5*ref
		if collapsed {
			// Back to where it was before it rose: load going away. (The
			// sort is done only here, not every 10 s.)
			if low, ok := g.lowLevel(); ok && cur >= g.ratio*low {
				collapsed = false
			}
		}
		if collapsed && !g.trustsCollapses() {
			if g.shadowSince.IsZero() {
				g.shadowSince, g.shadowRef = now, ref
			}
			collapsed = false
		}
		if !collapsed && !(failing && ref >= unit) {
			return
		}
		g.since, g.ref = now, ref
		g.cause = causeCollapse
		if !collapsed {
			g.cause = causeFailing
		}
		return
	}
	if isBack(cur, g.ref) && !failing {
		if g.cause == causeCollapse {
			g.Back++
			// Learn the return surge from collapses only: after failures
			// that did not cut the traffic, "the surge" would be the load
			// that caused them.
			g.returnUntil, g.returnRef, g.returnMax = now.Add(returnWatch), g.ref, cur
		}
		g.since = time.Time{}
	}
}

// floor returns the demand (metric units) to hold, or 0, and why. usual is
// the seasonal demand at now + lead (0 when unknown).
func (g *outageGuard) floor(now time.Time, usual float64) (float64, string) {
	if g.since.IsZero() {
		return 0, ""
	}
	hold := math.Max(g.ref, usual)
	if g.cause == causeCollapse {
		hold *= 1 + g.Surge
	}
	if age := now.Sub(g.since); age > g.hold {
		// Release slowly: linearly over half the hold again.
		if age >= g.holdEnd() {
			if g.cause == causeCollapse {
				g.Gone++
			}
			g.since = time.Time{}
			return 0, ""
		}
		hold *= 1 - float64(age-g.hold)/float64(g.hold/2)
	}
	return hold, g.cause
}
