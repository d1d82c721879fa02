package local

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// loadLoop sends requests to the ready set that OnChange delivers, the way
// the gateway's pool would: an address is picked and its in-flight count
// raised under one lock, so the Drainer (in-flight == 0 after the set
// changed) cannot miss a request that is about to be sent.
type loadLoop struct {
	mu       sync.Mutex
	ready    []string
	inFlight map[string]int
	hits     map[string]int
	next     int

	ok, failed atomic.Int64
	firstErr   atomic.Value
}

func newLoadLoop() *loadLoop {
	return &loadLoop{inFlight: map[string]int{}, hits: map[string]int{}}
}

func (l *loadLoop) onChange(_ string, ready []string) {
	l.mu.Lock()
	l.ready = ready
	l.mu.Unlock()
}

func (l *loadLoop) load(addr string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(l.inFlight[addr])
}

func (l *loadLoop) drain(ctx context.Context, addr string) error {
	for l.load(addr) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

func (l *loadLoop) acquire() (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ready) == 0 {
		return "", false
	}
	l.next++
	addr := l.ready[l.next%len(l.ready)]
	l.inFlight[addr]++
	l.hits[addr]++
	return addr, true
}

func (l *loadLoop) release(addr string) {
	l.mu.Lock()
	l.inFlight[addr]--
	l.mu.Unlock()
}

func (l *loadLoop) run(ctx context.Context, workers int) *sync.WaitGroup {
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				addr, ok := l.acquire()
				if !ok {
					time.Sleep(time.Millisecond)
					continue
				}
				err := get(client, "http://"+addr+"/?delay=20ms")
				l.release(addr)
				if err != nil {
					l.failed.Add(1)
					l.firstErr.CompareAndSwap(nil, err)
				} else {
					l.ok.Add(1)
				}
			}
		}()
	}
	return &wg
}

func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func TestScaleOutAndInUnderLoadLosesNoRequest(t *testing.T) {
	l := newLoadLoop()
	var hookMu sync.Mutex
	beforeCalls, drained := map[string]int{}, map[string]int{}
	beforeDrain := func(_, addr string) {
		hookMu.Lock()
		defer hookMu.Unlock()
		l.mu.Lock()
		listed := slices.Contains(l.ready, addr)
		l.mu.Unlock()
		if !listed {
			t.Errorf("BeforeDrain(%s) came after it left the ready set", addr)
		}
		beforeCalls[addr]++
	}
	drainer := func(ctx context.Context, addr string) error {
		hookMu.Lock()
		drained[addr]++
		hookMu.Unlock()
		return l.drain(ctx, addr)
	}
	m := newManager(t, Options{OnChange: l.onChange, Drainer: drainer, BeforeDrain: beforeDrain, Load: l.load})
	// SIGKILL as the stop signal: echo's own graceful shutdown cannot hide
	// a missing drain; only the Drainer protects requests in flight.
	spec := echoSpec()
	spec.StopSignal = syscall.SIGKILL
	mustSetSpec(t, m, "echo", spec)
	mustScale(t, m, "echo", 1)
	waitFor(t, "one ready", func() bool { return status(m, "echo").Ready == 1 })

	ctx, stop := context.WithCancel(context.Background())
	wg := l.run(ctx, 6)
	defer func() { stop(); wg.Wait() }()

	mustScale(t, m, "echo", 5)
	waitFor(t, "five ready", func() bool { return status(m, "echo").Ready == 5 })
	time.Sleep(300 * time.Millisecond)
	mustScale(t, m, "echo", 1)
	waitFor(t, "back to one", func() bool { return len(liveInstances(m, "echo")) == 1 })
	before := l.ok.Load()
	time.Sleep(200 * time.Millisecond)
	stop()
	wg.Wait()

	if n := l.failed.Load(); n > 0 {
		t.Fatalf("%d requests failed during scaling (first: %v)", n, l.firstErr.Load())
	}
	if l.ok.Load() == before {
		t.Error("no request succeeded after scale-in")
	}
	l.mu.Lock()
	used := len(l.hits)
	l.mu.Unlock()
	if used != 5 {
		t.Errorf("load reached %d instances, want 5", used)
	}
	hookMu.Lock()
	once := true
	for _, n := range beforeCalls {
		once = once && n == 1
	}
	if len(beforeCalls) != 4 || !once || !maps.Equal(beforeCalls, drained) {
		t.Errorf("BeforeDrain calls %v, Drainer calls %v; want the same 4 addresses once each", beforeCalls, drained)
	}
	hookMu.Unlock()
	for _, in := range m.Instances("echo") {
		if in.State == StateStopped && alive(in.PID) {
			t.Errorf("stopped instance %s still runs", in.ID)
		}
	}
}

func TestSpecChangeReplacesWithoutGap(t *testing.T) {
	sets := newReadySets()
	m := newManager(t, Options{OnChange: sets.onChange})
	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "echo", 2)
	waitFor(t, "two ready", func() bool { return len(sets.get("echo")) == 2 })
	old := map[string]bool{}
	for _, in := range m.Instances("echo") {
		old[in.ID] = true
	}

	mustSetSpec(t, m, "echo", echoSpec()) // equal: nothing happens
	if n := len(liveInstances(m, "echo")); n != 2 {
		t.Fatalf("an equal spec changed the instances: %d live", n)
	}
	changed := echoSpec()
	changed.Env = map[string]string{"GREETING": "v2"}
	mustSetSpec(t, m, "echo", changed)
	waitFor(t, "replacement", func() bool {
		live := liveInstances(m, "echo")
		if len(live) != 2 {
			return false
		}
		for _, in := range live {
			if old[in.ID] || in.State != StateReady {
				return false
			}
		}
		return len(sets.get("echo")) == 2
	})
	ds := sets.deliveries("echo")
	for i, d := range ds {
		if len(d) < 2 && i > 0 {
			t.Errorf("delivery %d had %d ready instances during the replacement: %v", i, len(d), ds)
		}
	}
}

func TestRemoveStopsAndForgets(t *testing.T) {
	sets := newReadySets()
	m := newManager(t, Options{OnChange: sets.onChange})
	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "echo", 2)
	waitFor(t, "two ready", func() bool { return len(sets.get("echo")) == 2 })
	var pids []int
	for _, in := range m.Instances("echo") {
		pids = append(pids, in.PID)
	}
	m.Remove("echo")
	if got := sets.get("echo"); len(got) != 0 {
		t.Errorf("after Remove the ready set is %v", got)
	}
	if len(m.Services()) != 0 {
		t.Errorf("services after Remove: %v", m.Services())
	}
	waitFor(t, "processes to stop", func() bool { return !alive(pids[0]) && !alive(pids[1]) })

	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "echo", 1)
	waitFor(t, "the new service to be ready", func() bool { return len(sets.get("echo")) == 1 })
	if id := m.Instances("echo")[0].ID; id != "echo-3" {
		t.Errorf("re-added service got instance id %s; ids must not be reused", id)
	}
}

func TestCrashLoopBacksOff(t *testing.T) {
	m := newManager(t, Options{Backoff: Backoff{Initial: 50 * time.Millisecond, Max: 10 * time.Second}})
	mustSetSpec(t, m, "crash", shSpec("exit 1"))
	mustScale(t, m, "crash", 1)
	time.Sleep(time.Second)
	// Delays 50, 100, 200, 400 ms: four restarts fit in a second, not the
	// dozens an immediate restart loop would make.
	if r := m.Instances("crash")[0].Restarts; r < 1 || r > 5 {
		t.Errorf("%d restarts in 1s with backoff from 50ms", r)
	}
}
