package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults for CheckerOptions fields left at zero.
const (
	DefaultInterval           = 5 * time.Second
	DefaultTimeout            = 2 * time.Second
	DefaultJitter             = 0.1
	DefaultHealthyThreshold   = 2
	DefaultUnhealthyThreshold = 3
)

// CheckerOptions configure the active checks of one service.
type CheckerOptions struct {
	// Service names the service in events.
	Service string
	// Probe is the kind of check: HTTPCheck, TCPCheck or GRPCCheck. Required.
	Probe ProbeSpec
	// Interval between the end of one probe of a target and the start of
	// the next. Default 5s.
	Interval time.Duration
	// Timeout bounds one probe; it must not exceed Interval. Default 2s
	// (or Interval when that is shorter).
	Timeout time.Duration
	// Jitter is the fraction of Interval by which each wait is randomly
	// lengthened or shortened (uniform in ±Jitter×Interval), so that the
	// targets' probes spread out instead of arriving together. The first
	// probe of a target waits uniform in [0, Jitter×Interval]. Range 0..0.5,
	// default 0.1; set NoJitter for exact intervals.
	Jitter float64
	// NoJitter disables jitter (Jitter's zero value means the default).
	NoJitter bool
	// HealthyThreshold is the number of consecutive passing probes that
	// make an unhealthy target healthy. Default 2.
	HealthyThreshold int
	// UnhealthyThreshold is the number of consecutive failing probes that
	// make a healthy target unhealthy. Default 3.
	UnhealthyThreshold int
	// InitiallyHealthy is the status of a newly added target until probes
	// say otherwise. Default false: a new target gets no traffic until a
	// probe passes. While a new target is still in its initial unhealthy
	// status, its first passing probe makes it healthy at once (as Envoy
	// does), so start-up does not wait HealthyThreshold intervals.
	InitiallyHealthy bool
	// Sink receives every status change (and each new target's initial
	// status). Required.
	Sink Sink
	// OnEvent, when set, is called with every status change, after Sink.
	OnEvent func(Event)
}

