package activator

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A Wake that produced nothing is repeated for later requests once the
// wait timeout has passed, so a failed start does not leave the service
// asleep for good.
func TestWakeRepeatsAfterFailedStart(t *testing.T) {
	var wakes atomic.Int64
	a := New(Options{
		Capacity:    func() (int, int) { return 0, 0 },
		Wake:        func() { wakes.Add(1) },
		WaitTimeout: 30 * time.Millisecond,
		Recheck:     -1,
	})
	h := a.Wrap(http.HandlerFunc(ok))
	for i := range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	if wakes.Load() != 2 {
		t.Fatalf("%d wakes, want one per wait timeout of shortage (2)", wakes.Load())
	}
}

// Many clients, cancellations, and capacity flapping between zero and three
// instances of two slots each: every request ends (served, timed out or
// cancelled), the origin never sees more than the largest limit, and nothing
// is left held, in flight or running.
func TestStress(t *testing.T) {
	checkGoroutines(t)
	var ready atomic.Int64
	var inside, peak atomic.Int64
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inside.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
		inside.Add(-1)
		ok(w, r)
	})
	a := New(Options{
		Capacity:    func() (int, int) { return int(ready.Load()), 2 },
		WaitTimeout: 50 * time.Millisecond,
		QueueLimit:  30,
		Recheck:     20 * time.Millisecond,
	})
	h := a.Wrap(origin)

	stop := make(chan struct{})
	flapped := make(chan struct{})
	go func() {
		defer close(flapped)
		for {
			select {
			case <-stop:
				ready.Store(3)
				a.Notify()
				return
			case <-time.After(time.Duration(rand.IntN(5)) * time.Millisecond):
			}
			ready.Store(int64(rand.IntN(4)))
			if rand.IntN(4) > 0 { // sometimes "forget" Notify: Recheck covers it
				a.Notify()
			}
		}
	}()

	var codes sync.Map
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				ctx, cancel := context.WithCancel(context.Background())
				if (c+i)%7 == 0 {
					time.AfterFunc(time.Duration(rand.IntN(3))*time.Millisecond, cancel)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
				cancel()
				n, _ := codes.LoadOrStore(rec.Code, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-flapped

	total := int64(0)
	codes.Range(func(k, v any) bool {
		code := k.(int)
		if code != http.StatusOK && code != http.StatusServiceUnavailable && code != 499 {
			t.Errorf("unexpected status %d", code)
		}
		total += v.(*atomic.Int64).Load()
		return true
	})
	if total != 16*40 {
		t.Fatalf("%d requests ended, want %d", total, 16*40)
	}
	if p := peak.Load(); p > 6 {
		t.Fatalf("origin saw %d at once, above the largest limit 6", p)
	}
	st := a.Stats()
	if st.Held != 0 || st.InFlight != 0 {
		t.Fatalf("left behind: %+v", st)
	}
	if got := st.Released + st.TimedOut + st.Canceled + st.Rejected; got == 0 || got > uint64(total) {
		t.Fatalf("held outcomes %d out of %d requests: %+v", got, total, st)
	}
}
