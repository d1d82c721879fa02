package upstream

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// firstUsable is a minimal balancer for pool tests: the first ready endpoint
// not excluded.
type firstUsable []*Endpoint

func (f firstUsable) Pick(_ *http.Request, exclude []*Endpoint) *Endpoint {
	for _, e := range f {
		if e.Routable() && !e.In(exclude) {
			return e
		}
	}
	return nil
}

func first(eps []*Endpoint) Balancer { return firstUsable(eps) }

func mustUpdate(t *testing.T, p *Pool, addrs ...string) {
	t.Helper()
	ts := make([]Target, len(addrs))
	for i, a := range addrs {
		ts[i] = Target{Address: a}
	}
	if err := p.Update(ts); err != nil {
		t.Fatal(err)
	}
}

func TestPoolCountsAndReadiness(t *testing.T) {
	s := NewStates(0)
	p := NewPool("web", s, first)
	if p.Pick(nil) != nil {
		t.Fatal("empty pool picked an endpoint")
	}
	mustUpdate(t, p, "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80")
	if total, ready := p.Counts(); total != 3 || ready != 3 {
		t.Fatalf("counts = %d/%d, want 3/3", total, ready)
	}
	s.Lookup("10.0.0.1:80").SetReady(false)
	if total, ready := p.Counts(); total != 3 || ready != 2 {
		t.Fatalf("after one unready: counts = %d/%d, want 3/2", total, ready)
	}
	if e := p.Pick(nil); e == nil || e.Address() != "10.0.0.2:80" {
		t.Fatalf("Pick = %v, want 10.0.0.2:80 (first ready)", e)
	}
	s.Lookup("10.0.0.2:80").SetReady(false)
	s.Lookup("10.0.0.3:80").SetReady(false)
	if e := p.Pick(nil); e != nil {
		t.Fatalf("Pick with nothing ready = %v, want nil", e.Address())
	}
	s.Lookup("10.0.0.3:80").SetReady(true)
	if e := p.Pick(nil); e == nil || e.Address() != "10.0.0.3:80" {
		t.Fatalf("Pick after recovery = %v, want 10.0.0.3:80", e)
	}
}

func TestPickExcluding(t *testing.T) {
	p := NewPool("web", NewStates(0), first)
	mustUpdate(t, p, "10.0.0.1:80", "10.0.0.2:80")
	a := p.Pick(nil)
	b := p.PickExcluding(nil, []*Endpoint{a})
	if b == nil || b.Same(a) {
		t.Fatalf("PickExcluding returned %v, want the other endpoint", b)
	}
	// With every endpoint tried, a retry still gets one rather than nil.
	if c := p.PickExcluding(nil, []*Endpoint{a, b}); c == nil {
		t.Fatal("PickExcluding with all tried returned nil")
	}
}

func TestStateSurvivesReload(t *testing.T) {
	s := NewStates(0)
	old := NewPool("web", s, first)
	mustUpdate(t, old, "10.0.0.1:80", "10.0.0.2:80")
	e := old.Pick(nil)
	e.Acquire()
	e.Release(50*time.Millisecond, true)
	e.Acquire() // one request still in flight across the reload

	// Reload: build the new pool first, then close the old one.
	fresh := NewPool("web", s, first)
	mustUpdate(t, fresh, "http://10.0.0.1:80", "10.0.0.3:80")
	old.Close()

	st := s.Lookup("10.0.0.1:80")
	if st == nil || st != e.State {
		t.Fatal("state of a kept address was not reused")
	}
	if st.InFlight() != 1 || st.Latency() == 0 {
		t.Fatalf("state lost across reload: in flight %d, latency %v", st.InFlight(), st.Latency())
	}
	if s.Lookup("10.0.0.2:80") != nil {
		t.Fatal("state of an address no pool lists any more was kept")
	}
	if s.Len() != 2 {
		t.Fatalf("store holds %d states, want 2", s.Len())
	}
	// The closed pool no longer reacts to readiness, the new one does.
	st.SetReady(false)
	if _, ready := fresh.Counts(); ready != 1 {
		t.Fatalf("new pool ready count = %d, want 1", ready)
	}
	// A request routed before the reload still gets an endpoint from the
	// closed pool's last set, ready by the shared state, and the closed
	// pool takes no more updates.
	if e := old.Pick(nil); e == nil || e.Address() != "10.0.0.2:80" {
		t.Fatalf("closed pool picked %v for a request routed before the reload, want the ready 10.0.0.2:80", e)
	}
	if err := old.Update([]Target{{Address: "10.0.0.9:80"}}); err == nil {
		t.Fatal("a closed pool took an update")
	}
	fresh.Close()
	if s.Len() != 0 {
		t.Fatalf("store holds %d states after all pools closed, want 0", s.Len())
	}
}

