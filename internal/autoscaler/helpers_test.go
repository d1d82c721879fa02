package autoscaler

import (
	"errors"
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
	"github.com/shoal-gw/shoal/internal/signals"
)

// t0 is a Monday midnight, so daily and weekly slots start at zero.
var t0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// fakeScaler makes asked-for instances ready at once (or never, when
// instant is false) and records every Scale call.
type fakeScaler struct {
	mu      sync.Mutex
	svc     map[string]*Observed
	calls   []int
	instant bool
	fail    bool
}

func newFakeScaler(instant bool) *fakeScaler {
	return &fakeScaler{svc: map[string]*Observed{}, instant: instant}
}

func (f *fakeScaler) set(name string, o Observed) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.svc[name] = &o
}

func (f *fakeScaler) Scale(name string, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("scaler refuses")
	}
	o := f.svc[name]
	if o == nil {
		return errors.New("unknown service")
	}
	f.calls = append(f.calls, n)
	o.Desired = n
	if f.instant {
		o.Ready, o.Starting = n, 0
	} else {
		o.Starting = max(n-o.Ready, 0)
	}
	return nil
}

func (f *fakeScaler) Status(name string) (Observed, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.svc[name]
	if o == nil {
		return Observed{}, false
	}
	return *o, true
}

func (f *fakeScaler) desired(name string) int {
	o, _ := f.Status(name)
	return o.Desired
}

func (f *fakeScaler) scaleCalls() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.calls...)
}

// fakeSource hands out pushed samples once.
type fakeSource struct {
	mu      sync.Mutex
	pending map[string][]autoscale.Sample
}

func newFakeSource() *fakeSource { return &fakeSource{pending: map[string][]autoscale.Sample{}} }

func (f *fakeSource) push(name string, s ...autoscale.Sample) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending[name] = append(f.pending[name], s...)
}

func (f *fakeSource) Drain(name string, _ time.Time) []autoscale.Sample {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.pending[name]
	delete(f.pending, name)
	return out
}

type rig struct {
	clock  *testclock.Clock
	scaler *fakeScaler
	source *fakeSource
	c      *Controller
}

func newRig(t *testing.T, dir string, instant bool) *rig {
	t.Helper()
	r := &rig{clock: testclock.New(t0), scaler: newFakeScaler(instant), source: newFakeSource()}
	c, err := New(Options{Scaler: r.scaler, Source: r.source, Clock: r.clock.Now, StateDir: dir, SnapshotEvery: 1000 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	t.Cleanup(func() { _ = c.Close() })
	return r
}

// second feeds one second of traffic at the given in-flight level (each
// request taking 0.1 s, so arrivals are ten times in-flight), then ticks.
func (r *rig) second(name string, inFlight float64) {
	r.source.push(name, autoscale.Sample{T: r.clock.Now(), Arrivals: inFlight * 10, Completions: inFlight * 10, InFlight: inFlight})
	r.clock.Add(time.Second)
	r.c.Tick()
}

// run feeds n seconds at one level and returns the highest and the last
// desired count seen.
func (r *rig) run(name string, n int, inFlight float64) (peak, last int) {
	for range n {
		r.second(name, inFlight)
		last = r.scaler.desired(name)
		peak = max(peak, last)
	}
	return peak, last
}

// sinTurn is sin(2π x).
func sinTurn(x float64) float64 { return math.Sin(2 * math.Pi * x) }

// The gateway's signal set is what the integrator hands the controller.
var _ Source = (*signals.Set)(nil)
