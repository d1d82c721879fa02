package activator

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/signals"
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
)

// countedHolds passes the hook on and counts the calls, so the test knows
// when the activator has reported.
type countedHolds struct {
	next         HoldObserver
	begun, ended atomic.Int64
}

func (c *countedHolds) HoldBegin() { c.next.HoldBegin(); c.begun.Add(1) }
func (c *countedHolds) HoldEnd()   { c.next.HoldEnd(); c.ended.Add(1) }

// The traffic signals learn, second by second, how many requests waited in
// the activator (as the gateway wires them: the recorder in front of the
// activator, the activator reporting its holds), separately from the
// requests in flight: held requests count until they are released or give
// up, and the time they are then served is in flight but not queued.
func TestHoldsReachTheSignals(t *testing.T) {
	checkGoroutines(t)
	origin := time.Unix(1_700_000_000, 0)
	at := func(sec float64) time.Time { return origin.Add(time.Duration(sec * float64(time.Second))) }
	clock := testclock.New(origin)
	sig := signals.NewService("api", clock.Now)
	holds := &countedHolds{next: sig.Holds()}
	capacity := &fakeCapacity{}
	act := New(Options{Capacity: capacity.get, Holds: holds, Recheck: -1})

	// The origin keeps each request until served is closed.
	served := make(chan struct{})
	inOrigin := atomic.Int64{}
	h := act.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inOrigin.Add(1)
		<-served
		ok(w, r)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := sig.Begin()
		defer sig.End(tok, http.StatusOK, false)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()
	get := func(ctx context.Context) <-chan error {
		ch := make(chan error, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			ch <- err
		}()
		return ch
	}

	// At 0.5 s, four requests find no instance and are held.
	clock.Set(at(0.5))
	ctx, cancel := context.WithCancel(context.Background())
	var done []<-chan error
	for range 3 {
		done = append(done, get(context.Background()))
	}
	gaveUp := get(ctx)
	waitFor(t, "four holds reported", func() bool { return holds.begun.Load() == 4 })

	// At 1.0 s one client gives up.
	clock.Set(at(1.0))
	cancel()
	<-gaveUp
	waitFor(t, "the abandoned request to end", func() bool { return holds.ended.Load() == 1 && sig.InFlight() == 3 })

	// At 1.5 s an instance is ready: the three are served until 2.5 s.
	clock.Set(at(1.5))
	capacity.ready.Store(1)
	act.Notify()
	waitFor(t, "the held requests to reach the origin", func() bool { return inOrigin.Load() == 3 && holds.ended.Load() == 4 })
	clock.Set(at(2.5))
	close(served)
	for _, ch := range done {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the requests to end", func() bool { return sig.InFlight() == 0 })

	got := sig.Drain(at(4))
	want := []struct{ inFlight, queued float64 }{
		{4 * 0.5, 4 * 0.5}, // all four held for the second half
		{3 + 0.0, 3 * 0.5}, // three in flight all second, held until 1.5
		{3 * 0.5, 0},       // served until 2.5
	}
	if len(got) != len(want) {
		t.Fatalf("got %d seconds, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if !g.QueueMeasured {
			t.Errorf("second %d: queue not measured", i)
		}
		if math.Abs(g.InFlight-w.inFlight) > 1e-9 || math.Abs(g.Queued-w.queued) > 1e-9 {
			t.Errorf("second %d: in flight %.3f, queued %.3f; want %.3f, %.3f", i, g.InFlight, g.Queued, w.inFlight, w.queued)
		}
	}
}
