// Package ratelimit throttles requests per key with the generic cell rate
// algorithm (GCRA), a token bucket that keeps one timestamp per key instead
// of a counter and a refill time. Decisions are made by a Store: Local keeps
// the state in the gateway, Redis shares it between gateways with one round
// trip per decision.
package ratelimit

import (
	"fmt"
	"time"
)

// Limit admits Count requests per Period, with bursts of up to Burst
// requests at once. A key that was idle for a whole period may send Burst
// requests immediately, then one every Period/Count.
type Limit struct {
	// Name identifies the limit in RateLimit headers and store keys.
	Name   string
	Count  int64
	Period time.Duration
	// Burst is the bucket size; 0 means Count.
	Burst int64
}

// Validate reports a limit that cannot be enforced.
func (l Limit) Validate() error {
	if l.Count <= 0 || l.Period <= 0 {
		return fmt.Errorf("limit %q: count and period must be positive", l.Name)
	}
	if l.Period/time.Duration(l.Count) < time.Microsecond {
		return fmt.Errorf("limit %q: %d per %s is finer than one request per microsecond", l.Name, l.Count, l.Period)
	}
	if l.Burst < 0 {
		return fmt.Errorf("limit %q: burst must not be negative", l.Name)
	}
	return nil
}

// interval is the time one request uses up: the emission interval.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Count) }

func (l Limit) burst() int64 {
	if l.Burst > 0 {
		return l.Burst
	}
	return l.Count
}

// tolerance is how far ahead of now the theoretical arrival time may run.
func (l Limit) tolerance() time.Duration { return l.interval() * time.Duration(l.burst()) }

// State is what a decision says about one limit.
type State struct {
	// Remaining requests the key may send right now under this limit.
	Remaining int64
	// Reset is the time until the bucket is full again.
	Reset time.Duration
}

// Decision is the answer for one request against all the route's limits.
// A request is admitted only when every limit admits it, and a refused
// request uses up nothing.
type Decision struct {
	Allowed bool
	// RetryAfter is when a refused request would be admitted.
	RetryAfter time.Duration
	// States has one entry per limit, in the order of the limits.
	States []State
}

// step is the GCRA update of one limit: given the stored theoretical
// arrival time (tat, zero when unknown), it returns the new tat if the
// request is admitted, whether it is, and how long to wait if it is not.
func step(l Limit, tat, now int64) (newTat int64, ok bool, wait int64) {
	if tat < now {
		tat = now
	}
	newTat = tat + int64(l.interval())
	allowAt := newTat - int64(l.tolerance())
	if now < allowAt {
		return tat, false, allowAt - now
	}
	return newTat, true, 0
}

// stateOf describes a limit whose stored tat is tat after the decision.
func stateOf(l Limit, tat, now int64) State {
	if tat < now {
		tat = now
	}
	iv := int64(l.interval())
	rem := (now + int64(l.tolerance()) - tat) / iv
	if rem < 0 {
		rem = 0
	}
	return State{Remaining: rem, Reset: time.Duration(tat - now)}
}
