package activator

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Requests that arrive while the service is at zero are held, one Wake is
// sent, and all are served as soon as the integrator reports an instance.
func TestScaleFromZero(t *testing.T) {
	checkGoroutines(t)
	var served atomic.Int64
	var lastEntry atomic.Int64 // unix nanos of the latest origin entry
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		for {
			prev := lastEntry.Load()
			if now <= prev || lastEntry.CompareAndSwap(prev, now) {
				break
			}
		}
		served.Add(1)
		ok(w, r)
	})
	rg := newRig(t, Options{Service: "api", Recheck: -1}, origin)

	const n = 20
	results := make([]<-chan result, n)
	for i := range results {
		results[i] = rg.goAsync(context.Background(), nil)
	}
	waitFor(t, "all requests held", func() bool { return rg.act.Stats().Held == n })
	if got := rg.wakes.Load(); got != 1 {
		t.Fatalf("Wake called %d times for one cold start, want 1", got)
	}
	if served.Load() != 0 {
		t.Fatal("a request reached the origin before any instance was ready")
	}

	// Let every request wait a known minimum, so the header can be checked
	// against it.
	const minWait = 20 * time.Millisecond
	time.Sleep(minWait)
	rg.cap.ready.Store(1)
	notified := time.Now()
	rg.act.Notify()

	for i, ch := range results {
		res := <-ch
		if res.err != nil || res.status != http.StatusOK {
			t.Fatalf("request %d: status %d err %v", i, res.status, res.err)
		}
		v := res.header.Get(HeaderColdStart)
		d, err := time.ParseDuration(v)
		if err != nil || d < minWait {
			t.Fatalf("request %d: %s = %q, want at least %v", i, HeaderColdStart, v, minWait)
		}
		if res.header.Get(HeaderQueued) != "" {
			t.Fatalf("request %d: a cold start must not be reported as %s", i, HeaderQueued)
		}
	}
	// The product promise: held requests reach the origin within 100 ms of
	// the first instance being ready.
	if lag := time.Duration(lastEntry.Load() - notified.UnixNano()); lag > 100*time.Millisecond {
		t.Fatalf("last held request reached the origin %v after Notify, want < 100ms", lag)
	}
	st := rg.act.Stats()
	if st.Held != 0 || st.InFlight != 0 || st.Released != n || st.TimedOut != 0 || st.Rejected != 0 {
		t.Fatalf("stats after the wake: %+v", st)
	}
	if rg.outcome(OutcomeReleased) != n {
		t.Fatalf("OnHeld saw %d releases, want %d", rg.outcome(OutcomeReleased), n)
	}
}

// Held requests are released in arrival order.
func TestFIFO(t *testing.T) {
	checkGoroutines(t)
	var mu sync.Mutex
	var order []string
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.Header.Get("Id"))
		mu.Unlock()
		ok(w, r)
	})
	rg := newRig(t, Options{Recheck: -1}, origin)
	var chans []<-chan result
	ids := []string{"a", "b", "c", "d", "e"}
	for i, id := range ids {
		chans = append(chans, rg.goAsync(context.Background(), http.Header{"Id": {id}}))
		want := int64(i + 1)
		waitFor(t, "request "+id+" held", func() bool { return rg.act.Stats().Held == want })
	}
	// One slot at a time: each release waits for the previous to finish.
	rg.cap.per.Store(1)
	rg.cap.ready.Store(1)
	rg.act.Notify()
	for _, ch := range chans {
		if res := <-ch; res.status != http.StatusOK {
			t.Fatalf("status %d", res.status)
		}
	}
	if got := strings.Join(order, ""); got != "abcde" {
		t.Fatalf("origin saw %q, want arrival order abcde", got)
	}
}

// Beyond the queue limit a request is refused at once, and the held ones
// still get served.
func TestQueueFull(t *testing.T) {
	checkGoroutines(t)
	rg := newRig(t, Options{QueueLimit: 2, RetryAfter: 1500 * time.Millisecond, Recheck: -1}, http.HandlerFunc(ok))
	a := rg.goAsync(context.Background(), nil)
	b := rg.goAsync(context.Background(), nil)
	waitFor(t, "two held", func() bool { return rg.act.Stats().Held == 2 })

	res := rg.do(context.Background(), http.MethodGet, nil)
	if res.status != http.StatusServiceUnavailable || res.header.Get("Shoal-Error") != ReasonQueueFull {
		t.Fatalf("over the limit: %d %q, want 503 %s", res.status, res.header.Get("Shoal-Error"), ReasonQueueFull)
	}
	if got := res.header.Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After %q, want 2 (1.5s rounded up)", got)
	}
	if st := rg.act.Stats(); st.Rejected != 1 || st.Held != 2 {
		t.Fatalf("stats: %+v", st)
	}

	rg.cap.ready.Store(1)
	rg.act.Notify()
	for _, ch := range []<-chan result{a, b} {
		if r := <-ch; r.status != http.StatusOK {
			t.Fatalf("held request: status %d", r.status)
		}
	}
	if rg.outcome(OutcomeQueueFull) != 1 {
		t.Fatalf("OnHeld saw %d queue-full, want 1", rg.outcome(OutcomeQueueFull))
	}
}

