package activator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeCapacity is what the integrator's pool would report.
type fakeCapacity struct {
	ready, per atomic.Int64
}

func (c *fakeCapacity) get() (int, int) { return int(c.ready.Load()), int(c.per.Load()) }

// rig is an activator in front of a test origin behind a real listener.
type rig struct {
	t      *testing.T
	act    *Activator
	cap    *fakeCapacity
	wakes  atomic.Int64
	srv    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	outcomes map[string]int
}

func newRig(t *testing.T, o Options, origin http.Handler) *rig {
	t.Helper()
	rg := &rig{t: t, cap: &fakeCapacity{}, outcomes: map[string]int{}}
	o.Capacity = rg.cap.get
	o.Wake = func() { rg.wakes.Add(1) }
	o.OnHeld = func(_ time.Duration, outcome string) {
		rg.mu.Lock()
		rg.outcomes[outcome]++
		rg.mu.Unlock()
	}
	rg.act = New(o)
	rg.srv = httptest.NewServer(rg.act.Wrap(origin))
	rg.client = rg.srv.Client()
	t.Cleanup(func() {
		rg.client.CloseIdleConnections()
		rg.srv.Close()
	})
	return rg
}

func (rg *rig) outcome(name string) int {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	return rg.outcomes[name]
}

// result is what a client goroutine saw.
type result struct {
	status int
	header http.Header
	body   string
	err    error
}

func (rg *rig) do(ctx context.Context, method string, hdr http.Header) result {
	req, err := http.NewRequestWithContext(ctx, method, rg.srv.URL+"/x", nil)
	if err != nil {
		return result{err: err}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := rg.client.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// goAsync starts one request in its own goroutine.
func (rg *rig) goAsync(ctx context.Context, hdr http.Header) <-chan result {
	ch := make(chan result, 1)
	go func() { ch <- rg.do(ctx, http.MethodGet, hdr) }()
	return ch
}

// waitFor polls cond until it holds or the deadline passes; conditions here
// depend on goroutines the test does not control directly.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkGoroutines fails if goroutines started during the test are still
// around once servers and clients are closed.
func checkGoroutines(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= base {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines: %d at start, %d at end\n%s", base, n, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }
