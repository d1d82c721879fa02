package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadStep is a number of closed-loop clients kept for a while.
type loadStep struct {
	clients int
	for_    time.Duration
}

// closedLoop runs the steps against url in turn, each client sending its
// next request when the previous one is answered. It returns the requests
// answered 200 and the failures, with the first failure's description.
func closedLoop(url string, steps []loadStep) (ok, failed int64, firstErr string) {
	var nOK, nFailed atomic.Int64
	var first atomic.Value
	client := &http.Client{Timeout: 10 * time.Second}
	fail := func(s string) {
		nFailed.Add(1)
		first.CompareAndSwap(nil, s)
	}
	for _, st := range steps {
		stop := time.Now().Add(st.for_)
		var wg sync.WaitGroup
		for range st.clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					resp, err := client.Get(url)
					if err != nil {
						fail(err.Error())
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						fail(resp.Status + " " + resp.Header.Get("Shoal-Error"))
						continue
					}
					nOK.Add(1)
				}
			}()
		}
		wg.Wait()
	}
	s, _ := first.Load().(string)
	return nOK.Load(), nFailed.Load(), s
}

// watch samples the services every 200 ms until stop is closed and keeps,
// per service, the most and the fewest ready instances and the last view.
type watch struct {
	mu         sync.Mutex
	peak, low  map[string]int
	last       map[string]svcInfo
	everDesire map[string]int
}

func watchServices(t *testing.T, admin string, stop <-chan struct{}) (*watch, <-chan struct{}) {
	w := &watch{peak: map[string]int{}, low: map[string]int{}, last: map[string]svcInfo{}, everDesire: map[string]int{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			resp, err := http.Get("http://" + admin + "/api/services")
			if err != nil {
				continue
			}
			var list []svcInfo
			err = decodeJSON(resp, &list)
			if err != nil {
				continue
			}
			w.mu.Lock()
			for _, s := range list {
				if _, seen := w.low[s.Name]; !seen || s.Instances.Ready < w.low[s.Name] {
					w.low[s.Name] = s.Instances.Ready
				}
				w.peak[s.Name] = max(w.peak[s.Name], s.Instances.Ready)
				w.everDesire[s.Name] = max(w.everDesire[s.Name], s.Desired)
				w.last[s.Name] = s
			}
			w.mu.Unlock()
		}
	}()
	return w, done
}

// waitFor polls the services until cond holds for svc, or fails after d.
func waitFor(t *testing.T, admin, svc string, d time.Duration, what string, cond func(svcInfo) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond(services(t, admin)[svc]) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %s not reached within %v: %+v", svc, what, d, services(t, admin)[svc])
}

// TestLiveAutoscaling runs three examples/echo services under a gateway
// whose policies' time constants are compressed 20× (a 60 s window is 3 s,
// the 120 s scale-down stabilisation 6 s). While closed-loop clients ramp
// "busy" from 1 to 8 requests in flight and back to 1, the autoscaler must
// scale it out and back in, "idle" must stay at its minimum of 1 the whole
// time, and "lazy" (minimum 0) must wake on its first requests, go back to
// zero when they stop, and wake again, without one failed request anywhere.
func TestLiveAutoscaling(t *testing.T) {
	if testing.Short() {
		t.Skip("about 40 s of live scaling; skipped with -short")
	}
	run := fmt.Sprintf(`{command: %s, args: [-startup-delay, 300ms], ready: {path: /healthz, interval: 50ms}, grace: 2s}`, echoBin)
	listen, admin := startApp(t, fmt.Sprintf(`services:
  busy:
    run: %[1]s
    scale: {target: 2, min: 1, max: 5, cold_start: 500ms}
  idle:
    run: %[1]s
    scale: {target: 2, min: 1, max: 5, cold_start: 500ms}
  lazy:
    run: %[1]s
    scale: {target: 2, min: 0, max: 2, cold_start: 500ms, scale_to_zero_grace: 2s}
routes:
  - {match: {path_prefix: /busy}, service: busy}
  - {match: {path_prefix: /idle}, service: idle}
  - {match: {path_prefix: /lazy}, service: lazy}
`, run), 0.05)
	waitReady(t, admin, "busy", 1)
	waitReady(t, admin, "idle", 1)
	if s := services(t, admin)["lazy"]; s.Instances.Ready != 0 || s.Desired != 0 {
		t.Fatalf("lazy must start at zero: %+v", s)
	}
	stop := make(chan struct{})
	w, watched := watchServices(t, admin, stop)

	// busy: 1 → 8 → 1 clients of 200 ms requests (target 2 in flight per
	// instance: 8 in flight need 4 instances, 1 needs 1).
	type result struct {
		ok, failed int64
		first      string
	}
	busyDone := make(chan result, 1)
	go func() {
		ok, failed, first := closedLoop("http://"+listen+"/busy?delay=200ms", []loadStep{
			{1, 3 * time.Second}, {8, 12 * time.Second}, {1, 16 * time.Second},
		})
		busyDone <- result{ok, failed, first}
	}()

	// lazy: wake on a burst of 5, serve a little, go idle to zero, wake
	// again. Every request is held while it starts and then served.
	wake := func(round int) {
		outs := burst(&http.Client{Timeout: 15 * time.Second}, "http://"+listen+"/lazy?delay=50ms", 5)
		for _, o := range outs {
			if o.err != nil || o.status != 200 {
				t.Errorf("wake %d: request %+v (want 200)", round, o)
			}
		}
	}
	wake(1)
	if ok, failed, first := closedLoop("http://"+listen+"/lazy?delay=50ms", []loadStep{{2, 2 * time.Second}}); failed != 0 || ok == 0 {
		t.Errorf("lazy while awake: %d ok, %d failed (%s)", ok, failed, first)
	}
	waitFor(t, admin, "lazy", 25*time.Second, "scale to zero", func(s svcInfo) bool {
		return s.Instances.Ready == 0 && s.Instances.Starting == 0 && s.Desired == 0
	})
	wake(2)

	r := <-busyDone
	if r.failed != 0 || r.ok < 100 {
		t.Errorf("busy ramp: %d ok, %d failed (first: %s)", r.ok, r.failed, r.first)
	}
	// Back to one client: busy must come back down to 1 or 2.
	waitFor(t, admin, "busy", 20*time.Second, "scale-in after the ramp", func(s svcInfo) bool {
		return s.Desired <= 2 && s.Instances.Ready <= 2
	})
	close(stop)
	<-watched
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("ready peak %v, low %v; most desired %v", w.peak, w.low, w.everDesire)
	if w.peak["busy"] < 3 {
		t.Errorf("busy peaked at %d ready instances under 8 in flight (want at least 3)", w.peak["busy"])
	}
	if w.peak["idle"] != 1 || w.low["idle"] != 1 || w.everDesire["idle"] != 1 {
		t.Errorf("idle moved from its minimum: ready %d..%d, desired up to %d", w.low["idle"], w.peak["idle"], w.everDesire["idle"])
	}
	if w.low["lazy"] != 0 || w.peak["lazy"] < 1 {
		t.Errorf("lazy: ready %d..%d, want it awake and at zero in turn", w.low["lazy"], w.peak["lazy"])
	}
}

func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decoding %s: %w", resp.Request.URL, err)
	}
	return nil
}
