package autoscale

import (
	"math"
	"slices"
	"time"
)

// The recurrence detector: spikes that come back at a fixed period of any
// length up to two hours, learned from their last few occurrences.
//
// Why: the hourly pattern knows only periods that divide an hour, and the
// daily and weekly profiles only those that divide a day or a week (and need
// that much history). A timer set to an interval ("every 7 minutes", "every
// 50 minutes") rather than a clock time, or a batch pulled every 90 minutes,
// was met a cold start late at every firing until the weekly profile had a
// week of it: on such a trace shoal ran at 5–10 % violations for a week
// while hpa's five-minute stabilisation happened to hold enough.
//
// Each finished minute's ratio to the median of the minutes before it (the
// hourly pattern's reference) goes into a ring of the last periodRing
// minutes. A minute m is predicted to spike when, for some period P, the
// minutes m−P, m−2P, … m−periodCycles·P all spiked, and around each minute
// halfway between them one did not (a plateau is not a period). A spike is a ratio
// above both 1 + hourMinRise and exp(periodZ × the ring's robust scatter), so
// that noisy traces need a spike far out of their noise before it counts:
// with periodCycles occurrences at periodZ, chance patterns among the 119
// periods are about 1 in 10⁹ per minute.
const (
	periodMin    = 2   // minutes; 1 would be a plateau
	periodMax    = 120 // minutes
	periodCycles = 4   // occurrences a period needs
	periodRing   = periodMax * periodCycles
	periodZ      = 3 // robust standard deviations of log ratio for a spike
	// periodSamples: occurrences (at most) the spike is sized from.
	periodSamples = 16
	// periodScatterEvery: the robust scatter is re-estimated this often
	// (minutes); it moves slowly and the median of the ring costs a sort.
	periodScatterEvery = 10
	// periodMinScatter: minutes with a ratio before the scatter (and so
	// any spike) is known.
	periodMinScatter = 60
	// periodCleanSamples: occurrences a multiple of a timer's period needs
	// to stand for the timer in place of the period itself.
	periodCleanSamples = 8
	// periodUpperZ: the upper bound is this many robust spreads of the
	// occurrences above their median. One (what mean + sd gave) met a
	// quarter of the 7-minute spikes of a 7- and 90-minute trace short at
	// the 95 % target (1.35 % violations); two, 0.97 % for 1.5 % more
	// instance time; three, 0.82 % for 3.5 % (before the release kept the
	// scatter floor, which took two to 0.60 %).
	periodUpperZ = 2
)

// periodState is the learned part (saved with the forecaster).
type periodState struct {
	// Z[m mod periodRing] is minute m's ratio to its reference; 0 unknown.
	Z    []float64 `json:"z"`
	Last int64     `json:"last"` // the newest minute in Z
	// Spike is the ratio threshold of a spike (0 until estimated).
	Spike float64 `json:"spike"`
	Count int     `json:"count"` // minutes since the last estimate
}

func newPeriodState() periodState {
	return periodState{Z: make([]float64, periodRing), Last: -1}
}

func (p *periodState) valid() bool { return len(p.Z) == periodRing }

// at is minute m's ratio (0: not in the ring or unknown).
func (p *periodState) at(m int64) float64 {
	if m > p.Last || m <= p.Last-periodRing || m < 0 {
		return 0
	}
	return p.Z[floorMod(m, periodRing)]
}

// learn records minute m's ratio z (0: no reference yet). scratch sizes
// the scatter estimate's sort without allocating.
func (p *periodState) learn(m int64, z float64, scratch []float64) {
	if p.Last >= 0 && m > p.Last+1 {
		// A gap: the minutes in it are unknown, not quiet.
		for g := p.Last + 1; g < m && g <= p.Last+periodRing; g++ {
			p.Z[floorMod(g, periodRing)] = 0
		}
	}
	p.Z[floorMod(m, periodRing)] = z
	p.Last = m
	if p.Count++; p.Count >= periodScatterEvery {
		p.Count = 0
		p.Spike = spikeThreshold(p.Z, scratch)
	}
}

