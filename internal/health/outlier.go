package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// OutlierEvent describes an ejection, a return to rotation, or an ejection
// that max_ejection_percent refused.
type OutlierEvent struct {
	Service   string
	Address   string
	Action    string    // "eject", "return", "refused"
	Reason    string    // e.g. "5 consecutive gateway failures (last: connect failure)"
	Ejections int       // times ejected, counting this one (decays while healthy)
	Until     time.Time // end of the ejection (Action "eject")
	Time      time.Time
}

// outlierEndpoint is one endpoint's detector state. The counters are atomics
// touched by every request; the rest is guarded by OutlierDetector.mu.
type outlierEndpoint struct {
	addr    string
	fails   atomic.Int32 // consecutive non-success outcomes
	gwFails atomic.Int32 // consecutive gateway failures
	ejected atomic.Bool  // read on the request path to skip counting

	removed    bool      // left the set; a late ejection attempt is ignored
	ejections  int       // ejection multiplier
	until      time.Time // end of the current ejection
	lastChange time.Time // last return to rotation or multiplier decay
}

// OutlierDetector ejects endpoints of one service whose recent requests
// failed in a row. Observe is safe for concurrent use and allocation-free.
type OutlierDetector struct {
	opts OutlierOptions

	// eps is replaced whole by Update (copy on write), so Observe looks an
	// address up with one atomic load and a map read, no lock.
	eps atomic.Pointer[map[string]*outlierEndpoint]

	mu      sync.Mutex // serialises ejections, returns, Update and Ejector calls
	ejected int

	runStateMu sync.Mutex
	runState   runState
	stopOnce   sync.Once
	stopCh     chan struct{}
	done       chan struct{} // closed when Run returns
}

// NewOutlierDetector validates opts and applies defaults.
func NewOutlierDetector(opts OutlierOptions) (*OutlierDetector, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &OutlierDetector{opts: o, stopCh: make(chan struct{}), done: make(chan struct{})}
	empty := map[string]*outlierEndpoint{}
	d.eps.Store(&empty)
	return d, nil
}

// Options returns the options in force, defaults filled in.
func (d *OutlierDetector) Options() OutlierOptions { return d.opts }

// Update sets the service's endpoints (host:port). Kept endpoints keep their
// counters and ejection history; an endpoint that leaves while ejected is
// returned (Ejector gets SetEjected(addr, false)) so nothing stays ejected
// on its account.
func (d *OutlierDetector) Update(addrs []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := *d.eps.Load()
	next := make(map[string]*outlierEndpoint, len(addrs))
	for _, a := range addrs {
		if e, ok := old[a]; ok {
			next[a] = e
		} else if _, dup := next[a]; !dup {
			next[a] = &outlierEndpoint{addr: a, lastChange: d.opts.Clock.Now()}
		}
	}
	d.eps.Store(&next)
	for a, e := range old {
		if _, kept := next[a]; kept {
			continue
		}
		e.removed = true
		if e.ejected.Load() {
			d.returnLocked(e, d.opts.Clock.Now(), "removed from the service while ejected")
		}
	}
}

// Observe records the outcome of one attempt to addr. Unknown addresses are
// ignored. It never allocates; it takes the detector's lock only when a
// threshold is reached.
func (d *OutlierDetector) Observe(addr string, o Outcome) {
	e := (*d.eps.Load())[addr]
	if e == nil || e.ejected.Load() {
		// Attempts that were already in flight at ejection (or panic-mode
		// traffic) must not pile onto the next ejection's count.
		return
	}
	if o == Success {
		// Load before Store: a healthy endpoint's counters are already 0,
		// and skipping the write keeps the cache line shared between cores.
		if e.fails.Load() != 0 {
			e.fails.Store(0)
		}
		if e.gwFails.Load() != 0 {
			e.gwFails.Store(0)
		}
		return
	}
	n := e.fails.Add(1)
	var g int32
	if o.isGatewayFailure() {
		g = e.gwFails.Add(1)
	} else if e.gwFails.Load() != 0 {
		e.gwFails.Store(0)
	}
	// Retry a refused ejection only every threshold-th failure, so an
	// endpoint that max_ejection_percent protects does not take the lock
	// on every request.
	if t := int32(d.opts.ConsecutiveGatewayFailure); t > 0 && g > 0 && g%t == 0 {
		d.tryEject(e, o, "consecutive gateway failures", g)
	} else if t := int32(d.opts.Consecutive5xx); t > 0 && n%t == 0 {
		d.tryEject(e, o, "consecutive failures", n)
	}
}

