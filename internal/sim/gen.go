package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// GenSpec describes a synthetic trace: a daily cycle with a morning and an
// evening peak, a weekly cycle (quieter weekends), a trend, correlated noise,
// flash crowds, real outages (traffic collapses, then a retry surge) and
// monitoring gaps (rows missing from the file).
type GenSpec struct {
	Days   int
	Bucket time.Duration
	Seed   uint64
	// BaseRPS is the mean request rate before cycles and trend.
	BaseRPS float64
	// DailyAmp (0..1) is the daily swing; WeekendDip (0..1) how much
	// quieter Saturday and Sunday are; TrendPerDay the relative growth.
	DailyAmp, WeekendDip, TrendPerDay float64
	// Noise is the stddev of the slow multiplicative noise (AR(1) in log
	// space, ~30 min memory); Shifts the number of lasting level shifts.
	Noise  float64
	Shifts int
	// Jitter is the stddev of independent per-bucket multiplicative noise
	// (lognormal, mean-preserving): the minute-to-minute scatter of a trace
	// recorded at low counts, which the slow Noise does not have. (Left
	// out of the bar's cache key when zero, so baselines cached before the
	// field existed stay valid.)
	Jitter float64 `json:",omitempty"`
	// Flash crowds: how many, and the peak multiplier range.
	Flash            int
	FlashMin, FlashX float64
	// Outages of the service and Gaps in the monitoring data.
	Outages, Gaps int
	// SurgeMin..SurgeMax is the range of the return surge after an outage
	// (fraction above normal, drawn per outage) and SurgeDecay its time
	// constant in minutes; zero SurgeMax means the fixed 1.2 and 8 min of
	// the original presets.
	SurgeMin, SurgeMax, SurgeDecay float64
	// Timer-triggered work: every PeriodMin minutes (0: none) the rate is
	// multiplied by PeriodX for PeriodLen minutes (cron jobs, batch pulls).
	PeriodMin, PeriodLen int
	PeriodX              float64
	// Timers are more timer-triggered jobs, on any period (left out of the
	// bar's cache key when empty, like Jitter).
	Timers []Timer `json:",omitempty"`
	// Matches are scheduled crowds (left out of the cache key when nil).
	Matches *Matches `json:",omitempty"`
}

// Matches are crowds at fixed times of day on a run of days, as a sports
// site sees during a tournament: on each day from FirstDay to LastDay
// (0-based), PerDay[0] to PerDay[1] of the Slots (hours of the day) get a
// match. Each crowd starts within 10 minutes of its slot, builds up over
// 5–15 minutes to ×XMin–XMax the usual rate, holds for 105–150 minutes
// and winds down over 10–30.
type Matches struct {
	FirstDay, LastDay int
	Slots             []float64
	PerDay            [2]int
	XMin, XMax        float64
}

// events draws the crowds of m.
func (m *Matches) events(rng *rand.Rand) []event {
	var out []event
	for d := m.FirstDay; d <= m.LastDay; d++ {
		k := m.PerDay[0] + rng.IntN(m.PerDay[1]-m.PerDay[0]+1)
		for _, i := range rng.Perm(len(m.Slots))[:min(k, len(m.Slots))] {
			out = append(out, event{
				start: float64(d)*1440 + m.Slots[i]*60 + 20*rng.Float64() - 10,
				ramp:  5 + 10*rng.Float64(), hold: 105 + 45*rng.Float64(), wind: 10 + 20*rng.Float64(),
				mult: m.XMin + (m.XMax-m.XMin)*rng.Float64(),
			})
		}
	}
	return out
}

// Timer multiplies the rate by X for Len minutes every Every minutes.
type Timer struct {
	Every, Len int
	X          float64
}

// Presets are the shapes committed under testdata/traces, chosen to differ:
// tuning to one of them should not help on the others.
func Presets() map[string]GenSpec {
	return map[string]GenSpec{
		"diurnal": {Days: 14, Bucket: time.Minute, Seed: 11, BaseRPS: 300,
			DailyAmp: 0.75, WeekendDip: 0.35, Noise: 0.04},
		"growth-flash": {Days: 21, Bucket: time.Minute, Seed: 23, BaseRPS: 200,
			DailyAmp: 0.6, WeekendDip: 0.2, TrendPerDay: 0.03, Noise: 0.06,
			Flash: 8, FlashMin: 1.8, FlashX: 3.5},
		"weekly-outage": {Days: 28, Bucket: time.Minute, Seed: 37, BaseRPS: 500,
			DailyAmp: 0.85, WeekendDip: 0.5, Noise: 0.05, Outages: 3, Gaps: 5},
		"bursty": {Days: 14, Bucket: time.Minute, Seed: 41, BaseRPS: 150,
			DailyAmp: 0.3, WeekendDip: 0.1, Noise: 0.18, Shifts: 4,
			Flash: 20, FlashMin: 1.5, FlashX: 2.5, Gaps: 2},
	}
}

