package autoscale

import (
	"math"
	"time"
)

// Forecaster predicts a service's demand (per-minute mean of the metric)
// from its own history:
//
//	forecast(m) = level(h) × (S(m) + c) − c
//
// S(m) is a seasonal profile, a blend of a daily and a weekly profile (each
// an EWMA over past days/weeks of the same minute; the blend weighs each by
// the inverse of its recent squared error); level(h) is a damped Holt
// estimate of observed/profile (today's level against the usual one, and its
// trend) extrapolated h minutes; c (one instance's target) keeps the ratio
// sane near zero. Errors of the forecasts made lead-ahead are normalised by
// max(forecast, c) and kept in decaying histograms, all of them and by the
// forecast's size (forecast_sized.go), whose upper quantile is the safety
// margin. Memory is fixed: 1440 + 10080 minute slots.
type Forecaster struct {
	fp   ForecastParams
	unit float64
	lead time.Duration
	st   forecastState
	agg  minuteAgg
	errQ *decayingQuantile
	memo [4]minuteMemo
	// scratch is the hourly pattern's sort buffer, periodScratch the
	// recurrence detector's.
	scratch       [hourRefMinutes]float64
	hourRef       hourRefMemo
	due           dueMemo
	periodScratch []float64
	periodMemo    [4]periodMemo
}

// forecastState is everything learned; it is what Snapshot saves.
type forecastState struct {
	Daily      []float64         `json:"daily"`
	DailyN     []uint16          `json:"daily_n"`
	Weekly     []float64         `json:"weekly"`
	WeeklyN    []uint16          `json:"weekly_n"`
	Level      float64           `json:"level"`
	Trend      float64           `json:"trend"`
	HaveLevel  bool              `json:"have_level"`
	LastMinute int64             `json:"last_minute"`
	Minutes    int64             `json:"minutes"`
	ErrDaily   float64           `json:"err_daily"`
	ErrWeekly  float64           `json:"err_weekly"`
	NBlend     int               `json:"n_blend"`
	RecentErr  float64           `json:"recent_err"`
	Pending    []pendingForecast `json:"pending"`
	Errors     *decayingQuantile `json:"errors"`
	// Sized are the errors by the forecast's octave (see marginQuantile;
	// absent from older snapshots).
	Sized []*decayingQuantile `json:"sized,omitempty"`
	// Hourly is the minute-of-hour pattern (absent from older snapshots).
	Hourly hourlyState `json:"hourly"`
	// Periodic is the recurrence detector's ring (absent from older
	// snapshots).
	Periodic periodState `json:"periodic"`
	// SharpHits is the recent share of sharp predicted rises that came
	// (EWMA over SharpN of them; see sharpRise).
	SharpHits float64 `json:"sharp_hits"`
	SharpN    int     `json:"sharp_n"`
}

// pendingForecast is a forecast waiting for its minute to be observed.
type pendingForecast struct {
	Minute int64   `json:"m"`
	Value  float64 `json:"v"`
	// Base is the minute observed when it was made (absent from older
	// snapshots: then the rise is not scored).
	Base float64 `json:"b,omitempty"`
}

// NewForecaster makes a forecaster for forecasts lead ahead; unit is the
// demand one instance serves (the policy target).
func NewForecaster(fp ForecastParams, unit float64, lead time.Duration) *Forecaster {
	fp = fp.withDefaults()
	f := &Forecaster{fp: fp, unit: unit, lead: lead}
	f.st = forecastState{
		Daily:    make([]float64, minutesPerDay),
		DailyN:   make([]uint16, minutesPerDay),
		Weekly:   make([]float64, minutesPerWeek),
		WeeklyN:  make([]uint16, minutesPerWeek),
		Pending:  make([]pendingForecast, int(lead/time.Minute)+3),
		Hourly:   newHourlyState(),
		Periodic: newPeriodState(),
		Sized:    make([]*decayingQuantile, sizedOctaves),
	}
	f.periodScratch = make([]float64, 0, periodRing)
	for i := range f.st.Pending {
		f.st.Pending[i].Minute = -1
	}
	f.errQ = newDecayingQuantile(fp.ErrorHalfLife.Minutes())
	f.st.Errors = f.errQ
	return f
}

// Observe takes one second of demand. Allocation-free; the model work is
// done once per finished minute.
func (f *Forecaster) Observe(t time.Time, v float64) {
	if m, mean, done := f.agg.add(t, v); done {
		f.learnMinute(m, mean)
	}
}

