package autoscaler

import (
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
	"sync"
	"testing"
	"time"
)

// memStore is a SnapshotStore in memory, shared by two controllers the way
// two gateways share a ConfigMap.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memStore) Load(service string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.m[service]
	return d, ok, nil
}

func (m *memStore) Save(service string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[service] = data
	return nil
}

func (m *memStore) Where(service string) string { return "memory:" + service }

func newStoreRig(t *testing.T, store SnapshotStore) *rig {
	t.Helper()
	r := &rig{clock: testclock.New(t0), scaler: newFakeScaler(true), source: newFakeSource()}
	c, err := New(Options{Scaler: r.scaler, Source: r.source, Clock: r.clock.Now, Store: store, SnapshotEvery: 1000 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	t.Cleanup(func() { _ = c.Close() })
	return r
}

// A follower's controller, configured before the leader learned anything,
// takes over the leader's learned state with Restore.
func TestRestoreTakesOverTheLeadersState(t *testing.T) {
	store := &memStore{m: map[string][]byte{}}
	spec := Spec{Policy: "shoal", Target: 10, Min: 1, Max: 50}
	leader, follower := newStoreRig(t, store), newStoreRig(t, store)
	for _, r := range []*rig{leader, follower} {
		r.scaler.set("api", Observed{Desired: 4, Ready: 4})
		if err := r.c.Configure("api", spec); err != nil {
			t.Fatal(err)
		}
	}
	learn(leader, "api", 30)
	want, _ := leader.c.Status("api")
	if err := leader.c.Save(); err != nil {
		t.Fatal(err)
	}
	if st, _ := follower.c.Status("api"); st.RestoredFrom != nil {
		t.Fatalf("follower restored before Restore: %v", st.RestoredFrom)
	}
	follower.clock.Set(leader.clock.Now().Add(-time.Minute))
	follower.c.Restore()
	follower.clock.Add(time.Minute)
	follower.c.Tick()
	got, _ := follower.c.Status("api")
	if got.RestoredFrom == nil || !got.RestoredFrom.Equal(leader.clock.Now()) {
		t.Fatalf("restored_from %v, want the leader's save time %v", got.RestoredFrom, leader.clock.Now())
	}
	if want.Forecast <= 0 || got.Forecast != want.Forecast {
		t.Fatalf("forecast after Restore %v, want the leader's %v", got.Forecast, want.Forecast)
	}
}

// A service woken by someone else (0 → 1 seen in the scaler's status) keeps
// its instance although this controller's signals show no request yet.
func TestOutsideWakeIsKept(t *testing.T) {
	r := newRig(t, "", false)
	r.scaler.set("api", Observed{})
	// A short grace, so that without the wake the idle policy would take
	// the instance away within the ten ticks below.
	spec := Spec{Policy: "kpa", Min: 0, Max: 5, ColdStartHint: 20 * time.Second, ScaleToZeroGrace: time.Second}
	if err := r.c.Configure("api", spec); err != nil {
		t.Fatal(err)
	}
	r.run("api", 5, 0)
	r.scaler.set("api", Observed{Desired: 1, Starting: 1})
	if _, last := r.run("api", 10, 0); last != 1 {
		t.Fatalf("desired %d after an outside wake and idle ticks, want 1 kept", last)
	}
	ev := r.c.Events("api")
	found := false
	for _, e := range ev {
		found = found || (e.Kind == KindWake && e.To == 1)
	}
	if !found {
		t.Fatalf("events %+v: no wake event for the outside wake", ev)
	}
	if calls := r.scaler.scaleCalls(); len(calls) != 0 {
		t.Fatalf("scale calls %v, want none", calls)
	}
}

// minScaler is a fakeScaler whose cached status lags: Status says zero
// while the live count is higher, as when another gateway just scaled.
type minScaler struct {
	*fakeScaler
	live    int
	atLeast []int
}

func (m *minScaler) ScaleAtLeast(name string, n int) (int, error) {
	m.atLeast = append(m.atLeast, n)
	if m.live >= n {
		return m.live, nil
	}
	m.live = n
	return n, m.Scale(name, n)
}

func TestWakeNeverLowersALiveCount(t *testing.T) {
	ms := &minScaler{fakeScaler: newFakeScaler(false), live: 3}
	c, err := New(Options{Scaler: ms, Source: newFakeSource(), Clock: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Configure("api", Spec{Policy: "kpa", Min: 0, Max: 5}); err != nil {
		t.Fatal(err)
	}
	// Unknown to the scaler: a wake does nothing rather than guess.
	c.Wake("api")
	if len(ms.atLeast) != 0 || len(ms.scaleCalls()) != 0 {
		t.Fatalf("wake of an unknown service scaled: %v %v", ms.atLeast, ms.scaleCalls())
	}
	ms.set("api", Observed{}) // the cached view: zero
	c.Wake("api")
	if len(ms.scaleCalls()) != 0 || len(ms.atLeast) != 1 || ms.atLeast[0] != 1 {
		t.Fatalf("wake: ScaleAtLeast %v, Scale %v; want one ScaleAtLeast(1) and no Scale", ms.atLeast, ms.scaleCalls())
	}
	ev := c.Events("api")
	if last := ev[len(ev)-1]; last.Kind != KindWake || last.To != 3 || last.Reason != "woken by a request (already at 3)" {
		t.Fatalf("last event %+v, want a wake that found 3", last)
	}
}
