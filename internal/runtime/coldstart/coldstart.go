// Package coldstart follows an instance kind's measured start-to-ready
// times, for the runtimes that measure them (local processes, Kubernetes
// pods).
package coldstart

import "time"

// weight is a new measurement's share of the moving averages: a changed
// build shows within a few starts, while one slow start (a cold disk cache)
// does not take over.
const weight = 0.3

// Estimate is a moving mean of the cold starts and a moving mean of their
// deviation from it, the way TCP follows round-trip times: the mean says
// what a start usually takes, the deviation how far one may stray.
type Estimate struct {
	Mean, Dev time.Duration
}

// Add takes one measured cold start.
func (e *Estimate) Add(d time.Duration) {
	if e.Mean <= 0 {
		e.Mean, e.Dev = d, 0
		return
	}
	dev := d - e.Mean
	if dev < 0 {
		dev = -dev
	}
	// The deviation is measured against the mean before this start moves it.
	e.Dev += time.Duration(weight * float64(dev-e.Dev))
	e.Mean += time.Duration(weight * float64(d-e.Mean))
}
