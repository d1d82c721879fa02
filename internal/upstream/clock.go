package upstream

import (
	"math"
	"time"
)

// clock gives monotonic nanoseconds since the States store was made and the
// EWMA decay weight for an elapsed time. One per States, shared by its states.
type clock struct {
	epoch time.Time
	tau   float64 // decay time constant in nanoseconds
	// nowFn replaces the real clock in tests; nil means time.Since(epoch).
	nowFn func() int64
}

func (c *clock) now() int64 {
	if c.nowFn != nil {
		return c.nowFn()
	}
	return int64(time.Since(c.epoch))
}

// decayWeight is exp(-elapsed/tau): the share of the old estimate kept after
// elapsed nanoseconds.
func (c *clock) decayWeight(elapsed int64) float64 {
	if elapsed <= 0 {
		return 1
	}
	return math.Exp(-float64(elapsed) / c.tau)
}
