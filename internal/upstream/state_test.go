package upstream

import (
	"testing"
	"time"
)

// fakeClock lets EWMA tests move time by hand.
func withFakeClock(s *States) *int64 {
	var now int64
	s.clock.nowFn = func() int64 { return now }
	return &now
}

func TestPeakEWMAJumpsUpAndDecays(t *testing.T) {
	s := NewStates(10 * time.Second)
	now := withFakeClock(s)
	st := s.Ref("a:1")

	if st.Latency() != 0 {
		t.Fatalf("fresh state latency = %v, want 0", st.Latency())
	}
	st.Acquire()
	st.Release(10*time.Millisecond, true)
	if got := st.Latency(); got != 10*time.Millisecond {
		t.Fatalf("first sample: latency = %v, want 10ms", got)
	}
	// A peak replaces the estimate at once.
	*now += int64(time.Millisecond)
	st.Acquire()
	st.Release(500*time.Millisecond, true)
	if got := st.Latency(); got != 500*time.Millisecond {
		t.Fatalf("peak: latency = %v, want 500ms", got)
	}
	// A lower sample soon after moves it only a little...
	*now += int64(100 * time.Millisecond)
	st.Acquire()
	st.Release(10*time.Millisecond, true)
	got := st.Latency()
	if got < 490*time.Millisecond || got >= 500*time.Millisecond {
		t.Fatalf("low sample 100ms later: latency = %v, want just under 500ms", got)
	}
	// ...and after a long idle time the estimate has faded (so the endpoint
	// gets probed again rather than starved).
	*now += int64(30 * time.Second)
	if got := st.Latency(); got > 30*time.Millisecond {
		t.Fatalf("after 30s idle: latency = %v, want < 30ms (e^-3 of ~500ms)", got)
	}
	// A low sample long after the last one mostly replaces the estimate.
	st.Acquire()
	st.Release(20*time.Millisecond, true)
	if got := st.Latency(); got > 50*time.Millisecond {
		t.Fatalf("low sample after 30s: latency = %v, want near 20ms", got)
	}
}

func TestFastFailureDoesNotLowerEWMA(t *testing.T) {
	s := NewStates(0)
	now := withFakeClock(s)
	st := s.Ref("a:1")
	st.Acquire()
	st.Release(200*time.Millisecond, true)
	*now += int64(time.Second)
	before := st.Latency()
	st.Acquire()
	st.Release(time.Millisecond, false) // connection refused
	if got := st.Latency(); got != before {
		t.Fatalf("fast failure changed latency %v -> %v", before, got)
	}
	st.Acquire()
	st.Release(5*time.Second, false) // timeout
	if got := st.Latency(); got != 5*time.Second {
		t.Fatalf("slow failure: latency = %v, want 5s", got)
	}
	stats := st.Stats()
	if stats.Requests != 3 || stats.Failures != 2 || stats.InFlight != 0 {
		t.Fatalf("stats = %+v, want 3 requests, 2 failures, 0 in flight", stats)
	}
}

// A cancelled attempt (client gone, hedge lost) says only "at least this
// slow": it never lowers the estimate, raises it when longer, and counts
// neither as a failure nor leaves the in-flight count up.
func TestCancelledAttemptIsALowerBound(t *testing.T) {
	s := NewStates(0)
	now := withFakeClock(s)
	st := s.Ref("a:1")
	st.Acquire()
	st.Release(200*time.Millisecond, true)
	*now += int64(time.Second)
	before := st.Latency()
	st.Acquire()
	st.ReleaseCancelled(20 * time.Millisecond) // the fast hedge won
	if got := st.Latency(); got != before {
		t.Fatalf("short cancelled attempt changed latency %v -> %v", before, got)
	}
	st.Acquire()
	st.ReleaseCancelled(900 * time.Millisecond)
	if got := st.Latency(); got != 900*time.Millisecond {
		t.Fatalf("long cancelled attempt: latency = %v, want 900ms", got)
	}
	if stats := st.Stats(); stats.Failures != 0 || stats.InFlight != 0 || stats.Requests != 3 {
		t.Fatalf("stats = %+v, want 3 requests, 0 failures, 0 in flight", stats)
	}
}

func TestInFlightCounts(t *testing.T) {
	st := NewStates(0).Ref("a:1")
	st.Acquire()
	st.Acquire()
	if st.InFlight() != 2 {
		t.Fatalf("in flight = %d, want 2", st.InFlight())
	}
	st.Release(time.Millisecond, true)
	if st.InFlight() != 1 {
		t.Fatalf("in flight = %d, want 1", st.InFlight())
	}
}

func TestAcquireReleaseDoNotAllocate(t *testing.T) {
	st := NewStates(0).Ref("a:1")
	allocs := testing.AllocsPerRun(1000, func() {
		st.Acquire()
		st.Release(3*time.Millisecond, true)
	})
	if allocs != 0 {
		t.Fatalf("Acquire+Release allocate %v times", allocs)
	}
}

func TestSetReadyReportsChange(t *testing.T) {
	st := NewStates(0).Ref("a:1")
	if !st.Ready() {
		t.Fatal("new endpoints start ready")
	}
	if st.SetReady(true) {
		t.Fatal("SetReady(true) on a ready endpoint reported a change")
	}
	if !st.SetReady(false) || st.Ready() {
		t.Fatal("SetReady(false) did not take")
	}
}

func TestReasonsCombine(t *testing.T) {
	st := NewStates(0)
	s := st.Ref("127.0.0.1:1")
	if !s.Ready() || s.Down().String() != "ready" {
		t.Fatal("new state must be ready")
	}
	if !s.SetDown(Unhealthy, true) {
		t.Fatal("first reason must change readiness")
	}
	if s.SetDown(Ejected, true) {
		t.Fatal("a second reason must not report a change")
	}
	if s.SetDown(Unhealthy, false) || s.Ready() {
		t.Fatal("clearing one reason must not make an ejected endpoint ready")
	}
	if got := s.Down().String(); got != "ejected" {
		t.Errorf("reasons = %q", got)
	}
	if !s.SetDown(Ejected, false) || !s.Ready() {
		t.Fatal("clearing the last reason must make it ready")
	}
	s.SetReady(false)
	s.SetDown(Draining, true)
	if got := s.Down().String(); got != "disabled,draining" {
		t.Errorf("reasons = %q", got)
	}
}
