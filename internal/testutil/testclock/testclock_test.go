package testclock

import (
	"sync"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	c := New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Add(90 * time.Second)
	if got := c.Now().Sub(start); got != 90*time.Second {
		t.Fatalf("after Add: %v past start, want 90s", got)
	}
	c.Set(start.Add(-time.Hour))
	if got := c.Now().Sub(start); got != -time.Hour {
		t.Fatalf("after Set: %v past start, want -1h", got)
	}
	// Readers on other goroutines (run with -race).
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_ = c.Now()
			}
		}()
	}
	for range 100 {
		c.Add(time.Millisecond)
	}
	wg.Wait()
	if got := c.Now().Sub(start); got != -time.Hour+100*time.Millisecond {
		t.Fatalf("after 100 concurrent-read Adds: %v, want -59m59.9s", got)
	}
}
