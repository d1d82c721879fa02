package replay

import (
	"fmt"
	"io"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/sim"
)

// Setup is one experiment: the trace, the service, the policies and the
// time scale, shared by the live run and the simulation.
type Setup struct {
	// EchoBin is a built examples/echo. Required for the live run.
	EchoBin string
	Trace   *sim.Trace
	// Policies to compare. Default shoal, hpa, kpa.
	Policies []string
	// ServiceTime of every request (echo's ?delay). Default 200 ms.
	ServiceTime time.Duration
	// Slots is each instance's container concurrency. Default 4.
	Slots int
	// StartupDelay makes echo's cold start (echo -startup-delay).
	// Default 2 s.
	StartupDelay time.Duration
	// TimeScale multiplies the policies' time constants. Default 0.1: a
	// 2 s cold start stands for 20 s, a 60 s window is 6 s.
	TimeScale float64
	// SLO: a slower request, or a rejected one, is a violation. It must be
	// a bucket bound of the gateway's latency histogram. Default 500 ms.
	SLO time.Duration
	// WaitTimeout and QueueLimit configure the activator (and the
	// simulator's gateway queue). Defaults 3 s and 1000.
	WaitTimeout time.Duration
	QueueLimit  int
	// Min and Max instances. Defaults 1 and 10.
	Min, Max int
	// Utilization is the share of the slots the policies aim at (kpa gets
	// the slots as its target and applies its own 0.7). Default 0.7.
	Utilization float64
	// MaxInFlight bounds the load generator; arrivals beyond it are
	// dropped and counted. Default 3000.
	MaxInFlight int
	// Log receives progress lines. Default: discard.
	Log io.Writer
}

// WithDefaults fills the zero fields.
func (s Setup) WithDefaults() Setup {
	if len(s.Policies) == 0 {
		s.Policies = []string{"shoal", "hpa", "kpa"}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.ServiceTime, 200*time.Millisecond)
	def(&s.StartupDelay, 2*time.Second)
	def(&s.SLO, 500*time.Millisecond)
	def(&s.WaitTimeout, 3*time.Second)
	if s.Slots <= 0 {
		s.Slots = 4
	}
	if s.TimeScale <= 0 {
		s.TimeScale = 0.1
	}
	if s.QueueLimit <= 0 {
		s.QueueLimit = 1000
	}
	if s.Min <= 0 {
		s.Min = 1
	}
	if s.Max <= 0 {
		s.Max = 10
	}
	if s.Utilization <= 0 {
		s.Utilization = 0.7
	}
	if s.MaxInFlight <= 0 {
		s.MaxInFlight = 3000
	}
	if s.Log == nil {
		s.Log = io.Discard
	}
	return s
}

// target is the policy's per-instance target in requests in flight:
// Utilization of the slots, except kpa which takes the slots and aims at
// its own 70% of them. shoal gets the same share as hpa (not `shoal sim`'s
// default of 75%): the test compares live with simulated runs of the same
// setpoints, and any setpoint serves.
func (s Setup) target(policy string) float64 {
	if policy == "kpa" {
		return float64(s.Slots)
	}
	return s.Utilization * float64(s.Slots)
}

// coldStartHint is what the config tells the autoscaler before it has
// measured a start: the startup delay plus the process start and the first
// readiness probe.
func (s Setup) coldStartHint() time.Duration { return s.StartupDelay + 100*time.Millisecond }

// spec is the scale block of one policy's service, as the live controller
// and the simulator both build their policy from it.
func (s Setup) spec(policy string) autoscaler.Spec {
	return autoscaler.Spec{
		Policy: policy, Metric: "concurrency", Target: s.target(policy),
		Min: s.Min, Max: s.Max, ColdStartHint: s.coldStartHint(), TimeScale: s.TimeScale,
	}
}

// serviceName is the live service of a policy.
func serviceName(policy string) string { return "svc-" + policy }

// Duration is the trace's length.
func (s Setup) Duration() time.Duration {
	return time.Duration(len(s.Trace.Counts)) * s.Trace.Bucket
}

func (s Setup) logf(format string, args ...any) {
	fmt.Fprintf(s.Log, format+"\n", args...)
}
