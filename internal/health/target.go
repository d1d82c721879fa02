package health

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// target is one address under active checks. The counters are owned by its
// loop goroutine; status is atomic so Status can read it from elsewhere.
type target struct {
	addr   string
	probe  Probe
	status atomic.Int32

	// initial is true until the first probe result: the first pass of a
	// target still in its initial unhealthy status makes it healthy at once.
	initial   bool
	successes int
	failures  int

	cancel context.CancelFunc // nil until started
	done   chan struct{}
}

// stop ends the target's loop (which closes the probe) and waits for it; a
// target that never started just closes its probe.
func (t *target) stop() {
	if t.cancel == nil {
		_ = t.probe.Close()
		return
	}
	t.cancel()
	<-t.done
}

func (c *Checker) loop(ctx context.Context, t *target) {
	defer close(t.done)
	defer func() { _ = t.probe.Close() }()
	timer := time.NewTimer(firstDelay(c.opts.Interval, c.opts.Jitter, rand.Float64()))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		err := t.probe.Check(pctx)
		cancel()
		if ctx.Err() != nil {
			// Removed or stopped mid-probe: the failure is ours, not the
			// target's, and nobody wants a verdict any more.
			return
		}
		c.record(t, err)
		timer.Reset(nextDelay(c.opts.Interval, c.opts.Jitter, rand.Float64()))
	}
}

// record folds one probe result into t's counters and reports a change of
// status when a threshold is crossed.
func (c *Checker) record(t *target, err error) {
	old := Status(t.status.Load())
	first := t.initial
	t.initial = false
	if err == nil {
		t.failures = 0
		t.successes++
		if old == StatusHealthy {
			return
		}
		if first || t.successes >= c.opts.HealthyThreshold {
			reason := fmt.Sprintf("%d consecutive passing %s probes", t.successes, c.opts.Probe.Kind())
			if first {
				reason = fmt.Sprintf("first %s probe passed", c.opts.Probe.Kind())
			}
			t.status.Store(int32(StatusHealthy))
			c.report(t, old, StatusHealthy, reason)
		}
		return
	}
	t.successes = 0
	t.failures++
	if old == StatusUnhealthy || t.failures < c.opts.UnhealthyThreshold {
		return
	}
	t.status.Store(int32(StatusUnhealthy))
	c.report(t, old, StatusUnhealthy,
		fmt.Sprintf("%d consecutive failed %s probes: %v", t.failures, c.opts.Probe.Kind(), err))
}

// nextDelay is the wait before the next probe: interval ± jitter×interval,
// with u uniform in [0,1). Never below a millisecond, so a misconfigured
// tiny interval cannot spin.
func nextDelay(interval time.Duration, jitter, u float64) time.Duration {
	spread := jitter * float64(interval)
	d := time.Duration(float64(interval) - spread + 2*spread*u)
	return max(d, time.Millisecond)
}

// firstDelay spreads the first probes of targets added together over
// [0, jitter×interval), so a restart or a big update does not probe every
// instance at the same instant while still checking new targets promptly.
func firstDelay(interval time.Duration, jitter, u float64) time.Duration {
	return time.Duration(jitter * float64(interval) * u)
}
