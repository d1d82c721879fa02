package ratelimit

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/testclock"
)

func within(t *testing.T, what string, got, want int, tol float64) {
	t.Helper()
	if math.Abs(float64(got-want)) > tol*float64(want) {
		t.Fatalf("%s: admitted %d, want %d ±%.0f%%", what, got, want, tol*100)
	}
}

func TestLocalAccuracyOverWindow(t *testing.T) {
	clk := testclock.New(time.Unix(1_700_000_000, 0))
	s := NewLocal(clk.Now)
	limits := []Limit{{Name: "sec", Count: 100, Period: time.Second, Burst: 10}}
	admitted := 0
	// 10 s of one attempt every millisecond: the burst, then 100 per second.
	for range 10_000 {
		d, err := s.Take(context.Background(), "k", limits)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			admitted++
		}
		clk.Add(time.Millisecond)
	}
	within(t, "100/s over 10s", admitted, 10+1000, 0.01)
}

func TestLocalSeveralLimitsAllMustAdmit(t *testing.T) {
	clk := testclock.New(time.Unix(1_700_000_000, 0))
	s := NewLocal(clk.Now)
	limits := []Limit{
		{Name: "sec", Count: 10, Period: time.Second},
		{Name: "day", Count: 25, Period: 24 * time.Hour},
	}
	admitted := 0
	for range 100 {
		d, _ := s.Take(context.Background(), "k", limits)
		if d.Allowed {
			admitted++
		} else if d.RetryAfter <= 0 {
			t.Fatalf("refused without a retry time: %+v", d)
		}
		clk.Add(100 * time.Millisecond)
	}
	// 10 s at 10 attempts/s fits the per-second limit; the daily one stops it at 25.
	if admitted != 25 {
		t.Fatalf("admitted %d, want 25 (the daily limit)", admitted)
	}
	d, _ := s.Take(context.Background(), "k", limits)
	if d.Allowed || d.RetryAfter < 50*time.Minute {
		t.Fatalf("after the daily quota: %+v, want a refusal with a long retry", d)
	}
	// A refusal must not use up the per-second limit.
	if d.States[0].Remaining != 10 {
		t.Fatalf("per-second remaining %d, want 10", d.States[0].Remaining)
	}
}

func TestLocalKeysAreIndependentAndIdleOnesDropped(t *testing.T) {
	clk := testclock.New(time.Unix(1_700_000_000, 0))
	s := NewLocal(clk.Now)
	l := []Limit{{Name: "m", Count: 1, Period: time.Minute}}
	for _, k := range []string{"a", "b"} {
		if d, _ := s.Take(context.Background(), k, l); !d.Allowed {
			t.Fatalf("first request of %s refused", k)
		}
	}
	if d, _ := s.Take(context.Background(), "a", l); d.Allowed {
		t.Fatal("second request of a admitted")
	}
	clk.Add(2 * time.Minute)
	if d, _ := s.Take(context.Background(), "a", l); !d.Allowed {
		t.Fatal("a still refused after its bucket refilled")
	}
	for i := range s.shards {
		s.shards[i].sweep(clk.Now().UnixNano())
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("%d keys kept after b went idle, want 1 (a)", n)
	}
}

func TestLimitValidate(t *testing.T) {
	for _, l := range []Limit{{Count: 0, Period: time.Second}, {Count: 1, Period: 0}, {Count: 1e7, Period: time.Second}, {Count: 1, Period: time.Second, Burst: -1}} {
		if l.Validate() == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}