// A request held past the wait timeout gets 503, not a hang.
func TestWaitTimeout(t *testing.T) {
	checkGoroutines(t)
	const timeout = 150 * time.Millisecond
	rg := newRig(t, Options{WaitTimeout: timeout, Recheck: 10 * time.Millisecond}, http.HandlerFunc(ok))
	start := time.Now()
	res := rg.do(context.Background(), http.MethodGet, nil)
	took := time.Since(start)
	if res.status != http.StatusServiceUnavailable || res.header.Get("Shoal-Error") != ReasonTimeout {
		t.Fatalf("got %d %q, want 503 %s", res.status, res.header.Get("Shoal-Error"), ReasonTimeout)
	}
	if res.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q, want 1", res.header.Get("Retry-After"))
	}
	if took < timeout || took > timeout+time.Second {
		t.Fatalf("answered after %v, want between %v and %v", took, timeout, timeout+time.Second)
	}
	if st := rg.act.Stats(); st.TimedOut != 1 || st.Held != 0 {
		t.Fatalf("stats: %+v", st)
	}
	if rg.outcome(OutcomeTimeout) != 1 {
		t.Fatal("OnHeld was not told of the timeout")
	}
}

// A client that gives up leaves the queue, and the next shortage still
// finds room.
func TestClientCancelLeavesQueue(t *testing.T) {
	checkGoroutines(t)
	var served atomic.Int64
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1); ok(w, r) })
	rg := newRig(t, Options{QueueLimit: 1, Recheck: -1}, origin)
	ctx, cancel := context.WithCancel(context.Background())
	ch := rg.goAsync(ctx, nil)
	waitFor(t, "held", func() bool { return rg.act.Stats().Held == 1 })
	cancel()
	if res := <-ch; res.err == nil {
		t.Fatalf("cancelled client got status %d", res.status)
	}
	waitFor(t, "queue empty after cancel", func() bool { return rg.act.Stats().Held == 0 })
	waitFor(t, "cancel counted", func() bool { return rg.act.Stats().Canceled == 1 })

	// The freed place is usable: with a limit of 1 a leaked entry would make
	// this one a queue-full rejection.
	next := rg.goAsync(context.Background(), nil)
	waitFor(t, "second held", func() bool { return rg.act.Stats().Held == 1 })
	rg.cap.ready.Store(1)
	rg.act.Notify()
	if res := <-next; res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	if served.Load() != 1 {
		t.Fatalf("origin served %d, want only the request that stayed", served.Load())
	}
}

// Without Notify, the recheck poll still releases held requests.
func TestRecheckWithoutNotify(t *testing.T) {
	checkGoroutines(t)
	rg := newRig(t, Options{Recheck: 5 * time.Millisecond}, http.HandlerFunc(ok))
	ch := rg.goAsync(context.Background(), nil)
	waitFor(t, "held", func() bool { return rg.act.Stats().Held == 1 })
	rg.cap.ready.Store(1)
	if res := <-ch; res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
}

// Wake is sent once per shortage, and again for the next one.
func TestWakeOncePerTransition(t *testing.T) {
	checkGoroutines(t)
	rg := newRig(t, Options{Recheck: -1}, http.HandlerFunc(ok))
	for round := int64(1); round <= 2; round++ {
		rg.cap.ready.Store(0)
		rg.act.Notify()
		a := rg.goAsync(context.Background(), nil)
		b := rg.goAsync(context.Background(), nil)
		waitFor(t, "held", func() bool { return rg.act.Stats().Held == 2 })
		if got := rg.wakes.Load(); got != round {
			t.Fatalf("round %d: %d wakes, want %d", round, got, round)
		}
		rg.cap.ready.Store(1)
		rg.act.Notify()
		<-a
		<-b
		// Traffic with capacity does not wake anything.
		if res := rg.do(context.Background(), http.MethodGet, nil); res.status != http.StatusOK || res.header.Get(HeaderColdStart) != "" {
			t.Fatalf("warm request: %d, cold-start header %q", res.status, res.header.Get(HeaderColdStart))
		}
	}
	if st := rg.act.Stats(); st.Wakes != 2 {
		t.Fatalf("stats wakes %d, want 2", st.Wakes)
	}
}

// Many requests meeting one shortage at once still wake once: deciding and
// recording the wake is one step (two atomics let a second request read the
// old wake time between the first one's stores; a gateway test under -race
// saw two wakes).
func TestConcurrentShortageWakesOnce(t *testing.T) {
	for round := range 200 {
		var wakes atomic.Int32
		a := New(Options{Capacity: func() (int, int) { return 0, 0 }, Wake: func() { wakes.Add(1) }, Recheck: -1})
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a.needCapacity()
			}()
		}
		close(start)
		wg.Wait()
		if n := wakes.Load(); n != 1 {
			t.Fatalf("round %d: %d wakes for one shortage", round, n)
		}
	}
}

func TestNewRequiresCapacity(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New without Capacity did not panic")
		}
	}()
	New(Options{})
}

func TestFormatting(t *testing.T) {
	if got := formatWait(1234567 * time.Microsecond); got != "1.235s" {
		t.Fatalf("formatWait = %q", got)
	}
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 5 * time.Second: "5"} {
		if got := retryAfterValue(d); got != want {
			t.Fatalf("retryAfterValue(%v) = %q, want %q", d, got, want)
		}
	}
}
