package autoscale

import "math"

// The forecast's margin by the size of the forecast.
//
// Why: errors are normalised by the forecast (by one instance's demand
// below that), and their upper quantile is the margin of every forecast.
// That is right when noise grows with the demand. When it grows more
// slowly (a trace of counts: Poisson scatter is relative √n), the quiet
// hours' wide relative error was applied to the busy hours and to every
// predicted spike: on a trace with a 5-minute timer over a quiet night
// the margin was 45 % of each spike where the spikes' own minutes scatter
// by a few percent, and the capacity bought for it and held while the
// spike passed cost two thirds above oracle. So errors are also kept by
// the forecast's size, in octaves of one instance, and a forecast takes
// the quantile of its own octave, or of the nearest smaller one that has
// enough errors: a spike larger than anything checked (the minutes of a
// recurring spike are not checked) is priced like the busiest minutes
// that were. With noise that grows with the demand every octave has about
// the same quantile, and nothing changes.
const (
	// sizedOctaves: octaves of one instance's demand (1, 2, 4, ... and
	// everything from 2^(sizedOctaves-1) up).
	sizedOctaves = 6
	// sizedMinErrors: errors an octave needs before its quantile is used.
	sizedMinErrors = 200
)

// octave is the size class of a forecast v.
func (f *Forecaster) octave(v float64) int {
	o := int(math.Floor(math.Log2(math.Max(v, f.unit) / f.unit)))
	return min(max(o, 0), sizedOctaves-1)
}

// addSized records a normalised error e of the forecast v in v's octave.
func (f *Forecaster) addSized(v, e float64) {
	o := f.octave(v)
	if f.st.Sized[o] == nil {
		f.st.Sized[o] = newDecayingQuantile(f.fp.ErrorHalfLife.Minutes())
	}
	f.st.Sized[o].add(e)
}

// marginQuantile is the error quantile that sizes the margin of a forecast
// v: its octave's, the nearest smaller octave's with enough errors, or the
// quantile of all errors.
func (f *Forecaster) marginQuantile(v float64) float64 {
	for o := f.octave(v); o >= 0; o-- {
		if q := f.st.Sized[o]; q != nil && q.Count >= sizedMinErrors {
			return q.quantile(f.fp.Quantile)
		}
	}
	return f.errQ.quantile(f.fp.Quantile)
}

// restoreQuantile rebuilds a saved error histogram with this forecaster's
// half-life (nil when none was saved or its layout is not this one's).
func restoreQuantile(saved *decayingQuantile, halfLifeEntries float64) *decayingQuantile {
	if saved == nil || len(saved.Bins) != errBins {
		return nil
	}
	q := newDecayingQuantile(halfLifeEntries)
	q.Bins, q.Total, q.Weight, q.Count = saved.Bins, saved.Total, saved.Weight, saved.Count
	if q.Weight <= 0 {
		q.Weight = 1
	}
	return q
}
