package autoscale

import (
	"math"
	"time"
)

// rampWatch projects a rise that is under way into the next minutes.
//
// Why: a flash crowd that builds over a quarter of an hour (a match
// kicking off on a WorldCup-like trace, ×3–15 in 5–15 minutes) rises by a
// third or more every minute. A reactive policy sees each minute's step
// when it comes and its instances arrive a cold start into the minute;
// under FIFO a 30 % overload makes nearly every request of those seconds
// late, minute after minute of the climb. The climb itself is the
// evidence: two minutes in a row that rose well beyond the demand's own
// scatter, and a third (the current one) that keeps rising, say the next
// minute most likely rises too. The projection continues the smaller of
// the last two rises for as many minute boundaries as the lead crosses.
// The daily forecast cannot see this: the crowd comes at another time
// every day, or for the first time.
type rampWatch struct {
	// minute is the clock minute being summed; sum and n its seconds.
	minute int64
	sum    float64
	n      int
	// prev are the means of the two complete minutes before it, newest
	// first (0: not seen, or not the minute just before).
	prev [2]float64
}

// rampSource names the ramp in decision reasons.
const rampSource = "ramp"

const (
	// rampMinRise is the least rise per minute that counts as a climb
	// (ordinary demand drifts by a few percent a minute).
	rampMinRise = 0.1
	// rampScatterZ: a rise must also exceed this many σ of the minute
	// scatter (the scatter floor's estimate), so noise is not a ramp.
	rampScatterZ = 2.5
	// rampMinSeconds is how much of the current minute must be seen
	// before its level is trusted.
	rampMinSeconds = 10
	// rampMaxGrowth caps the projection's growth over the current level.
	rampMaxGrowth = 2.0
)

// observe takes one second of the demand signal at t.
func (r *rampWatch) observe(t time.Time, v float64) {
	m := floorDiv(t.Unix(), 60)
	if m != r.minute {
		if r.n > 0 && m == r.minute+1 {
			r.prev = [2]float64{r.sum / float64(r.n), r.prev[0]}
		} else {
			r.prev = [2]float64{}
		}
		r.minute, r.sum, r.n = m, 0, 0
	}
	r.sum += v
	r.n++
}

// project returns the demand the climb reaches at now+lead, or 0 when no
// climb is under way or at+lead is still in the current minute (the
// reactive windows answer for that). sigma is the scatter of log minute
// means.
func (r *rampWatch) project(now time.Time, lead time.Duration, sigma float64) (float64, float64) {
	if r.n < rampMinSeconds || r.prev[0] <= 0 || r.prev[1] <= 0 {
		return 0, 0
	}
	k := floorDiv(now.Add(lead).Unix(), 60) - r.minute
	if k < 1 {
		return 0, 0
	}
	cur := r.sum / float64(r.n)
	min := math.Exp(math.Max(math.Log1p(rampMinRise), rampScatterZ*sigma))
	r1, r2 := cur/r.prev[0], r.prev[0]/r.prev[1]
	if r1 < min || r2 < min {
		return 0, 0
	}
	step := math.Min(r1, r2)
	return cur * math.Min(math.Pow(step, float64(k)), rampMaxGrowth), step
}