func (o *CheckerOptions) withDefaults() (CheckerOptions, error) {
	c := *o
	if c.Probe == nil {
		return c, errors.New("health checker: no probe configured")
	}
	if c.Sink == nil {
		return c, errors.New("health checker: no sink configured")
	}
	if c.Interval < 0 || c.Timeout < 0 || c.HealthyThreshold < 0 || c.UnhealthyThreshold < 0 {
		return c, errors.New("health checker: interval, timeout and thresholds must not be negative")
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = min(DefaultTimeout, c.Interval)
	}
	if c.Timeout > c.Interval {
		return c, fmt.Errorf("health checker: timeout %v exceeds interval %v", c.Timeout, c.Interval)
	}
	switch {
	case c.NoJitter:
		c.Jitter = 0
	case c.Jitter == 0:
		c.Jitter = DefaultJitter
	case c.Jitter < 0 || c.Jitter > 0.5:
		return c, fmt.Errorf("health checker: jitter %g is outside 0..0.5", c.Jitter)
	}
	if c.HealthyThreshold == 0 {
		c.HealthyThreshold = DefaultHealthyThreshold
	}
	if c.UnhealthyThreshold == 0 {
		c.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	return c, nil
}

type runState int

const (
	idle runState = iota
	running
	stopped
)

// Checker runs one service's active checks: one goroutine per target while
// Run is active. Update may be called at any time, before or during Run.
type Checker struct {
	opts CheckerOptions

	mu      sync.Mutex
	state   runState
	runCtx  context.Context // set while running
	targets map[string]*target

	stopOnce sync.Once
	stopCh   chan struct{}
	done     chan struct{} // closed when Run has cleaned up
}

// NewChecker validates opts and applies defaults.
func NewChecker(opts CheckerOptions) (*Checker, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Checker{
		opts:    o,
		targets: make(map[string]*target),
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
	}, nil
}

// Options returns the options in force, defaults filled in.
func (c *Checker) Options() CheckerOptions { return c.opts }

// Update sets the targets (host:port) to check. New targets report their
// initial status to the Sink before Update returns, so a caller that updates
// the checker before the pool never routes to an unchecked instance when
// InitiallyHealthy is false. Removed targets stop being probed; Update waits
// for their goroutines to end, so no verdict about them arrives afterwards.
// A target whose probe cannot be built is skipped and named in the error;
// the others are applied.
func (c *Checker) Update(addrs []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stopped {
		return errors.New("health checker: update after stop")
	}
	want := make(map[string]struct{}, len(addrs))
	var errs []error
	for _, a := range addrs {
		if _, dup := want[a]; dup {
			continue
		}
		want[a] = struct{}{}
		if _, ok := c.targets[a]; ok {
			continue
		}
		t, err := c.newTarget(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.targets[a] = t
		if c.state == running {
			c.start(t)
		}
	}
	for a, t := range c.targets {
		if _, ok := want[a]; ok {
			continue
		}
		delete(c.targets, a)
		t.stop()
	}
	return errors.Join(errs...)
}

// Status reports the current verdict for addr; ok is false when addr is not
// a target.
func (c *Checker) Status(addr string) (s Status, ok bool) {
	c.mu.Lock()
	t, ok := c.targets[addr]
	c.mu.Unlock()
	if !ok {
		return StatusUnknown, false
	}
	return Status(t.status.Load()), true
}

// Run probes the targets until ctx is done or Stop is called, then stops
// every probe goroutine and releases their connections before returning.
// A Checker runs once: Run after Stop (or a second concurrent Run) returns
// an error at once.
func (c *Checker) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.state != idle {
		c.mu.Unlock()
		return errors.New("health checker: already running or stopped")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.state = running
	c.runCtx = ctx
	for _, t := range c.targets {
		c.start(t)
	}
	c.mu.Unlock()

	select {
	case <-ctx.Done():
	case <-c.stopCh:
	}

	c.mu.Lock()
	c.state = stopped
	ts := c.targets
	c.targets = map[string]*target{}
	c.mu.Unlock()
	for _, t := range ts {
		t.stop()
	}
	close(c.done)
	return nil
}

// Stop ends Run and waits until all its goroutines have exited. It is safe
// to call more than once, and before Run (the checker then never runs).
func (c *Checker) Stop() {
	c.stopOnce.Do(func() { close(c.stopCh) })
	c.mu.Lock()
	wasIdle := c.state == idle
	if wasIdle {
		c.state = stopped
		for _, t := range c.targets {
			_ = t.probe.Close()
		}
		c.targets = map[string]*target{}
		// Run will never clean up, so Stop does: later Stops must not wait.
		close(c.done)
	}
	c.mu.Unlock()
	<-c.done
}

// newTarget builds a target in its initial status and announces it.
// Called with c.mu held.
func (c *Checker) newTarget(addr string) (*target, error) {
	p, err := c.opts.Probe.NewProbe(addr)
	if err != nil {
		return nil, fmt.Errorf("adding health check target: %w", err)
	}
	initial := StatusUnhealthy
	reason := "added; unhealthy until a probe passes"
	if c.opts.InitiallyHealthy {
		initial = StatusHealthy
		reason = "added; healthy until probes fail"
	}
	t := &target{addr: addr, probe: p, initial: true}
	t.status.Store(int32(initial))
	c.report(t, StatusUnknown, initial, reason)
	return t, nil
}

// start launches t's probe loop. Called with c.mu held while running.
func (c *Checker) start(t *target) {
	ctx, cancel := context.WithCancel(c.runCtx)
	t.cancel = cancel
	t.done = make(chan struct{})
	go c.loop(ctx, t)
}

// report delivers one transition to the Sink and the event callback.
func (c *Checker) report(t *target, old, now Status, reason string) {
	c.opts.Sink.SetHealthy(t.addr, now == StatusHealthy)
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(Event{
			Service: c.opts.Service,
			Address: t.addr,
			Check:   c.opts.Probe.Kind(),
			Old:     old,
			New:     now,
			Reason:  reason,
			Time:    time.Now(),
		})
	}
}
