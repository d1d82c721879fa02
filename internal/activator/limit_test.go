package activator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// With one instance taking two requests at a time, a burst of five passes
// two and holds three, which go through one by one as slots free up.
func TestPerInstanceLimit(t *testing.T) {
	checkGoroutines(t)
	var inside, peak atomic.Int64
	gate := make(chan struct{})
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inside.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-gate
		inside.Add(-1)
		ok(w, r)
	})
	rg := newRig(t, Options{Recheck: -1}, origin)
	rg.cap.ready.Store(1)
	rg.cap.per.Store(2)

	const n = 5
	chans := make([]<-chan result, n)
	for i := range chans {
		chans[i] = rg.goAsync(context.Background(), nil)
	}
	waitFor(t, "two in, three held", func() bool {
		return inside.Load() == 2 && rg.act.Stats().Held == 3
	})
	if rg.wakes.Load() != 1 {
		t.Fatalf("a saturated service should ask for capacity once, got %d wakes", rg.wakes.Load())
	}
	for released := 1; released <= n; released++ {
		gate <- struct{}{}
		wantHeld := int64(max(0, 3-released))
		waitFor(t, "next held request let in", func() bool { return rg.act.Stats().Held == wantHeld })
	}
	queued := 0
	for _, ch := range chans {
		res := <-ch
		if res.status != http.StatusOK {
			t.Fatalf("status %d", res.status)
		}
		if res.header.Get(HeaderQueued) != "" {
			queued++
		}
		if res.header.Get(HeaderColdStart) != "" {
			t.Fatal("a busy service is not a cold start")
		}
	}
	if peak.Load() != 2 {
		t.Fatalf("origin saw up to %d at once, want the limit 2", peak.Load())
	}
	if queued != 3 {
		t.Fatalf("%d responses carry %s, want the 3 that waited", queued, HeaderQueued)
	}
	if st := rg.act.Stats(); st.InFlight != 0 || st.Held != 0 || st.Released != 3 {
		t.Fatalf("stats: %+v", st)
	}
}

// More ready instances raise the limit: Notify lets the held ones in.
func TestMoreInstancesReleaseHeld(t *testing.T) {
	checkGoroutines(t)
	gate := make(chan struct{})
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-gate; ok(w, r) })
	rg := newRig(t, Options{Recheck: -1}, origin)
	rg.cap.ready.Store(1)
	rg.cap.per.Store(1)
	a := rg.goAsync(context.Background(), nil)
	waitFor(t, "one in", func() bool { return rg.act.Stats().InFlight == 1 })
	b := rg.goAsync(context.Background(), nil)
	waitFor(t, "one held", func() bool { return rg.act.Stats().Held == 1 })
	rg.cap.ready.Store(2)
	rg.act.Notify()
	waitFor(t, "both in", func() bool { return rg.act.Stats().InFlight == 2 })
	close(gate)
	<-a
	<-b
}

// A browser at zero gets the starting page at once (and wakes the service);
// an API client and a browser's POST are held.
func TestStartingPage(t *testing.T) {
	checkGoroutines(t)
	rg := newRig(t, Options{Service: "shop<1>", StartingPage: true, Recheck: -1}, http.HandlerFunc(ok))
	browser := http.Header{"Accept": {"text/html,application/xhtml+xml,*/*;q=0.8"}}

	res := rg.do(context.Background(), http.MethodGet, browser)
	if res.status != http.StatusServiceUnavailable {
		t.Fatalf("browser at zero: status %d, want 503", res.status)
	}
	for k, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Retry-After": "1",
		"Shoal-Error": ReasonStarting, "Cache-Control": "no-store",
	} {
		if got := res.header.Get(k); got != want {
			t.Fatalf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(res.body, `http-equiv="refresh" content="1"`) || !strings.Contains(res.body, "shop&lt;1&gt; is starting up") {
		t.Fatalf("page does not refresh or name the service (escaped):\n%s", res.body)
	}
	if strings.Contains(res.body, "src=") || strings.Contains(res.body, "href=") {
		t.Fatal("the page must not load external assets")
	}
	if rg.wakes.Load() != 1 || rg.act.Stats().StartingPages != 1 {
		t.Fatalf("wakes %d, pages %d; want 1 and 1", rg.wakes.Load(), rg.act.Stats().StartingPages)
	}

	api := rg.goAsync(context.Background(), http.Header{"Accept": {"application/json"}})
	post := make(chan result, 1)
	go func() { post <- rg.do(context.Background(), http.MethodPost, browser) }()
	waitFor(t, "API client and POST held", func() bool { return rg.act.Stats().Held == 2 })
	rg.cap.ready.Store(1)
	rg.act.Notify()
	for _, ch := range []<-chan result{api, post} {
		if r := <-ch; r.status != http.StatusOK || r.header.Get(HeaderColdStart) == "" {
			t.Fatalf("held request: %d, cold-start %q", r.status, r.header.Get(HeaderColdStart))
		}
	}
	if res := rg.do(context.Background(), http.MethodGet, browser); res.status != http.StatusOK {
		t.Fatalf("browser with an instance ready: status %d", res.status)
	}
}

// Without StartingPage a browser is held like any client.
func TestStartingPageOff(t *testing.T) {
	a := New(Options{Capacity: func() (int, int) { return 0, 0 }, WaitTimeout: 20 * time.Millisecond, Recheck: -1})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept", "text/html")
	a.Wrap(http.HandlerFunc(ok)).ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Shoal-Error") != ReasonTimeout {
		t.Fatalf("got %d %q, want the hold to time out", rec.Code, rec.Header().Get("Shoal-Error"))
	}
}

// A request whose own deadline passes while held is answered as a timeout,
// and one whose client cancels is logged as 499.
func TestContextEndsWhileHeld(t *testing.T) {
	a := New(Options{Capacity: func() (int, int) { return 0, 0 }, Recheck: -1})
	h := a.Wrap(http.HandlerFunc(ok))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Shoal-Error") != ReasonTimeout {
		t.Fatalf("deadline: got %d %q", rec.Code, rec.Header().Get("Shoal-Error"))
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan struct{})
	rec2 := httptest.NewRecorder()
	go func() {
		h.ServeHTTP(rec2, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx2))
		close(done)
	}()
	waitFor(t, "held", func() bool { return a.Stats().Held == 1 })
	cancel2()
	<-done
	if rec2.Code != 499 {
		t.Fatalf("cancel: got %d, want 499 for the log", rec2.Code)
	}
	if st := a.Stats(); st.Held != 0 || st.Canceled != 1 || st.TimedOut != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

// The common path allocates nothing.
func TestFastPathAllocs(t *testing.T) {
	a := New(Options{Capacity: func() (int, int) { return 2, 4 }})
	h := a.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	if n := testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, req) }); n != 0 {
		t.Fatalf("%v allocations per request on the fast path, want 0", n)
	}
	if a.Stats().InFlight != 0 {
		t.Fatal("in-flight count did not come back to 0")
	}
}