// spikeThreshold is the ratio above which a minute stands out of the ring's
// scatter: the median absolute log ratio is robust to the spikes themselves
// as long as they are under half of the minutes. 0 with too little data.
func spikeThreshold(zs []float64, scratch []float64) float64 {
	s := scratch[:0]
	for _, z := range zs {
		if z > 0 {
			s = append(s, math.Abs(math.Log(z)))
		}
	}
	if len(s) < periodMinScatter {
		return 0
	}
	sigma := 1.4826 * kthSmallest(s, len(s)/2)
	return math.Max(1+hourMinRise, math.Exp(periodZ*sigma))
}

// periodRise is the recurrence's prediction for one minute: the ratio as a
// level and an upper bound, whether a timer in it has a period that does
// not divide a day (it lands on other minutes every day), and whether any
// spike is due at all.
type periodRise struct {
	level, upper float64
	drifts, ok   bool
}

// rise is the recurrence's prediction for minute m.
//
// Every period whose occurrences all spiked is a candidate, and a timer's
// multiples recur with it. Candidates that are the same timer (see
// sameTimer) form a family, named by its smallest period. Each family
// stands for one timer, summarised by the median of its occurrences and
// their robust spread, so that the few times the timer met another one do
// not inflate it; by its smallest period, which sees the most occurrences,
// unless a multiple with periodCleanSamples of them stands for it better
// (see periodFit.better: a half-hourly period that is really two timers,
// :00 and :30, is one family whose hourly members are clean). Families
// firing in the same minute are timers meeting: their levels multiply.
//
// Why: the mean + sd of the period that predicted most sized a :30 spike of
// 1.7× from the half-hour period's mix of 3× and 1.7× minutes (3×), and
// every 7-minute spike of a 7- and 50-minute trace from the one sample in
// sixteen that met the other timer, while the minute the two met was
// predicted as the larger alone.
func (p *periodState) rise(m int64) periodRise {
	if p.Spike == 0 {
		return periodRise{}
	}
	// Families in order of their smallest period (which has the most
	// occurrences in the ring); rep is that period, best the member whose
	// occurrences agree best.
	type family struct{ rep, best periodFit }
	var fams [periodMax + 1]family
	n := 0
	for P := int64(periodMin); P <= periodMax; P++ {
		if m-P*periodCycles <= p.Last-periodRing {
			break
		}
		f, ok := p.fit(m, P)
		if !ok {
			continue
		}
		joined := false
		for i := range fams[:n] {
			if p.sameTimer(m, fams[i].rep.P, P) {
				if b := &fams[i].best; f.n >= periodCleanSamples && f.better(*b) {
					*b = f
				}
				joined = true
				break
			}
		}
		if !joined {
			fams[n] = family{rep: f, best: f}
			n++
		}
	}
	if n == 0 {
		return periodRise{}
	}
	r := periodRise{level: 1, ok: true}
	spread := 0.0
	for _, f := range fams[:n] {
		r.level *= f.best.med
		spread += f.best.rel() * f.best.rel()
		r.drifts = r.drifts || minutesPerDay%f.rep.P != 0
	}
	r.upper = r.level * (1 + periodUpperZ*math.Sqrt(spread))
	return r
}

// sameTimer reports whether periods P and Q due at minute m are one
// timer's multiples: they share a divisor g, and the minutes g, 2g and 3g
// before m mostly stood out too. "Stood out" is half the spike threshold
// (in log terms), and an unknown minute counts: a timer that sometimes
// falls under the threshold in noise (×1.5 in ±8 %) still recurs at 10, 15
// and 25 minutes while 5 itself does not, and multiplying those as four
// timers predicted 6× for a 1.5× minute. 14 and 21 with a 7-minute timer
// are one; 14 and 90 with 7- and 90-minute timers share 2, but the minutes
// 2, 4 and 6 before are ordinary.
func (p *periodState) sameTimer(m, P, Q int64) bool {
	g := gcd(P, Q)
	if g < periodMin {
		return false
	}
	high := math.Sqrt(p.Spike)
	n := 0
	for j := int64(1); j <= 3; j++ {
		if z := p.at(m - j*g); z == 0 || z >= high {
			n++
		}
	}
	return n >= 2
}

// periodFit summarises one recurring period's occurrences at a minute.
type periodFit struct {
	P           int64
	n           int
	med, spread float64
	low         float64 // the lowest occurrence
}

