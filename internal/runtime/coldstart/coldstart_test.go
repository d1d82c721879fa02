package coldstart

import (
	"testing"
	"time"
)

func TestSteadyStartsHaveNoDeviation(t *testing.T) {
	var e Estimate
	if e.Mean != 0 || e.Dev != 0 {
		t.Fatalf("an empty estimate claims a measurement: %+v", e)
	}
	for range 10 {
		e.Add(4 * time.Second)
	}
	if e.Mean != 4*time.Second || e.Dev != 0 {
		t.Fatalf("ten 4 s starts: mean %v, deviation %v; want 4s and 0", e.Mean, e.Dev)
	}
}

func TestScatteredStartsShowTheirSpread(t *testing.T) {
	var e Estimate
	// Starts alternate between 2 s and 6 s: the mean settles near 4 s and
	// the deviation near 2 s.
	for i := range 40 {
		e.Add(time.Duration(2+4*(i%2)) * time.Second)
	}
	if e.Mean < 3*time.Second || e.Mean > 5*time.Second {
		t.Errorf("mean %v, want about 4s", e.Mean)
	}
	if e.Dev < 1500*time.Millisecond || e.Dev > 2500*time.Millisecond {
		t.Errorf("deviation %v, want about 2s", e.Dev)
	}
}

func TestAChangedBuildShowsWithinAFewStarts(t *testing.T) {
	var e Estimate
	for range 10 {
		e.Add(2 * time.Second)
	}
	for range 5 {
		e.Add(10 * time.Second)
	}
	if e.Mean < 8*time.Second {
		t.Errorf("after five 10 s starts the mean is %v; a slower build should show within a few starts", e.Mean)
	}
	e.Add(60 * time.Second)
	if e.Mean > 30*time.Second {
		t.Errorf("one 60 s start moved the mean to %v", e.Mean)
	}
}