func TestUpdateKeepsStateAndRejectsBadInput(t *testing.T) {
	s := NewStates(0)
	p := NewPool("web", s, first)
	mustUpdate(t, p, "10.0.0.1:80")
	before := p.Endpoints()[0]

	if err := p.Update([]Target{{Address: "10.0.0.1:80", Weight: 5}}); err != nil {
		t.Fatal(err)
	}
	after := p.Endpoints()[0]
	if after.Weight() != 5 || !after.Same(before) {
		t.Fatalf("weight change: weight %d, same state %v", after.Weight(), after.Same(before))
	}
	for _, bad := range [][]Target{
		{{Address: "10.0.0.2:80"}, {Address: "http://10.0.0.2:80"}}, // duplicate
		{{Address: "no-port"}},
	} {
		if err := p.Update(bad); err == nil {
			t.Fatalf("Update(%v) accepted bad input", bad)
		}
		if total, _ := p.Counts(); total != 1 || p.Endpoints()[0] != after {
			t.Fatal("a failed Update changed the pool")
		}
	}
	if s.Len() != 1 {
		t.Fatalf("failed updates leaked states: %d", s.Len())
	}
}

func TestSetBalancer(t *testing.T) {
	p := NewPool("web", NewStates(0), first)
	mustUpdate(t, p, "10.0.0.1:80", "10.0.0.2:80")
	p.SetBalancer(func(eps []*Endpoint) Balancer { return firstUsable{eps[1]} })
	if e := p.Pick(nil); e == nil || e.Address() != "10.0.0.2:80" {
		t.Fatalf("after SetBalancer Pick = %v, want 10.0.0.2:80", e)
	}
}

// TestPoolConcurrency runs picks, attempts, readiness flips and updates at
// once; with -race it checks the snapshot swap and the shared state.
func TestPoolConcurrency(t *testing.T) {
	s := NewStates(0)
	p := NewPool("web", s, first)
	mustUpdate(t, p, "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80")
	var readers, writers sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if e := p.Pick(nil); e != nil {
					e.Acquire()
					e.Release(time.Millisecond, true)
				}
			}
		})
	}
	writers.Go(func() {
		for i := range 500 {
			if st := s.Lookup("10.0.0.2:80"); st != nil {
				st.SetReady(i%2 == 0)
			}
		}
	})
	writers.Go(func() {
		for i := range 200 {
			addrs := []Target{{Address: "10.0.0.1:80"}, {Address: "10.0.0.2:80"}}
			if i%2 == 0 {
				addrs = append(addrs, Target{Address: "10.0.0.3:80"})
			}
			if err := p.Update(addrs); err != nil {
				t.Error(err)
			}
		}
	})
	writers.Wait()
	close(stop)
	readers.Wait()
	for _, e := range p.Endpoints() {
		if e.InFlight() != 0 {
			t.Fatalf("%s: in flight %d after all releases", e.Address(), e.InFlight())
		}
	}
}

// TestReadinessBurstSettles flips many endpoints from many goroutines at once
// (flips coalesce into shared rebuilds) and checks that the final snapshot
// matches every endpoint's final readiness.
func TestReadinessBurstSettles(t *testing.T) {
	s := NewStates(0)
	p := NewPool("web", s, first)
	var targets []Target
	for i := range 64 {
		targets = append(targets, Target{Address: "10.0.1." + strconv.Itoa(i) + ":80"})
	}
	if err := p.Update(targets); err != nil {
		t.Fatal(err)
	}
	eps := p.Endpoints()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for round := range 50 {
				for i := g; i < len(eps); i += 8 {
					eps[i].SetReady((round+i)%3 != 0)
				}
			}
		})
	}
	wg.Wait()
	want := 0
	for _, e := range eps {
		if e.Ready() {
			want++
		}
	}
	if _, ready := p.Counts(); ready != want {
		t.Fatalf("snapshot has %d ready, endpoints say %d", ready, want)
	}
}

func TestPanicModeSpreadsOverUnhealthy(t *testing.T) {
	s := NewStates(0)
	p := NewPool("web", s, first)
	p.SetPanicThreshold(50)
	mustUpdate(t, p, "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80")
	eps := p.Endpoints()
	// Two of four unhealthy: 50% ready is not below 50%, no panic.
	eps[0].SetDown(Unhealthy, true)
	eps[1].SetDown(Ejected, true)
	if p.Panicking() {
		t.Fatal("50% ready must not panic at threshold 50")
	}
	if e := p.Pick(nil); e == nil || !e.Ready() {
		t.Fatalf("outside panic only ready endpoints are picked, got %v", e)
	}
	// Three of four unhealthy: panic, every non-draining endpoint is used.
	eps[2].SetDown(Unhealthy, true)
	if !p.Panicking() {
		t.Fatal("25% ready must panic at threshold 50")
	}
	if e := p.Pick(nil); e == nil || !e.Same(eps[0]) {
		t.Fatalf("in panic the first endpoint (unhealthy) is routable, got %v", e)
	}
	// A draining endpoint stays out even in panic.
	eps[0].SetDown(Draining, true)
	if e := p.Pick(nil); e == nil || e.Same(eps[0]) {
		t.Fatalf("draining endpoint picked in panic: %v", e)
	}
	if total, ready := p.Counts(); total != 4 || ready != 1 {
		t.Errorf("counts in panic = %d/%d, want 4 total, 1 ready", total, ready)
	}
	// Threshold 0 turns panic off: no ready endpoint means nil.
	p.SetPanicThreshold(0)
	eps[3].SetDown(Unhealthy, true)
	if p.Pick(nil) != nil || p.Panicking() {
		t.Fatal("with panic disabled an all-unhealthy pool must pick nothing")
	}
}
