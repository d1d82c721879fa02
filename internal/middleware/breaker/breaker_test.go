package breaker

import (
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestConsecutiveFailuresOpenThenHalfOpenThenClose(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	var changes []string
	b := New(Options{ConsecutiveFailures: 3, OpenFor: time.Second, HalfOpenProbes: 2, Now: c.now,
		OnChange: func(from, to State) { changes = append(changes, from.String()+">"+to.String()) }})
	for range 2 {
		if !b.Allow() {
			t.Fatal("closed breaker refused")
		}
		b.Done(false)
	}
	b.Allow()
	b.Done(true) // a success resets the run
	for range 3 {
		b.Allow()
		b.Done(false)
	}
	if b.Stats().State != Open || b.Allow() {
		t.Fatalf("want open and refusing, got %v", b.Stats().State)
	}
	c.t = c.t.Add(time.Second)
	// Half-open: exactly two probes pass.
	if !b.Allow() || !b.Allow() || b.Allow() {
		t.Fatal("half-open should let exactly 2 probes through")
	}
	b.Done(true)
	if b.Stats().State != HalfOpen {
		t.Fatal("closed after one of two probes")
	}
	b.Done(true)
	if b.Stats().State != Closed {
		t.Fatalf("want closed after probes succeeded, got %v", b.Stats().State)
	}
	want := []string{"closed>open", "open>half_open", "half_open>closed"}
	if len(changes) != len(want) {
		t.Fatalf("transitions %v, want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("transitions %v, want %v", changes, want)
		}
	}
	if s := b.Stats(); s.Opens != 1 || s.Rejected != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFailedProbeReopens(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	b := New(Options{ConsecutiveFailures: 1, OpenFor: time.Second, Now: c.now})
	b.Allow()
	b.Done(false)
	c.t = c.t.Add(time.Second)
	if !b.Allow() {
		t.Fatal("probe refused")
	}
	b.Done(false)
	if b.Stats().State != Open || b.Allow() {
		t.Fatal("failed probe should reopen")
	}
}

func TestFailureRateNeedsMinRequests(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	b := New(Options{FailureRate: 0.5, MinRequests: 10, Window: 10 * time.Second, Now: c.now})
	for i := range 9 {
		b.Allow()
		b.Done(i%2 == 0) // 4 of 9 fail... then 5 of 10
	}
	if b.Stats().State != Closed {
		t.Fatal("opened below min_requests")
	}
	b.Allow()
	b.Done(false)
	if b.Stats().State != Open {
		t.Fatalf("5 of 10 failed: want open, got %v", b.Stats().State)
	}
	// A new window forgets old calls.
	b2 := New(Options{FailureRate: 0.5, MinRequests: 4, Window: time.Second, Now: c.now})
	for range 3 {
		b2.Allow()
		b2.Done(false)
	}
	c.t = c.t.Add(2 * time.Second)
	b2.Allow()
	b2.Done(false)
	if b2.Stats().State != Closed {
		t.Fatal("failures from an old window counted")
	}
}