// seasonal returns the profile value of minute m and whether it is known.
func (f *Forecaster) seasonal(m int64) (float64, bool) {
	di := floorMod(m, minutesPerDay)
	wi := floorMod(m, minutesPerWeek)
	hasD, hasW := f.st.DailyN[di] > 0, f.st.WeeklyN[wi] > 0
	switch {
	case hasD && hasW:
		ww := 0.5
		if f.st.NBlend >= 60 && f.st.ErrDaily+f.st.ErrWeekly > 0 {
			ww = f.st.ErrDaily / (f.st.ErrDaily + f.st.ErrWeekly)
		}
		return ww*f.st.Weekly[wi] + (1-ww)*f.st.Daily[di], true
	case hasD:
		return f.st.Daily[di], true
	case hasW:
		return f.st.Weekly[wi], true
	}
	return 0, false
}

// levelAt is the damped Holt level h minutes after the last minute.
func (f *Forecaster) levelAt(h float64) float64 {
	phi := f.fp.TrendDamping
	l := f.st.Level + f.st.Trend*phi*(1-math.Pow(phi, h))/(1-phi)
	return math.Min(math.Max(l, 0.1), 10)
}

// minuteMemo caches forecastMinute between learned minutes: decisions come
// every few seconds but the answer only changes once a minute.
type minuteMemo struct {
	m     int64
	v     float64
	ok    bool
	valid bool
}

// forgetMemos drops every answer cached between learned minutes: called
// before a minute is learned and when the state is replaced.
func (f *Forecaster) forgetMemos() {
	f.memo = [4]minuteMemo{}
	f.periodMemo = [4]periodMemo{}
	f.hourRef = hourRefMemo{}
	f.due = dueMemo{}
}

// forecastMinute is the point forecast of minute m's mean (memoised).
func (f *Forecaster) forecastMinute(m int64) (float64, bool) {
	c := &f.memo[floorMod(m, int64(len(f.memo)))]
	if c.valid && c.m == m {
		return c.v, c.ok
	}
	v, ok := f.computeMinute(m)
	*c = minuteMemo{m: m, v: v, ok: ok, valid: true}
	return v, ok
}

func (f *Forecaster) computeMinute(m int64) (float64, bool) {
	s, ok := f.seasonal(m)
	if !ok || !f.st.HaveLevel {
		return 0, false
	}
	h := float64(m - f.st.LastMinute)
	if h < 1 {
		h = 1
	}
	c := f.unit
	return math.Max(0, f.levelAt(h)*(s+c)-c), true
}

// learnMinute folds one finished minute into the model.
func (f *Forecaster) learnMinute(m int64, y float64) {
	st := &f.st
	c := f.unit
	f.forgetMemos()
	due := f.periodicRise(m)
	f.checkForecast(m, y, due.ok)
	if st.HaveLevel && m-st.LastMinute > 60 {
		// A long gap: the old level says nothing about now.
		st.HaveLevel = false
	}
	if st.Minutes > 0 && m-st.LastMinute > hourRefMinutes {
		// Nor the old reference of the hourly pattern.
		st.Hourly.Fill = 0
	}
	z := st.Hourly.learn(m, y, c, &f.scratch)
	st.Periodic.learn(m, z, f.periodScratch)
	if due.drifts && z > 1 {
		// The recurrence detector predicts this spike itself, and the
		// profiles learn the minute as it would have been without it: a
		// timer whose period does not divide a day lands on other minutes
		// every day, and its spikes smeared over the profile raised every
		// forecast (on a trace with 7- and 50-minute timers by about a
		// fifth). A timer on the clock (every 5, 15, 60 minutes) lands on
		// the same minutes every day, and the profiles keep it: they back
		// the detector up where its noisy occurrences under-predict timers
		// meeting (a 5-, 15- and 60-minute trace had 7–10× the violations at
		// equal cost without them).
		y = (y+c)/z - c
	}
	di := floorMod(m, minutesPerDay)
	wi := floorMod(m, minutesPerWeek)
	if s, ok := f.seasonal(m); ok {
		f.trackBlend(di, wi, y)
		z := math.Min(math.Max((y+c)/(s+c), 0.1), 10)
		if !st.HaveLevel {
			st.Level, st.Trend, st.HaveLevel = z, 0, true
		} else {
			phi := f.fp.TrendDamping
			prev := st.Level
			st.Level = f.fp.LevelAlpha*z + (1-f.fp.LevelAlpha)*(prev+phi*st.Trend)
			st.Trend = f.fp.TrendBeta*(st.Level-prev) + (1-f.fp.TrendBeta)*phi*st.Trend
		}
		// Learn at most OutlierRatio × the profile from one minute.
		y = math.Min(y, f.fp.OutlierRatio*(s+c)-c)
	}
	learnSlot(st.Daily, st.DailyN, di, y, f.fp.DailyAlpha)
	learnSlot(st.Weekly, st.WeeklyN, wi, y, f.fp.WeeklyAlpha)
	st.LastMinute = m
	st.Minutes++
	f.issueForecast(m, y)
}

