package autoscale

import (
	"math"
	"sort"
	"time"
)

// The hourly pattern: a profile of minute-of-hour ratios, learned within
// hours rather than days.
//
// Why: the daily and weekly profiles need a day of history before the
// forecaster is used, and on the first day a service whose timers fire every
// few minutes (cron jobs, scheduled pulls; the Azure Functions trace is full
// of them) meets every spike a cold start late. Schedules are almost always
// aligned to the hour (every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60
// minutes), so one slot per minute of the hour catches all of them.
//
// Each minute is compared with the median of the minutes before it (a
// reference a one-minute spike cannot move), and the ratio is folded into
// its minute-of-hour slot as an exponentially weighted mean and variance
// across hours. A slot is a pattern only when its mean ratio stands above 1
// by more than its own spread (hourSignificance standard deviations) after
// hourMinHours hours: a flash crowd that landed on a slot once raises its
// variance as much as its mean and does not qualify.
const (
	minutesPerHour   = 60
	hourRefMinutes   = 15   // minutes in the median reference
	hourAlpha        = 0.3  // weight of a new hour in a slot
	hourMinHours     = 4    // hours a slot needs before it counts
	hourSignificance = 1.5  // standard deviations above a ratio of 1
	hourMinRise      = 0.15 // and at least this much above 1
	// hourMaxRatio bounds a minute's ratio to its reference. The ratio is
	// already bounded by the +c in it (a spike from nothing is at most its
	// instances + 1); this only keeps a wild minute from swamping a slot.
	// It was 5, and a timer of ×4 at noon that is ×15 at night (the same
	// requests over a quieter base) was ordered a third of its size every
	// night: 2.4 % violations where hpa, holding its 5-minute peak, had 0.1.
	hourMaxRatio = 100
)

// hourlyState is the learned part (saved with the forecaster).
type hourlyState struct {
	Mean   []float64 `json:"mean"`
	Var    []float64 `json:"var"`
	N      []uint16  `json:"n"`
	Recent []float64 `json:"recent"` // the last hourRefMinutes minute means, a ring
	Head   int       `json:"head"`
	Fill   int       `json:"fill"`
}

func newHourlyState() hourlyState {
	return hourlyState{
		Mean:   make([]float64, minutesPerHour),
		Var:    make([]float64, minutesPerHour),
		N:      make([]uint16, minutesPerHour),
		Recent: make([]float64, hourRefMinutes),
	}
}

// valid reports whether a restored state has the expected layout (older
// snapshots have none).
func (h *hourlyState) valid() bool {
	return len(h.Mean) == minutesPerHour && len(h.Var) == minutesPerHour &&
		len(h.N) == minutesPerHour && len(h.Recent) == hourRefMinutes &&
		h.Head >= 0 && h.Head < hourRefMinutes && h.Fill >= 0 && h.Fill <= hourRefMinutes
}

// reference is the median of the recent minutes (0, false until full),
// from a sorted copy in scratch, so it does not allocate. Learning reads it
// once a minute, the patterns through Forecaster.hourlyReference.
func (h *hourlyState) reference(scratch *[hourRefMinutes]float64) (float64, bool) {
	if h.Fill < hourRefMinutes {
		return 0, false
	}
	s := scratch[:]
	copy(s, h.Recent)
	sort.Float64s(s)
	return (s[hourRefMinutes/2] + s[(hourRefMinutes-1)/2]) / 2, true
}

// learn folds minute m's mean y in and returns its ratio to the reference
// (0 while there is none); c keeps ratios sane near zero.
func (h *hourlyState) learn(m int64, y, c float64, scratch *[hourRefMinutes]float64) float64 {
	z := 0.0
	if ref, ok := h.reference(scratch); ok {
		z = math.Min(math.Max((y+c)/(ref+c), 0.2), hourMaxRatio)
		i := floorMod(m, minutesPerHour)
		if h.N[i] == 0 {
			h.Mean[i], h.Var[i] = z, 0
		} else {
			d := z - h.Mean[i]
			h.Mean[i] += hourAlpha * d
			h.Var[i] = (1 - hourAlpha) * (h.Var[i] + hourAlpha*d*d)
		}
		if h.N[i] < math.MaxUint16 {
			h.N[i]++
		}
	}
	h.Recent[h.Head] = y
	h.Head = (h.Head + 1) % hourRefMinutes
	h.Fill = min(h.Fill+1, hourRefMinutes)
	return z
}

// rise is slot i's ratio, upper ratio (mean + one standard deviation) and
// whether it is a significant rise.
func (h *hourlyState) rise(i int64) (mean, upper float64, ok bool) {
	if h.N[i] < hourMinHours {
		return 0, 0, false
	}
	mean = h.Mean[i]
	sd := math.Sqrt(h.Var[i])
	if mean-hourSignificance*sd <= 1 || mean < 1+hourMinRise {
		return 0, 0, false
	}
	return mean, mean + sd, true
}

// HourlyRise is the hourly pattern's forecast for the minutes from now to
// now + lead: the largest significant rise among their minute-of-hour slots,
// as point and upper demand (metric units) over the current reference. ok is
// false when no slot in that span is a significant rise.
func (f *Forecaster) HourlyRise(now time.Time) (point, upper float64, ok bool) {
	h := &f.st.Hourly
	return f.riseAhead(now, func(m int64) (float64, float64, bool) {
		return h.rise(floorMod(m, minutesPerHour))
	})
}

// riseAhead is the largest rise a pattern has due in the minutes from now
// to now + lead: its ratios for a minute (mean, upper, whether one is due)
// applied to the current reference, as point and upper demand.
func (f *Forecaster) riseAhead(now time.Time, at func(m int64) (mean, upper float64, ok bool)) (point, upper float64, ok bool) {
	ref, have := f.hourlyReference()
	if !have {
		return 0, 0, false
	}
	c := f.unit
	first := floorDiv(now.Unix(), 60)
	last := floorDiv(now.Add(f.lead).Unix(), 60)
	for m := first; m <= last; m++ {
		mean, up, rose := at(m)
		if !rose {
			continue
		}
		if p := mean*(ref+c) - c; p > point {
			point, upper, ok = p, up*(ref+c)-c, true
		}
	}
	return point, upper, ok
}

// hourRefMemo caches the hourly reference between learned minutes.
type hourRefMemo struct {
	v         float64
	ok, valid bool
}

// hourlyReference is the hourly pattern's reference, memoised until the
// next minute is learned: the patterns read it at every decision, and
// sorting it each time was a tenth of a 90-day replay of the policy.
func (f *Forecaster) hourlyReference() (float64, bool) {
	if !f.hourRef.valid {
		v, ok := f.st.Hourly.reference(&f.scratch)
		f.hourRef = hourRefMemo{v: v, ok: ok, valid: true}
	}
	return f.hourRef.v, f.hourRef.ok
}