// tryEject ejects e unless it is gone, already ejected, or the service
// already has as many ejected endpoints as max_ejection_percent allows.
func (d *OutlierDetector) tryEject(e *outlierEndpoint, last Outcome, rule string, count int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e.removed || e.ejected.Load() {
		return
	}
	now := d.opts.Clock.Now()
	reason := fmt.Sprintf("%d %s (last: %s)", count, rule, last)
	total := len(*d.eps.Load())
	if limit := MaxEjected(total, d.opts.MaxEjectionPercent); d.ejected >= limit {
		d.emit(OutlierEvent{Address: e.addr, Action: "refused", Ejections: e.ejections, Time: now,
			Reason: fmt.Sprintf("%s; not ejected: %d of %d endpoints already ejected (max %d%%)",
				reason, d.ejected, total, d.opts.MaxEjectionPercent)})
		return
	}
	e.ejections++
	length := min(d.opts.BaseEjectionTime*time.Duration(e.ejections), d.opts.MaxEjectionTime)
	e.until = now.Add(length)
	e.ejected.Store(true)
	e.fails.Store(0)
	e.gwFails.Store(0)
	d.ejected++
	d.opts.Ejector.SetEjected(e.addr, true)
	d.emit(OutlierEvent{Address: e.addr, Action: "eject", Reason: reason,
		Ejections: e.ejections, Until: e.until, Time: now})
}

// returnLocked puts an ejected endpoint back. Called with d.mu held.
func (d *OutlierDetector) returnLocked(e *outlierEndpoint, now time.Time, reason string) {
	e.ejected.Store(false)
	e.fails.Store(0)
	e.gwFails.Store(0)
	e.lastChange = now
	d.ejected--
	d.opts.Ejector.SetEjected(e.addr, false)
	d.emit(OutlierEvent{Address: e.addr, Action: "return", Reason: reason, Ejections: e.ejections, Time: now})
}

func (d *OutlierDetector) emit(ev OutlierEvent) {
	if d.opts.OnEvent != nil {
		ev.Service = d.opts.Service
		d.opts.OnEvent(ev)
	}
}

// MaxEjected is how many of total endpoints max ejection percent pct allows
// to be ejected at once: floor(total × pct / 100), but at least 1 when there
// is any endpoint (as Envoy, so a 1- or 2-endpoint service can still shed a
// broken instance; the panic threshold then decides whether it gets traffic).
func MaxEjected(total, pct int) int {
	if total <= 0 {
		return 0
	}
	return max(1, total*pct/100)
}

// Sweep returns endpoints whose ejection time has passed and decays the
// ejection multiplier of endpoints that have stayed in rotation: one less
// for every BaseEjectionTime without an ejection. Run calls it every
// SweepInterval; tests call it directly after moving their clock.
func (d *OutlierDetector) Sweep() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Clock.Now()
	for _, e := range *d.eps.Load() {
		switch {
		case e.ejected.Load():
			if !now.Before(e.until) {
				d.returnLocked(e, now, "ejection time passed")
			}
		case e.ejections > 0 && now.Sub(e.lastChange) >= d.opts.BaseEjectionTime:
			e.ejections--
			e.lastChange = now
		}
	}
}

// EndpointOutlierState is a point-in-time view of one endpoint, for the admin API.
type EndpointOutlierState struct {
	Ejected   bool      `json:"ejected"`
	Ejections int       `json:"ejections"`
	Until     time.Time `json:"ejected_until,omitzero"`
}

// State reports addr's ejection status; ok is false for unknown addresses.
func (d *OutlierDetector) State(addr string) (st EndpointOutlierState, ok bool) {
	e := (*d.eps.Load())[addr]
	if e == nil {
		return st, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	st = EndpointOutlierState{Ejected: e.ejected.Load(), Ejections: e.ejections}
	if st.Ejected {
		st.Until = e.until
	}
	return st, true
}

// Run sweeps every SweepInterval until ctx is done or Stop is called. A
// detector runs once: a second Run, or Run after Stop, returns an error.
func (d *OutlierDetector) Run(ctx context.Context) error {
	d.runStateMu.Lock()
	if d.runState != idle {
		d.runStateMu.Unlock()
		return errors.New("outlier detection: already running or stopped")
	}
	d.runState = running
	d.runStateMu.Unlock()
	defer close(d.done)
	t := time.NewTicker(d.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.stopCh:
			return nil
		case <-t.C:
			d.Sweep()
		}
	}
}

// Stop ends Run and waits for it to return. Safe to call more than once,
// and before Run (which then returns at once).
func (d *OutlierDetector) Stop() {
	d.stopOnce.Do(func() { close(d.stopCh) })
	d.runStateMu.Lock()
	wasRunning := d.runState == running
	d.runState = stopped
	d.runStateMu.Unlock()
	if wasRunning {
		<-d.done
	}
}