func learnSlot(vals []float64, n []uint16, i int64, y, alpha float64) {
	if n[i] == 0 {
		vals[i] = y
	} else {
		vals[i] += alpha * (y - vals[i])
	}
	if n[i] < math.MaxUint16 {
		n[i]++
	}
}

// trackBlend updates each profile's squared error (level-corrected).
func (f *Forecaster) trackBlend(di, wi int64, y float64) {
	st := &f.st
	if st.DailyN[di] == 0 || st.WeeklyN[wi] == 0 || !st.HaveLevel {
		return
	}
	c := f.unit
	l := f.levelAt(1)
	ed := y - (l*(st.Daily[di]+c) - c)
	ew := y - (l*(st.Weekly[wi]+c) - c)
	a := 1 / math.Max(f.fp.ErrorHalfLife.Minutes()/4, 1)
	if st.NBlend == 0 {
		st.ErrDaily, st.ErrWeekly = ed*ed, ew*ew
	} else {
		st.ErrDaily += a * (ed*ed - st.ErrDaily)
		st.ErrWeekly += a * (ew*ew - st.ErrWeekly)
	}
	st.NBlend++
}

// Forecast returns the point forecast of demand at t (interpolated between
// minute means) and the upper-quantile bound point + margin. ok is false
// when the profile does not cover t yet.
func (f *Forecaster) Forecast(t time.Time) (point, upper float64, ok bool) {
	sec := float64(t.UnixNano()) / 1e9
	x := sec/60 - 0.5 // minute means sit at minute centres
	m0 := int64(math.Floor(x))
	w := x - float64(m0)
	a, okA := f.forecastMinute(m0)
	b, okB := f.forecastMinute(m0 + 1)
	switch {
	case okA && okB && f.peakMinute(m0+1, a, b):
		// A minute above both neighbours is a timer's spike, not a ramp:
		// interpolating towards it ordered part of the spike up to half a
		// minute early (with a 120 s cold start, azure-functions +18.1 %
		// above oracle against +11.4 % without). The minute-mean rule below
		// still meets it in full from its first second.
		point = a
	case okA && okB:
		point = a + w*(b-a)
	case okA:
		point = a
	case okB:
		point = b
	default:
		return 0, 0, false
	}
	// A minute's mean holds for all of it: never read less than the mean of
	// the minute t falls in, so a step at a minute boundary is met in full.
	if pc, ok := f.forecastMinute(floorDiv(int64(math.Floor(sec)), 60)); ok && pc > point {
		point = pc
	}
	q := f.marginQuantile(point)
	upper = math.Max(0, point+q*math.Max(point, f.unit))
	return point, upper, true
}

// peakRatio: a minute at least this much above both neighbours is a peak
// (see peakMinute). Above the minute-to-minute scatter the profiles keep
// after averaging days, so noise does not turn interpolation on and off.
const peakRatio = 1.1

// peakMinute reports whether minute m (mean b, the minute before it a)
// stands above both its neighbours by peakRatio, in a settled profile: one
// day's noise is full of such minutes.
func (f *Forecaster) peakMinute(m int64, a, b float64) bool {
	if b <= peakRatio*a || !f.profileSettled() {
		return false
	}
	c, ok := f.forecastMinute(m + 1)
	return ok && b > peakRatio*c
}

// Seasonal returns the blended profile value (the usual demand, without
// today's level) of the minute t falls in.
func (f *Forecaster) Seasonal(t time.Time) (float64, bool) {
	return f.seasonal(floorDiv(t.Unix(), 60))
}
