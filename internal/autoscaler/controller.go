// Package autoscaler is the live autoscaling controller: once a second it
// feeds each service's signals to its autoscale policy, asks the policy for a
// decision at the policy's interval, and tells the scaler (local processes,
// Kubernetes) how many instances to run. It keeps the decisions as events
// and a per-second timeline, uses the scaler's measured cold start as the
// forecast lead, and saves what the predictive policies learned in the state
// directory so a restart does not forget the week.
//
// The policies themselves are the pure code of internal/autoscale, the same
// the simulator replays traces against.
package autoscaler

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Source hands out a service's completed one-second samples since the last
// call, oldest first (signals.Service.Drain).
type Source interface {
	Drain(service string, now time.Time) []autoscale.Sample
}

// Observed is the scaler's view of a service.
type Observed struct {
	// Desired is the count last asked of the scaler (by anyone).
	Desired                   int
	Ready, Starting, Draining int
	// ColdStart is the measured start-to-ready time, a moving mean (0
	// until known); ColdStartSpread is the moving mean deviation from it.
	ColdStart, ColdStartSpread time.Duration
}

// Scaler runs instances: the local runtime or Kubernetes.
type Scaler interface {
	Scale(service string, n int) error
	// Status reports the service; ok is false when the scaler does not
	// know it (yet).
	Status(service string) (Observed, bool)
}

// MinScaler is a Scaler that can also raise a service to at least n
// instances against its live count. A wake uses it when there is one: the
// count it last saw may be stale (another gateway may have scaled a moment
// ago), and a wake must never lower a count.
type MinScaler interface {
	Scaler
	// ScaleAtLeast raises the service to n unless it already has n or
	// more, and returns the resulting desired count.
	ScaleAtLeast(service string, n int) (int, error)
}

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("autoscaler closed")

// Options configure a Controller. Scaler and Source are required.
type Options struct {
	Scaler Scaler
	Source Source
	// Clock defaults to time.Now.
	Clock func() time.Time
	Log   *slog.Logger
	// StateDir is the Shoal state directory; snapshots go to
	// <StateDir>/autoscaler/<service>.json unless Store is set. Empty and
	// no Store: no persistence.
	StateDir string
	// Store keeps the learned state instead of StateDir (Kubernetes mode
	// keeps it in ConfigMaps, so the next leader finds it).
	Store SnapshotStore
	// Tick is the control period (default 1 s).
	Tick time.Duration
	// SnapshotEvery is how often learned state is saved (default 1 min).
	SnapshotEvery time.Duration
	// EventLimit is the events kept per service (default 500).
	EventLimit int
	// TimelineLength is the per-second timeline kept (default 15 min).
	TimelineLength time.Duration
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Store == nil && o.StateDir != "" {
		o.Store = DirStore{Dir: o.StateDir}
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	if o.SnapshotEvery <= 0 {
		o.SnapshotEvery = time.Minute
	}
	if o.EventLimit <= 0 {
		o.EventLimit = 500
	}
	if o.TimelineLength <= 0 {
		o.TimelineLength = 15 * time.Minute
	}
}

// Controller drives the autoscaling of every configured service.
type Controller struct {
	opts Options

	mu       sync.Mutex
	services map[string]*service
	closed   bool
	done     chan struct{}
	running  sync.WaitGroup
}

// New returns a controller; it does nothing until Run.
func New(opts Options) (*Controller, error) {
	if opts.Scaler == nil || opts.Source == nil {
		return nil, errors.New("autoscaler: Scaler and Source are required")
	}
	opts.setDefaults()
	return &Controller{opts: opts, services: map[string]*service{}, done: make(chan struct{})}, nil
}

// Configure adds a service or changes its spec. A new service's policy
// starts from its saved snapshot when there is one; a changed spec keeps the
// learned state when the policy stays the same. An invalid spec is an error
// and leaves the service as it was.
func (c *Controller) Configure(name string, spec Spec) error {
	spec = spec.withDefaults()
	c.mu.Lock()
	s := c.services[name]
	c.mu.Unlock()
	if s != nil {
		return s.reconfigure(spec, c.opts.Clock())
	}
	s, err := newService(c, name, spec)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.services[name] != nil {
		// Configured concurrently; the other call won.
		return c.services[name].reconfigure(spec, c.opts.Clock())
	}
	c.services[name] = s
	return nil
}

// Remove stops autoscaling a service (its instances are left as they are)
// and saves its learned state.
func (c *Controller) Remove(name string) {
	c.mu.Lock()
	s := c.services[name]
	delete(c.services, name)
	c.mu.Unlock()
	if s != nil {
		s.save()
	}
}

// Services lists the autoscaled services, sorted.
func (c *Controller) Services() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.services))
}

func (c *Controller) lookup(name string) *service {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.services[name]
}

func (c *Controller) all() []*service {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*service, 0, len(c.services))
	for _, s := range c.services {
		out = append(out, s)
	}
	return out
}

// Run ticks until ctx ends or Close is called.
func (c *Controller) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.running.Add(1)
	c.mu.Unlock()
	defer c.running.Done()

	t := time.NewTicker(c.opts.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return nil
		case <-t.C:
			c.Tick()
		}
	}
}

// Tick runs one control step for every service at the clock's time. Run
// calls it every Options.Tick; tests call it with a fake clock.
func (c *Controller) Tick() {
	now := c.opts.Clock()
	for _, s := range c.all() {
		s.step(now)
	}
}

// Observe refreshes every service's view of the scaler without deciding or
// draining signals: a gateway that is not the leader calls it, so its
// status and metrics follow what the leader does.
func (c *Controller) Observe() {
	for _, s := range c.all() {
		obs, ok := c.opts.Scaler.Status(s.name)
		if !ok {
			continue
		}
		s.mu.Lock()
		s.obs, s.known = obs, true
		s.mu.Unlock()
	}
}

// Save stores every service's learned state now (a gateway that loses the
// leadership calls it, so the next leader starts from the latest).
func (c *Controller) Save() error {
	var errs []error
	for _, s := range c.all() {
		if err := s.save(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Restore reloads every service's learned state from the store, replacing
// what the controller holds: a gateway that becomes the leader calls it,
// since the previous leader learned while this one was not deciding.
func (c *Controller) Restore() {
	now := c.opts.Clock()
	for _, s := range c.all() {
		s.restore(now)
	}
}

// Close stops Run and saves every service's learned state.
func (c *Controller) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	c.mu.Unlock()
	c.running.Wait()
	return c.Save()
}
