package dashboard

import (
	"testing"
	"time"
)

// Frames go out just after each whole interval, whatever the moment the
// viewer connected, so the page shows the second that has just ended.
func TestUntilNextFrameAlignsToBoundary(t *testing.T) {
	base := time.Date(2026, 11, 24, 5, 20, 12, 0, time.UTC)
	cases := []struct {
		at       time.Duration // past base
		interval time.Duration
		want     time.Duration
	}{
		{996 * time.Millisecond, time.Second, 54 * time.Millisecond},           // connected late in a second
		{10 * time.Millisecond, time.Second, 40 * time.Millisecond},            // before this second's offset
		{51 * time.Millisecond, time.Second, 999 * time.Millisecond},           // just after a frame
		{50 * time.Millisecond, time.Second, time.Second},                      // exactly on a frame: the next one
		{3 * time.Millisecond, 10 * time.Millisecond, 7500 * time.Microsecond}, // short test intervals: offset interval/20
	}
	for _, c := range cases {
		got := untilNextFrame(base.Add(c.at), c.interval)
		if got != c.want {
			t.Errorf("at +%v every %v: wait %v, want %v", c.at, c.interval, got, c.want)
		}
		if got <= 0 || got > c.interval {
			t.Errorf("at +%v every %v: wait %v outside (0, interval]", c.at, c.interval, got)
		}
	}
}
