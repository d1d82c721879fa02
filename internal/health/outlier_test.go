package health

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/testclock"
)

// newManualClock is a clock the tests move by hand (Add), starting at
// 2026-01-01.
func newManualClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}

// ejectLog records Ejector calls and events.
type ejectLog struct {
	mu      sync.Mutex
	ejected map[string]bool
	calls   []string
	events  []OutlierEvent
}

func newEjectLog() *ejectLog { return &ejectLog{ejected: map[string]bool{}} }

func (l *ejectLog) SetEjected(addr string, ejected bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ejected[addr] = ejected
	l.calls = append(l.calls, fmt.Sprintf("%s=%v", addr, ejected))
}

func (l *ejectLog) onEvent(e OutlierEvent) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *ejectLog) is(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ejected[addr]
}

func (l *ejectLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

func newDetector(t *testing.T, clk Clock, log *ejectLog, addrs ...string) *OutlierDetector {
	t.Helper()
	d, err := NewOutlierDetector(OutlierOptions{
		Service:          "web",
		Consecutive5xx:   5,
		BaseEjectionTime: 30 * time.Second,
		MaxEjectionTime:  100 * time.Second,
		Ejector:          log,
		OnEvent:          log.onEvent,
		Clock:            clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Update(addrs)
	return d
}

func observeN(d *OutlierDetector, addr string, o Outcome, n int) {
	for range n {
		d.Observe(addr, o)
	}
}

func TestEjectAfterConsecutiveFailures(t *testing.T) {
	log := newEjectLog()
	d := newDetector(t, newManualClock(), log, "a:1", "b:1", "c:1")
	observeN(d, "a:1", ServerError, 4)
	d.Observe("a:1", Success) // breaks the streak
	observeN(d, "a:1", ServerError, 4)
	if log.is("a:1") {
		t.Fatal("ejected after 4 consecutive failures")
	}
	d.Observe("a:1", ServerError)
	if !log.is("a:1") {
		t.Fatal("not ejected after 5 consecutive failures")
	}
	st, _ := d.State("a:1")
	if !st.Ejected || st.Ejections != 1 {
		t.Errorf("state %+v", st)
	}
	// Outcomes of an ejected endpoint (in-flight, panic mode) are ignored.
	observeN(d, "a:1", ServerError, 20)
	d.Observe("unknown:1", ServerError)
	if n := log.count(); n != 1 {
		t.Errorf("%d ejector calls, want 1", n)
	}
	if r := log.events[0].Reason; !strings.Contains(r, "5 consecutive failures") {
		t.Errorf("reason %q", r)
	}
}

func TestGatewayFailureRule(t *testing.T) {
	log := newEjectLog()
	d, err := NewOutlierDetector(OutlierOptions{
		Consecutive5xx: -1, ConsecutiveGatewayFailure: 3, Ejector: log, Clock: newManualClock(),
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Update([]string{"a:1", "b:1"})
	// A plain 500 breaks a gateway-failure streak, and with the 5xx rule
	// disabled it never ejects on its own.
	d.Observe("a:1", ConnectFailure)
	d.Observe("a:1", Timeout)
	d.Observe("a:1", ServerError)
	observeN(d, "a:1", ServerError, 10)
	d.Observe("a:1", Reset)
	d.Observe("a:1", GatewayError)
	if log.is("a:1") {
		t.Fatal("ejected without 3 consecutive gateway failures")
	}
	d.Observe("a:1", ConnectFailure)
	if !log.is("a:1") {
		t.Fatal("not ejected after 3 consecutive gateway failures")
	}
}

func TestEjectionTimeGrowsAndIsCapped(t *testing.T) {
	clk := newManualClock()
	log := newEjectLog()
	d := newDetector(t, clk, log, "a:1", "b:1")
	var lengths []time.Duration
	for range 5 {
		start := clk.Now()
		observeN(d, "a:1", ConnectFailure, 5)
		st, _ := d.State("a:1")
		if !st.Ejected {
			t.Fatal("not ejected")
		}
		length := st.Until.Sub(start)
		lengths = append(lengths, length)
		clk.Add(length - time.Second)
		d.Sweep()
		if !log.is("a:1") {
			t.Fatalf("returned a second before its ejection of %v ended", length)
		}
		clk.Add(time.Second)
		d.Sweep()
		if log.is("a:1") {
			t.Fatalf("still ejected after its ejection of %v ended", length)
		}
	}
	want := []time.Duration{30 * time.Second, 60 * time.Second, 90 * time.Second, 100 * time.Second, 100 * time.Second}
	if fmt.Sprint(lengths) != fmt.Sprint(want) {
		t.Errorf("ejection lengths %v, want %v", lengths, want)
	}
}

func TestEjectionMultiplierDecaysWhileHealthy(t *testing.T) {
	clk := newManualClock()
	log := newEjectLog()
	d := newDetector(t, clk, log, "a:1", "b:1")
	for range 2 {
		observeN(d, "a:1", ServerError, 5)
		clk.Add(100 * time.Second)
		d.Sweep()
	}
	if st, _ := d.State("a:1"); st.Ejected || st.Ejections != 2 {
		t.Fatalf("state %+v, want returned with 2 ejections", st)
	}
	// One base ejection time in rotation takes one off the multiplier.
	clk.Add(30 * time.Second)
	d.Sweep()
	if st, _ := d.State("a:1"); st.Ejections != 1 {
		t.Fatalf("ejections %d after 30s healthy, want 1", st.Ejections)
	}
	observeN(d, "a:1", ServerError, 5)
	if st, _ := d.State("a:1"); st.Until.Sub(clk.Now()) != 60*time.Second {
		t.Errorf("next ejection lasts %v, want 60s", st.Until.Sub(clk.Now()))
	}
}

func TestMaxEjectionPercent(t *testing.T) {
	clk := newManualClock()
	log := newEjectLog()
	addrs := []string{"a:1", "b:1", "c:1", "d:1"}
	d := newDetector(t, clk, log, addrs...) // 50% of 4 = 2
	for _, a := range addrs {
		observeN(d, a, ServerError, 5)
	}
	ejected := 0
	for _, a := range addrs {
		if log.is(a) {
			ejected++
		}
	}
	if ejected != 2 {
		t.Fatalf("%d of 4 ejected, want 2 (50%%)", ejected)
	}
	refused := 0
	for _, e := range log.events {
		if e.Action == "refused" {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d refused events, want 2", refused)
	}
	// Once the ejections end, a still-failing endpoint can be ejected; its
	// streak kept counting, so it is retried after another 5 failures.
	clk.Add(30 * time.Second)
	d.Sweep()
	observeN(d, "c:1", ServerError, 5)
	if !log.is("c:1") {
		t.Error("c:1 not ejected once there was room")
	}
}

func TestMaxEjectedRounding(t *testing.T) {
	cases := []struct{ total, pct, want int }{
		{0, 50, 0}, {1, 50, 1}, {2, 50, 1}, {3, 50, 1}, {4, 50, 2}, {5, 50, 2},
		{10, 10, 1}, {10, 35, 3}, {9, 10, 1}, {5, 100, 5},
	}
	for _, c := range cases {
		if got := MaxEjected(c.total, c.pct); got != c.want {
			t.Errorf("MaxEjected(%d, %d%%) = %d, want %d", c.total, c.pct, got, c.want)
		}
	}
}

func TestRemovedWhileEjectedIsReturned(t *testing.T) {
	log := newEjectLog()
	d := newDetector(t, newManualClock(), log, "a:1", "b:1")
	observeN(d, "a:1", Timeout, 5)
	if !log.is("a:1") {
		t.Fatal("not ejected")
	}
	d.Update([]string{"b:1", "c:1"})
	if log.is("a:1") {
		t.Error("a:1 left the service but stays ejected")
	}
	if _, ok := d.State("a:1"); ok {
		t.Error("removed endpoint still has state")
	}
	// The freed slot is available: 50% of 2 = 1.
	observeN(d, "b:1", Timeout, 5)
	if !log.is("b:1") {
		t.Error("b:1 not ejected")
	}
}

func TestOutlierOptionsValidation(t *testing.T) {
	log := newEjectLog()
	bad := []OutlierOptions{
		{},
		{Ejector: log, MaxEjectionPercent: 101},
		{Ejector: log, MaxEjectionPercent: -5},
		{Ejector: log, BaseEjectionTime: time.Minute, MaxEjectionTime: time.Second},
		{Ejector: log, Consecutive5xx: -2},
	}
	for i, o := range bad {
		if _, err := NewOutlierDetector(o); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	d, err := NewOutlierDetector(OutlierOptions{Ejector: log})
	if err != nil {
		t.Fatal(err)
	}
	o := d.Options()
	if o.Consecutive5xx != 5 || o.ConsecutiveGatewayFailure != 5 || o.BaseEjectionTime != 30*time.Second ||
		o.MaxEjectionTime != 300*time.Second || o.MaxEjectionPercent != 50 || o.SweepInterval != time.Second {
		t.Errorf("defaults not applied: %+v", o)
	}
}

func TestConcurrentObserveEjectsOnce(t *testing.T) {
	log := newEjectLog()
	d := newDetector(t, newManualClock(), log, "a:1", "b:1")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { observeN(d, "a:1", ConnectFailure, 100) })
	}
	wg.Wait()
	if n := log.count(); n != 1 {
		t.Errorf("%d ejector calls, want exactly 1", n)
	}
}

func TestOutlierRunSweepsAndStops(t *testing.T) {
	base := runtime.NumGoroutine()
	log := newEjectLog()
	d, err := NewOutlierDetector(OutlierOptions{
		BaseEjectionTime: 20 * time.Millisecond, SweepInterval: 5 * time.Millisecond, Ejector: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Update([]string{"a:1", "b:1"})
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background()) }()
	observeN(d, "a:1", ServerError, 5)
	deadline := time.Now().Add(2 * time.Second)
	for log.is("a:1") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if log.is("a:1") {
		t.Error("Run never returned the ejected endpoint")
	}
	d.Stop()
	d.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background()); err == nil {
		t.Error("second Run should fail")
	}
	checkNoLeak(t, base)
}