type event struct {
	start, ramp, decay, tail float64 // minutes
	mult                     float64
	// hold and wind (minutes): a scheduled crowd stays at mult for hold
	// after its ramp, then winds down linearly over wind, instead of
	// decaying at once (wind 0: a flash crowd).
	hold, wind float64
}

// heldOut are the presets kept out of tuning shoal's defaults (see
// docs/autoscaling.md): reconstructions of public trace shapes and a
// harsher outage mix, generated only after the defaults were fixed.
func heldOut() map[string]GenSpec {
	return map[string]GenSpec{
		// Wikipedia page views are published as hourly aggregates: a
		// smooth daily cycle, a mild weekly one, news-driven spikes that
		// fade over hours, and steps at every hour boundary.
		"wiki-hourly": {Days: 21, Bucket: time.Hour, Seed: 53, BaseRPS: 400,
			DailyAmp: 0.55, WeekendDip: 0.12, TrendPerDay: 0.005, Noise: 0.05,
			Flash: 4, FlashMin: 1.5, FlashX: 3},
		// Azure Functions 2019: per-minute invocation counts, a diurnal
		// base from HTTP triggers plus timer triggers firing at fixed
		// periods, heavy noise and bursts.
		"azure-functions": {Days: 14, Bucket: time.Minute, Seed: 61, BaseRPS: 120,
			DailyAmp: 0.45, WeekendDip: 0.2, Noise: 0.12, Flash: 10, FlashMin: 1.5, FlashX: 3,
			PeriodMin: 15, PeriodLen: 1, PeriodX: 1.8},
		// A retail-like service with outages whose return surges differ
		// (0.3–2.0× extra, fading over 3–20 min), a slow decline and
		// flash crowds.
		"retail-outages": {Days: 28, Bucket: time.Minute, Seed: 71, BaseRPS: 350,
			DailyAmp: 0.7, WeekendDip: -0.25, TrendPerDay: -0.01, Noise: 0.06,
			Flash: 6, FlashMin: 1.5, FlashX: 2.5, Outages: 5, SurgeMin: 0.3, SurgeMax: 2, SurgeDecay: 3, Gaps: 3},
	}
}

// stress are shapes built to find where shoal breaks rather than to
// resemble one service: white per-minute scatter (a trace recorded at low
// counts), two days with no weekly history, spikes far above the base,
// outages under heavy noise, lasting level shifts, five-minute buckets,
// timers on intervals that divide no hour, day or week, timers on the
// clock that meet, per-second buckets of a few requests each, ten-second
// buckets of a few dozen.
// They were added after the tuning and held-out sets, and the adaptive
// scale-in window was designed on them (docs/autoscaling.md).
func stress() map[string]GenSpec {
	return map[string]GenSpec{
		"jittery": {Days: 14, Bucket: time.Minute, Seed: 101, BaseRPS: 200,
			DailyAmp: 0.6, WeekendDip: 0.2, Noise: 0.05, Jitter: 0.3},
		"two-days": {Days: 2, Bucket: time.Minute, Seed: 102, BaseRPS: 200,
			DailyAmp: 0.5, Noise: 0.1, Jitter: 0.1, Flash: 4, FlashMin: 1.5, FlashX: 3},
		"spiky": {Days: 14, Bucket: time.Minute, Seed: 103, BaseRPS: 100,
			DailyAmp: 0.4, WeekendDip: 0.1, Noise: 0.08, Flash: 30, FlashMin: 3, FlashX: 8},
		"noisy-outages": {Days: 21, Bucket: time.Minute, Seed: 104, BaseRPS: 300,
			DailyAmp: 0.6, WeekendDip: 0.3, Noise: 0.15, Jitter: 0.15,
			Outages: 4, SurgeMin: 0.2, SurgeMax: 1.5, SurgeDecay: 4},
		"level-shifts": {Days: 14, Bucket: time.Minute, Seed: 105, BaseRPS: 250,
			DailyAmp: 0.2, Noise: 0.08, Shifts: 12},
		"five-minute": {Days: 28, Bucket: 5 * time.Minute, Seed: 106, BaseRPS: 400,
			DailyAmp: 0.7, WeekendDip: 0.4, TrendPerDay: 0.01, Noise: 0.07,
			Flash: 5, FlashMin: 1.5, FlashX: 2.5},
		// An access log binned per second: a few requests a second, so
		// Poisson scatter of half the level from one second to the next
		// once rescaled to a busy service (the NASA and ClarkNet HTTP logs
		// look like this at --bucket 1s).
		"access-log": {Days: 7, Bucket: time.Second, Seed: 108, BaseRPS: 3,
			DailyAmp: 0.6, WeekendDip: 0.3, Noise: 0.05},
		// Timers set to intervals rather than clock times: every 7 minutes
		// (divides neither an hour nor a day) and a 3-minute batch every
		// 50 (not even a week), over a daily cycle.
		"interval-timers": {Days: 14, Bucket: time.Minute, Seed: 107, BaseRPS: 150,
			DailyAmp: 0.5, WeekendDip: 0.2, Noise: 0.08,
			Timers: []Timer{{Every: 7, Len: 1, X: 2.2}, {Every: 50, Len: 3, X: 1.6}}},
		// Timers on the clock whose periods share divisors, the shape cron
		// jobs give: every 5, 15 and 60 minutes, all three meeting on the
		// hour. The smaller ones are close to the noise.
		"cron-timers": {Days: 14, Bucket: time.Minute, Seed: 109, BaseRPS: 150,
			DailyAmp: 0.5, WeekendDip: 0.2, Noise: 0.08,
			Timers: []Timer{{Every: 5, Len: 1, X: 1.5}, {Every: 15, Len: 1, X: 1.8}, {Every: 60, Len: 1, X: 1.3}}},
		// A sports site during a tournament (the WorldCup 1998 logs are
		// the public example): a week of ordinary days, then three weeks
		// with two to four matches a day at fixed kick-off times, each a
		// crowd of ×3–10 that builds over 5–15 minutes, holds for about
		// two hours and winds down. The crowds come at the same hours on
		// some days and not on others.
		"match-crowds": {Days: 28, Bucket: time.Minute, Seed: 111, BaseRPS: 100,
			DailyAmp: 0.5, WeekendDip: -0.1, TrendPerDay: 0.02, Noise: 0.05,
			Matches: &Matches{FirstDay: 7, LastDay: 27, Slots: []float64{13.5, 16, 17.5, 21},
				PerDay: [2]int{2, 4}, XMin: 3, XMax: 10}},
		// Counted in 10-second buckets of about 50 requests: each bucket
		// scatters by about 15 % (Poisson) around the level, and the
		// simulator holds it for its 10 seconds, a step every bucket
		// (monitoring that scrapes every 10 s looks like this).
		"ten-second": {Days: 3, Bucket: 10 * time.Second, Seed: 110, BaseRPS: 5,
			DailyAmp: 0.5, Noise: 0.05},
	}
}

