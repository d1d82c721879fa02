package signals

import (
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// origin is a whole second, so offsets in tests are positions in seconds.
var origin = time.Unix(1_700_000_000, 0)

func at(sec float64) time.Time { return origin.Add(time.Duration(sec * float64(time.Second))) }

func newTest() (*Service, *testclock.Clock) {
	fc := testclock.New(origin)
	return NewService("api", fc.Now), fc
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestInFlightIsTimeAveragedExactly(t *testing.T) {
	s, fc := newTest()
	fc.Set(at(0.25))
	a := s.Begin()
	fc.Set(at(0.5))
	b := s.Begin()
	fc.Set(at(0.75))
	s.End(b, 200, false)
	fc.Set(at(1.5))
	s.End(a, 200, false)
	fc.Set(at(2.9))
	c := s.Begin()
	fc.Set(at(5.1))
	s.End(c, 200, false)

	got := s.Drain(at(7))
	// A covers 0.75 s of second 0 and 0.5 s of second 1, B 0.25 s of
	// second 0; C 0.1 s of second 2, seconds 3 and 4 whole, 0.1 s of 5.
	want := []float64{1.0, 0.5, 0.1, 1, 1, 0.1}
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if !near(got[i].InFlight, w) {
			t.Errorf("second %d: in-flight %v, want %v", i, got[i].InFlight, w)
		}
		if !got[i].T.Equal(at(float64(i))) {
			t.Errorf("second %d: T %v, want %v", i, got[i].T, at(float64(i)))
		}
	}
	if got[0].Arrivals != 2 || got[0].Completions != 1 || got[1].Completions != 1 || got[5].Completions != 1 {
		t.Errorf("arrivals/completions wrong: %+v", got)
	}
}

func TestBucketBoundaries(t *testing.T) {
	s, fc := newTest()
	fc.Set(at(1).Add(-time.Nanosecond))
	tok := s.Begin()
	fc.Set(at(1))
	s.End(tok, 503, false)
	tok = s.Begin()
	fc.Set(at(2).Add(-time.Nanosecond))
	s.End(tok, 200, true)

	// Second 1 is not complete until SettleDelay after its end.
	fc.Set(at(2).Add(SettleDelay - time.Nanosecond))
	if got := s.Drain(fc.Now()); len(got) != 1 {
		t.Fatalf("before settle: %d samples, want 1 (second 0 only)", len(got))
	} else if got[0].Arrivals != 1 || got[0].Completions != 0 {
		t.Errorf("second 0: %+v, want 1 arrival, 0 completions", got[0])
	}
	got := s.Drain(at(2).Add(SettleDelay))
	if len(got) != 1 {
		t.Fatalf("after settle: %d samples, want 1", len(got))
	}
	if got[0].Arrivals != 1 || got[0].Completions != 2 || got[0].Errors != 2 {
		t.Errorf("second 1: %+v, want 1 arrival, 2 completions, 2 errors (503 and errored)", got[0])
	}
	if got := s.Drain(at(2).Add(SettleDelay)); len(got) != 0 {
		t.Errorf("second drain returned %d samples again", len(got))
	}
}

func TestLatencyPercentiles(t *testing.T) {
	s, fc := newTest()
	for i := range 1000 {
		lat := 10 * time.Millisecond
		if i%100 == 0 {
			lat = 800 * time.Millisecond
		}
		fc.Set(at(0))
		tok := s.Begin()
		fc.Set(at(0).Add(lat))
		s.End(tok, 200, false)
	}
	fc.Set(at(3).Add(SettleDelay))
	pts := s.Recent(time.Time{})
	if len(pts) != 3 {
		t.Fatalf("got %d points, want 3", len(pts))
	}
	p := pts[0]
	if p.P50MS < 9 || p.P50MS > 11.5 {
		t.Errorf("p50 %.2f ms, want about 10", p.P50MS)
	}
	if p.P99MS < 9 || p.P99MS > 11.5 {
		t.Errorf("p99 %.2f ms, want about 10 (1 %% of requests took 800 ms)", p.P99MS)
	}
	if pts[1].P50MS != 0 {
		t.Errorf("empty second has p50 %v", pts[1].P50MS)
	}
	if got := s.Recent(at(0)); len(got) != 2 {
		t.Errorf("Recent(after second 0) = %d points, want 2", len(got))
	}
}

func TestHistogramBuckets(t *testing.T) {
	for _, ns := range []int64{1 << 16, 70_000, 1_000_000, 123_456_789, 5e9, 60e9} {
		lo, hi := histBounds(histIndex(ns))
		if float64(ns) < lo || float64(ns) >= hi {
			t.Errorf("%d ns in bucket [%v, %v)", ns, lo, hi)
		}
		if hi/lo > 1.26 {
			t.Errorf("bucket of %d ns is %.2fx wide", ns, hi/lo)
		}
	}
	if histIndex(10) != 0 || histIndex(1<<40) != histBuckets-1 {
		t.Error("under/overflow buckets wrong")
	}
}

func TestGapResyncsCarryFromGauge(t *testing.T) {
	s, fc := newTest()
	for range 3 {
		s.Begin()
	}
	fc.Set(at(120))
	got := s.Drain(at(120))
	if len(got) == 0 || len(got) > ringSize {
		t.Fatalf("got %d samples after a gap", len(got))
	}
	if last := got[len(got)-1]; last.InFlight != 3 {
		t.Errorf("in-flight after the gap %v, want 3", last.InFlight)
	}
}

func TestConcurrentBeginEnd(t *testing.T) {
	s := NewService("api", nil)
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	// The control side drains while the request path records.
	stop := make(chan struct{})
	var arr, comp, errs float64
	sum := func(xs []autoscale.Sample) {
		for _, x := range xs {
			arr += x.Arrivals
			comp += x.Completions
			errs += x.Errors
			if x.InFlight < 0 || x.InFlight > workers {
				t.Errorf("in-flight %v outside [0, %d]", x.InFlight, workers)
			}
		}
	}
	drainer := make(chan struct{})
	go func() {
		defer close(drainer)
		for {
			select {
			case <-stop:
				return
			default:
			}
			sum(s.Drain(time.Now()))
			time.Sleep(time.Millisecond)
		}
	}()
	for range workers {
		wg.Go(func() {
			for i := range each {
				tok := s.Begin()
				s.End(tok, 200+300*(i%2), false)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-drainer
	if n := s.InFlight(); n != 0 {
		t.Fatalf("in-flight gauge %d after all ended", n)
	}
	sum(s.Drain(time.Now().Add(3 * time.Second)))
	if arr != workers*each || comp != workers*each || errs != workers*each/2 {
		t.Errorf("arrivals %v completions %v errors %v, want %d, %d, %d", arr, comp, errs, workers*each, workers*each, workers*each/2)
	}
}

func TestBeginEndDoNotAllocate(t *testing.T) {
	s := NewService("api", nil)
	allocs := testing.AllocsPerRun(1000, func() {
		tok := s.Begin()
		s.End(tok, 200, false)
	})
	if allocs != 0 {
		t.Errorf("Begin+End allocate %v times", allocs)
	}
}
