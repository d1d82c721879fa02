// Package autoscale holds Shoal's autoscaling policies as pure code: no clocks,
// no goroutines, no I/O. The simulator (internal/sim) and the live gateway both
// drive exactly these implementations, so there is one of each policy.
//
// The contract: the caller feeds one Sample per second of observed traffic with
// Observe, and calls Decide every Interval() with the current instance counts.
// Policies keep whatever windows and history they need internally.
package autoscale

import "time"

// Sample is one second of what the gateway saw for one service.
type Sample struct {
	// T is the start of the one-second bucket.
	T time.Time
	// Arrivals is the number of requests that arrived during the second.
	Arrivals float64
	// Completions is the number of requests that finished during the second.
	Completions float64
	// InFlight is the time-averaged number of requests in flight at the
	// gateway for this service during the second (queued + being served).
	InFlight float64
	// Errors counts responses that failed (5xx, timeouts, rejections).
	Errors float64
	// Queued is the part of InFlight that waited at the gateway for a free
	// slot (held by the activator: scaled to zero, instances starting or
	// every instance at its concurrency limit), time-averaged over the
	// second. It is meaningful only when QueueMeasured is set.
	Queued float64
	// QueueMeasured says that the source measures the gateway queue, so a
	// Queued of 0 means nothing waited. Sources that cannot see the queue
	// (older peers, gateways that do not hold requests) leave it false and
	// the policies then infer the queue from InFlight as before.
	QueueMeasured bool
}

// Merge returns the sum of two parts of the same second of a service (seen
// by different gateways). The queue of the sum is measured only when it is
// measured in both parts: a part that cannot see its queue hides it in its
// InFlight, and a sum that claimed to know the queue would misread it.
func (s Sample) Merge(o Sample) Sample {
	s.Arrivals += o.Arrivals
	s.Completions += o.Completions
	s.InFlight += o.InFlight
	s.Errors += o.Errors
	s.Queued += o.Queued
	s.QueueMeasured = s.QueueMeasured && o.QueueMeasured
	if !s.QueueMeasured {
		s.Queued = 0
	}
	return s
}

// State is the scaler's view of the service when a decision is asked for.
type State struct {
	Now time.Time
	// Desired is the instance count last asked of the scaler.
	Desired int
	// Ready instances take traffic; Starting ones were asked for but are not
	// ready yet.
	Ready    int
	Starting int
}

// Decision is a policy's answer.
type Decision struct {
	Desired int
	// Reason is a short human sentence for events and the dashboard.
	Reason string
	// Forecast is the predicted demand (in the policy's metric units: requests
	// in flight, or requests per second when the target is a rate) at
	// now + lead, or 0 for policies that do not forecast.
	Forecast float64
	// Panic reports a burst mode (KPA panic, Shoal panic window).
	Panic bool
}

// Policy is one autoscaling algorithm for one service.
type Policy interface {
	Name() string
	// Interval is how often Decide should be called (HPA 15 s, KPA 2 s ...).
	Interval() time.Duration
	Observe(s Sample)
	Decide(st State) Decision
}

// Persistent is implemented by policies that learn (the predictive part of
// shoal, weekago's history). A restart must not forget the week.
type Persistent interface {
	Snapshot() ([]byte, error)
	Restore(data []byte) error
}