// rel is the spread relative to the level.
func (f periodFit) rel() float64 { return f.spread / f.med }

// better reports whether f, a multiple of b's period in the same family,
// stands for the minute better than b: its occurrences agree twice as well
// (b mixes two timers, as a half-hourly period does :00 and :30), or they
// agree as well and sit clearly higher (a second timer whose period is a
// multiple of the first fires on f's occurrences too: with 5- and
// 15-minute timers, the 15-minute period sees both on every occurrence,
// the 5-minute one in a third of them).
func (f periodFit) better(b periodFit) bool {
	if f.rel() < 0.5*b.rel() {
		return true
	}
	// Every occurrence above: a multiple that alternates between the two
	// (45 with 10- and 15-minute timers) can have a median at the higher
	// level and no spread (six of eleven the same), and is no cleaner.
	return f.rel() <= 2*b.rel() && f.low > b.med*(1+periodUpperZ*b.rel())
}

// fit reports whether minute m is due a spike of period P (its last
// periodCycles occurrences spiked, with quiet between them), and the median
// and robust spread (1.4826 × MAD) of as many occurrences as the ring holds
// (up to periodSamples): four say that it recurs, not how high.
func (p *periodState) fit(m, P int64) (periodFit, bool) {
	for j := int64(1); j <= periodCycles; j++ {
		if p.at(m-j*P) < p.Spike {
			return periodFit{}, false
		}
		// Quiet between this occurrence and the one before it.
		if j < periodCycles && !p.quietNear(m-j*P-P/2) {
			return periodFit{}, false
		}
	}
	var buf [periodSamples]float64
	zs := buf[:0]
	for j := int64(1); j <= periodSamples; j++ {
		z := p.at(m - j*P)
		if z == 0 {
			break
		}
		zs = append(zs, z)
	}
	med := median(zs)
	var dev [periodSamples]float64
	for i, z := range zs {
		dev[i] = math.Abs(z - med)
	}
	// median sorted zs: the lowest is first.
	return periodFit{P: P, n: len(zs), med: med, spread: 1.4826 * median(dev[:len(zs)]), low: zs[0]}, true
}

// median sorts xs in place and returns its median.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// PeriodicRise is the recurrence detector's forecast for the minutes from
// now to now + lead: the largest recurring spike due among them, as point
// and upper demand (metric units) over the current reference. ok is false
// when none is due.
func (f *Forecaster) PeriodicRise(now time.Time) (point, upper float64, ok bool) {
	return f.riseAhead(now, f.periodicMinute)
}

// PatternSpike reports whether the hourly pattern or the recurrence
// detector has a spike due in t's minute.
func (f *Forecaster) PatternSpike(t time.Time) bool {
	m := floorDiv(t.Unix(), 60)
	if f.periodicRise(m).ok {
		return true
	}
	_, _, ok := f.st.Hourly.rise(floorMod(m, minutesPerHour))
	return ok
}

// periodicMinute is periodicRise in the shape riseAhead reads (the hourly
// pattern's too).
func (f *Forecaster) periodicMinute(m int64) (mean, upper float64, ok bool) {
	r := f.periodicRise(m)
	return r.level, r.upper, r.ok
}

// periodicRise memoises rise: decisions come every few seconds, the answer
// changes once a minute.
func (f *Forecaster) periodicRise(m int64) periodRise {
	c := &f.periodMemo[floorMod(m, int64(len(f.periodMemo)))]
	if !c.valid || c.m != m || c.learned != f.st.Periodic.Last {
		*c = periodMemo{m: m, learned: f.st.Periodic.Last, periodRise: f.st.Periodic.rise(m), valid: true}
	}
	return c.periodRise
}

type periodMemo struct {
	m, learned int64
	periodRise
	valid bool
}

// quietNear reports whether minute m or a neighbour is known and no spike:
// a neighbour too, so that another timer firing on the midpoint does not
// hide a period, while a plateau still does not pass.
func (p *periodState) quietNear(m int64) bool {
	for _, q := range [3]int64{m, m - 1, m + 1} {
		if z := p.at(q); z > 0 && z < p.Spike {
			return true
		}
	}
	return false
}