// Preset sets (see PresetSet).
const (
	SetTuning  = "tuning"
	SetHeldOut = "held out"
	SetStress  = "stress"
)

// PresetSet says which set a preset belongs to ("" if none).
func PresetSet(name string) string {
	switch {
	case hasKey(Presets(), name):
		return SetTuning
	case hasKey(heldOut(), name):
		return SetHeldOut
	case hasKey(stress(), name):
		return SetStress
	}
	return ""
}

func hasKey(m map[string]GenSpec, k string) bool { _, ok := m[k]; return ok }

// AllPresets are every preset, with whether each is held out.
func AllPresets() (map[string]GenSpec, map[string]bool) {
	all, held := Presets(), map[string]bool{}
	for n, g := range heldOut() {
		all[n], held[n] = g, true
	}
	for n, g := range stress() {
		all[n] = g
	}
	return all, held
}

// Generate builds the trace described by g.
func Generate(g GenSpec) (*Trace, error) {
	if g.Days < 1 || g.Bucket < time.Second || g.Bucket%time.Second != 0 || g.BaseRPS <= 0 {
		return nil, fmt.Errorf("generate: need days ≥ 1, a whole-second bucket and a positive base rate")
	}
	if m := g.Matches; m != nil && (len(m.Slots) == 0 || m.PerDay[0] < 0 || m.PerDay[1] < m.PerDay[0]) {
		return nil, fmt.Errorf("generate: matches need slots and 0 ≤ PerDay[0] ≤ PerDay[1], got %d slots and %v", len(m.Slots), m.PerDay)
	}
	rng := rand.New(rand.NewPCG(g.Seed, 0x6e6))
	width := g.Bucket.Seconds()
	n := int(float64(g.Days) * 86400 / width)
	minutes := float64(g.Days) * 1440
	flashes := make([]event, g.Flash)
	for i := range flashes {
		flashes[i] = event{
			start: rng.Float64() * minutes, ramp: 1 + 4*rng.Float64(),
			decay: 15 + 75*rng.Float64(), mult: g.FlashMin + (g.FlashX-g.FlashMin)*rng.Float64(),
		}
	}
	outages := make([]event, g.Outages)
	for i := range outages {
		outages[i] = event{start: rng.Float64() * minutes, ramp: 10 + 50*rng.Float64(), mult: 1.2, decay: 8, tail: 30}
		if g.SurgeMax > 0 {
			outages[i].mult = g.SurgeMin + (g.SurgeMax-g.SurgeMin)*rng.Float64()
			outages[i].decay = g.SurgeDecay * (1 + 6*rng.Float64())
			outages[i].tail = 4 * outages[i].decay
		}
	}
	shifts := make([]event, g.Shifts)
	for i := range shifts {
		shifts[i] = event{start: rng.Float64() * minutes, mult: math.Exp(0.4 * rng.NormFloat64())}
	}
	sort.Slice(shifts, func(i, j int) bool { return shifts[i].start < shifts[j].start })
	if g.Matches != nil {
		flashes = append(flashes, g.Matches.events(rng)...)
	}
	phase := rng.Float64() * 2 // hours: not every service peaks at the same hour
	tr := &Trace{Name: "generated", Bucket: g.Bucket, Counts: make([]float64, n), Missing: make([]bool, n)}
	ar, rho := 0.0, math.Exp(-width/1800)
	for i := range n {
		min := float64(i) * width / 60
		day := min / 1440
		hour := math.Mod(min/60+phase, 24)
		// Evening peak (main) plus a smaller late-morning shoulder.
		daily := 0.65*math.Cos(2*math.Pi*(hour-20)/24) + 0.35*math.Cos(4*math.Pi*(hour-11)/24)
		rate := g.BaseRPS * (1 + g.DailyAmp*daily)
		rate *= 1 - g.WeekendDip*weekendness(day)
		rate *= math.Pow(1+g.TrendPerDay, day)
		ar = rho*ar + math.Sqrt(1-rho*rho)*g.Noise*rng.NormFloat64()
		rate *= math.Exp(ar)
		if g.Jitter > 0 {
			rate *= math.Exp(g.Jitter*rng.NormFloat64() - g.Jitter*g.Jitter/2)
		}
		for _, s := range shifts {
			if min >= s.start {
				rate *= s.mult
			}
		}
		rate *= 1 + flashBoost(flashes, min)
		rate *= outageFactor(outages, min)
		if g.PeriodMin > 0 && int(min)%g.PeriodMin < g.PeriodLen {
			rate *= g.PeriodX
		}
		for _, t := range g.Timers {
			if t.Every > 0 && int(min)%t.Every < t.Len {
				rate *= t.X
			}
		}
		rate = math.Max(rate, 0)
		tr.Counts[i] = float64(poisson(rng, rate*width))
	}
	for range g.Gaps {
		at, span := rng.IntN(n-200)+100, 5+rng.IntN(90)
		for k := at; k < at+span && k < n-1; k++ {
			tr.Missing[k] = true
		}
	}
	for i := range tr.Missing {
		if tr.Missing[i] {
			tr.Counts[i] = 0
		}
	}
	tr.FillGaps()
	return tr, nil
}

