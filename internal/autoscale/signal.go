package autoscale

import "math"

// backlogAllowance is how much more than arrivals × learned work the
// concurrency signal may read: some queueing is real demand (it has to be
// served), a queue that grows because capacity is missing is not.
const backlogAllowance = 1.5

// workEstimator learns the slot-seconds one request takes (in flight per
// request/s, Little's law) from seconds in which the service kept up, and
// caps the in-flight signal at backlogAllowance × arrivals × that work.
//
// Why: when instances are missing, requests queue at the gateway, in-flight
// grows by the arrival rate every second and a concurrency policy reads the
// queue as demand: after an outage our simulations asked for 1000+
// instances where 20 were needed. Arrivals are not inflated by the queue.
type workEstimator struct {
	work float64
	n    int
}

// minWorkSamples is how many steady seconds are needed before capping.
const minWorkSamples = 30

func (e *workEstimator) signal(s Sample) float64 {
	if s.Arrivals > 0 && s.InFlight > 0 &&
		math.Abs(s.Completions-s.Arrivals) <= 0.1*s.Arrivals+2 {
		obs := s.InFlight / s.Arrivals
		if e.n == 0 {
			e.work = obs
		} else {
			// About a five-minute memory at one sample per second.
			e.work += (obs - e.work) / 300
		}
		e.n++
	}
	if e.n < minWorkSamples {
		return s.InFlight
	}
	return math.Min(s.InFlight, backlogAllowance*s.Arrivals*e.work)
}
