package autoscale

import "math"

// Error histogram range and resolution: normalised forecast errors in
// [-errRange, +errRange] in steps of errStep; outliers land in the end bins.
const (
	errRange = 4.0
	errStep  = 0.02
	errBins  = int(2*errRange/errStep) + 1
)

// decayingQuantile estimates quantiles of a stream with exponential
// forgetting: a fixed histogram whose new entries weigh more than old ones
// by a constant factor, so memory and cost do not grow with history.
type decayingQuantile struct {
	Bins   []float64 `json:"bins"`
	Total  float64   `json:"total"`
	Weight float64   `json:"weight"` // weight of the next entry
	Count  int       `json:"count"`
	grow   float64   // 1/decay per entry
	cached float64
	cacheQ float64
	dirty  bool
}

func newDecayingQuantile(halfLifeEntries float64) *decayingQuantile {
	return &decayingQuantile{
		Bins:   make([]float64, errBins),
		Weight: 1,
		grow:   math.Pow(2, 1/halfLifeEntries),
		dirty:  true,
	}
}

func (d *decayingQuantile) add(e float64) {
	i := int(math.Round((e + errRange) / errStep))
	i = min(max(i, 0), errBins-1)
	d.Bins[i] += d.Weight
	d.Total += d.Weight
	d.Count++
	d.Weight *= d.grow
	if d.Weight > 1e100 {
		// Rescale everything; ratios (and so quantiles) are unchanged.
		for j := range d.Bins {
			d.Bins[j] /= d.Weight
		}
		d.Total /= d.Weight
		d.Weight = 1
	}
	d.dirty = true
}

// quantile returns the q-quantile (bin centre); cached until the next add.
func (d *decayingQuantile) quantile(q float64) float64 {
	if d.Total == 0 {
		return 0
	}
	if !d.dirty && d.cacheQ == q {
		return d.cached
	}
	want := q * d.Total
	acc := 0.0
	v := errRange
	for i, w := range d.Bins {
		acc += w
		if acc >= want {
			v = float64(i)*errStep - errRange
			break
		}
	}
	d.cached, d.cacheQ, d.dirty = v, q, false
	return v
}