// flashBoost is the crowds' extra rate at minute min, relative to the
// usual rate: flash crowds and scheduled ones (see event).
func flashBoost(fs []event, min float64) float64 {
	b := 0.0
	for _, f := range fs {
		dt := min - f.start
		switch {
		case dt < 0:
		case dt < f.ramp:
			b += (f.mult - 1) * dt / f.ramp
		case f.wind > 0:
			if held := dt - f.ramp - f.hold; held < 0 {
				b += f.mult - 1
			} else if held < f.wind {
				b += (f.mult - 1) * (1 - held/f.wind)
			}
		default:
			b += (f.mult - 1) * math.Exp(-(dt-f.ramp)/f.decay)
		}
	}
	return b
}

// outageFactor: traffic falls to 5% for the outage, then clients retry and
// return in a surge (mult above normal) that fades with time constant decay.
func outageFactor(os []event, min float64) float64 {
	f := 1.0
	for _, o := range os {
		dt := min - o.start
		switch {
		case dt < 0:
		case dt < o.ramp:
			f *= 0.05
		case dt < o.ramp+o.tail:
			f *= 1 + o.mult*math.Exp(-(dt-o.ramp)/o.decay)
		}
	}
	return f
}

// weekendness is 1 on Saturday and Sunday and 0 on weekdays, with
// half-day cosine ramps around the two midnights so that the weekly cycle
// has no step: real traffic does not jump at midnight.
func weekendness(day float64) float64 {
	d := math.Mod(day, 7)
	const ramp = 0.25
	switch {
	case d >= 5+ramp && d < 7-ramp:
		return 1
	case d >= 5-ramp && d < 5+ramp:
		return 0.5 - 0.5*math.Cos(math.Pi*(d-5+ramp)/(2*ramp))
	case d >= 7-ramp:
		return 0.5 + 0.5*math.Cos(math.Pi*(d-7+ramp)/(2*ramp))
	case d < ramp:
		return 0.5 + 0.5*math.Cos(math.Pi*(d+ramp)/(2*ramp))
	}
	return 0
}
