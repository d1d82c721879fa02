package sim

import (
	"fmt"
	"math"
	"time"
)

// epochUnix is the wall-clock time of t_seconds = 0, 2024-01-01 00:00 UTC: a
// Monday at midnight, so that policies with daily and weekly seasonality see
// sensible weekdays.
const epochUnix = 1704067200

// Demand is a trace turned into a per-second arrival rate, rescaled so that
// its peak needs a chosen number of instances under a model. Within a bucket
// the rate is constant (count / width): we know nothing finer.
type Demand struct {
	counts []float64
	width  int64
	origin int64 // trace t_seconds of counts[0]
	// Scale multiplies the trace's counts.
	Scale float64
	// Peak is the instance count the peak rate needs.
	Peak int
	gaps int
	name string
	m    Model
	// need[i] is the instance count bucket i needs; precomputed so that a
	// Demand is immutable and can be shared by concurrent runs.
	need []int32
}

// NewDemand rescales tr for m so that its peak bucket needs peak instances
// (peak ≤ 0 keeps the trace's own rates).
func NewDemand(tr *Trace, m Model, peak int) (*Demand, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	var hist [histBins]float64
	calc, err := newQueueCalc(m, &hist)
	if err != nil {
		return nil, err
	}
	d := &Demand{
		counts: tr.Counts,
		width:  secs(tr.Bucket),
		origin: tr.Origin,
		Scale:  1,
		gaps:   tr.Gaps(),
		name:   tr.Name,
		m:      m,
	}
	maxCount := 0.0
	for _, c := range tr.Counts {
		maxCount = math.Max(maxCount, c)
	}
	if maxCount == 0 {
		return nil, fmt.Errorf("trace %s has no requests", tr.Name)
	}
	peakRate := maxCount / float64(d.width)
	if peak > 0 {
		// The largest rate that peak instances still serve within the need
		// threshold, by bisection (needed is monotone in the rate).
		lo, hi := 0.0, float64(peak*m.Slots)/m.ServiceMean.Seconds()
		for range 60 {
			mid := (lo + hi) / 2
			if calc.needed(mid, m.Slots) <= peak {
				lo = mid
			} else {
				hi = mid
			}
		}
		d.Scale = lo / peakRate
	}
	d.Peak = calc.needed(peakRate*d.Scale, m.Slots)
	d.need = make([]int32, len(d.counts))
	for i, c := range d.counts {
		d.need[i] = int32(calc.needed(c/float64(d.width)*d.Scale, m.Slots))
	}
	return d, nil
}

// Seconds is the trace length in seconds.
func (d *Demand) Seconds() int64 { return int64(len(d.counts)) * d.width }

// Rate is the arrival rate (requests/s) during second t of the trace.
func (d *Demand) Rate(t int64) float64 {
	if t < 0 || t >= d.Seconds() {
		return 0
	}
	return d.counts[t/d.width] / float64(d.width) * d.Scale
}

// Time is the wall-clock time of second t.
func (d *Demand) Time(t int64) time.Time {
	return time.Unix(epochUnix+d.origin+t, 0).UTC()
}

// second maps a wall-clock time back to a trace second.
func (d *Demand) second(at time.Time) int64 {
	return at.Unix() - epochUnix - d.origin
}

// Concurrency is the offered load at second t in requests in flight
// (rate × mean service time): what a perfect concurrency metric would see.
func (d *Demand) Concurrency(t int64) float64 {
	return d.Rate(t) * d.m.ServiceMean.Seconds()
}

// Needed is the instance count second t needs (see Model.NeedViolation).
func (d *Demand) Needed(t int64) int {
	if t < 0 || t >= d.Seconds() {
		return 0
	}
	return int(d.need[t/d.width])
}

// Slice returns the demand restricted to [from, from+length) seconds, both
// rounded to bucket boundaries; the scale is kept.
func (d *Demand) Slice(from, length time.Duration) (*Demand, error) {
	a := secs(from) / d.width
	b := a + (secs(length)+d.width-1)/d.width
	if a < 0 || a >= int64(len(d.counts)) || length <= 0 {
		return nil, fmt.Errorf("slice from %v for %v is outside the %v trace", from, length, time.Duration(d.Seconds())*time.Second)
	}
	if b > int64(len(d.counts)) {
		b = int64(len(d.counts))
	}
	s := *d
	s.counts = d.counts[a:b]
	s.need = d.need[a:b]
	s.origin = d.origin + a*d.width
	return &s, nil
}

func secs(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}
