package demo

import (
	"math"
	"testing"
	"time"
)

func TestTimeScaleFollowsTheRunLength(t *testing.T) {
	cases := []struct {
		run  time.Duration
		want float64
	}{{0, 1.0 / 30}, {60 * time.Second, 1.0 / 30}, {3 * time.Minute, 0.1}, {30 * time.Minute, 1}, {2 * time.Hour, 1}}
	for _, c := range cases {
		if got := TimeScale(c.run); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("TimeScale(%v) = %v, want %v", c.run, got, c.want)
		}
	}
}
