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
	slices.Sort(s)
	sigma := 1.4826 * s[len(s)/2]
	return math.Max(1+hourMinRise, math.Exp(periodZ*sigma))
}

// rise is the recurrence's ratio for minute m: the mean and the mean plus
// one standard deviation of its occurrences, for the period due at m that
// predicts the largest, and whether any is due. The multiples of a timer's
// period recur too, and they are kept: they see more of its history,
// including the minutes it met another timer (the shortest period alone:
// 0.57 % violations against 0.31 % at the 95 % target on a trace with 7-
// and 90-minute timers, for 2 % less instance time). Multiplying the ratios
// of all periods due in one minute was tried: spurious periods made it
// expensive.
func (p *periodState) rise(m int64) (mean, upper float64, ok bool) {
	if p.Spike == 0 {
		return 0, 0, false
	}
	var zs [periodSamples]float64
	for P := int64(periodMin); P <= periodMax; P++ {
		if m-P*periodCycles <= p.Last-periodRing {
			break
		}
		recurs := true
		for j := int64(1); j <= periodCycles && recurs; j++ {
			recurs = p.at(m-j*P) >= p.Spike
			if j < periodCycles {
				// Quiet between this occurrence and the one before it.
				recurs = recurs && p.quietNear(m-j*P-P/2)
			}
		}
		if !recurs {
			continue
		}
		// The level and margin from as many occurrences as the ring holds
		// (up to periodSamples): four say that it recurs, not how high.
		all := zs[:0]
		for j := int64(1); j <= periodSamples; j++ {
			z := p.at(m - j*P)
			if z == 0 {
				break
			}
			all = append(all, z)
		}
		mu, sd := meanSD(all)
		if mu > mean {
			mean, upper, ok = mu, mu+sd, true
		}
	}
	return mean, upper, ok
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
	if _, _, ok := f.periodicMinute(m); ok {
		return true
	}
	_, _, ok := f.st.Hourly.rise(floorMod(m, minutesPerHour))
	return ok
}

// periodicMinute memoises rise: decisions come every few seconds, the
// answer changes once a minute.
func (f *Forecaster) periodicMinute(m int64) (mean, upper float64, ok bool) {
	c := &f.periodMemo[floorMod(m, int64(len(f.periodMemo)))]
	if !c.valid || c.m != m || c.learned != f.st.Periodic.Last {
		mean, upper, ok = f.st.Periodic.rise(m)
		*c = periodMemo{m: m, learned: f.st.Periodic.Last, mean: mean, upper: upper, ok: ok, valid: true}
	}
	return c.mean, c.upper, c.ok
}

type periodMemo struct {
	m, learned  int64
	mean, upper float64
	ok, valid   bool
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

func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)))
}
