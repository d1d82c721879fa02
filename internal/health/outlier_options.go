package health

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for OutlierOptions fields left at zero.
const (
	DefaultConsecutive5xx            = 5
	DefaultConsecutiveGatewayFailure = 5
	DefaultBaseEjectionTime          = 30 * time.Second
	DefaultMaxEjectionTime           = 300 * time.Second
	DefaultMaxEjectionPercent        = 50
	DefaultSweepInterval             = time.Second
)

// Clock tells the time; tests substitute a manual one.
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// OutlierOptions configure passive outlier detection for one service.
type OutlierOptions struct {
	// Service names the service in events.
	Service string
	// Consecutive5xx ejects an endpoint after this many failed attempts in
	// a row (any outcome but Success). Default 5; -1 disables this rule.
	Consecutive5xx int
	// ConsecutiveGatewayFailure ejects after this many gateway failures in
	// a row (GatewayError, ConnectFailure, Timeout, Reset). Default 5; -1
	// disables this rule.
	ConsecutiveGatewayFailure int
	// BaseEjectionTime is multiplied by the endpoint's ejection count to
	// get how long an ejection lasts. Default 30s.
	BaseEjectionTime time.Duration
	// MaxEjectionTime caps one ejection's length. Default 300s.
	MaxEjectionTime time.Duration
	// MaxEjectionPercent bounds the share of the service's endpoints that
	// may be ejected at once: floor(endpoints × percent / 100), but at least
	// one. 1..100, default 50.
	MaxEjectionPercent int
	// SweepInterval is how often Run checks for ejections that have ended;
	// an endpoint returns at most this late. Default 1s.
	SweepInterval time.Duration
	// Ejector receives ejections and returns. Required.
	Ejector Ejector
	// OnEvent, when set, is called (after Ejector) for every ejection,
	// return and refused ejection.
	OnEvent func(OutlierEvent)
	// Clock replaces the wall clock in tests.
	Clock Clock
}

func (o *OutlierOptions) withDefaults() (OutlierOptions, error) {
	c := *o
	if c.Ejector == nil {
		return c, errors.New("outlier detection: no ejector configured")
	}
	if c.Consecutive5xx == 0 {
		c.Consecutive5xx = DefaultConsecutive5xx
	}
	if c.ConsecutiveGatewayFailure == 0 {
		c.ConsecutiveGatewayFailure = DefaultConsecutiveGatewayFailure
	}
	if c.Consecutive5xx < -1 || c.ConsecutiveGatewayFailure < -1 {
		return c, errors.New("outlier detection: consecutive thresholds must be positive, or -1 to disable")
	}
	if c.BaseEjectionTime == 0 {
		c.BaseEjectionTime = DefaultBaseEjectionTime
	}
	if c.MaxEjectionTime == 0 {
		c.MaxEjectionTime = max(DefaultMaxEjectionTime, c.BaseEjectionTime)
	}
	if c.BaseEjectionTime < 0 || c.MaxEjectionTime < c.BaseEjectionTime {
		return c, fmt.Errorf("outlier detection: need 0 < base ejection time (%v) <= max ejection time (%v)",
			c.BaseEjectionTime, c.MaxEjectionTime)
	}
	if c.MaxEjectionPercent == 0 {
		c.MaxEjectionPercent = DefaultMaxEjectionPercent
	}
	if c.MaxEjectionPercent < 1 || c.MaxEjectionPercent > 100 {
		return c, fmt.Errorf("outlier detection: max ejection percent %d is outside 1..100", c.MaxEjectionPercent)
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = DefaultSweepInterval
	}
	if c.SweepInterval < 0 {
		return c, errors.New("outlier detection: sweep interval must be positive")
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	return c, nil
}
