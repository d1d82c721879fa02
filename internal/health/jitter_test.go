package health

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// countingProbe records when each target was probed.
type countingProbe struct {
	spec *countingSpec
	addr string
}

type countingSpec struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (s *countingSpec) Kind() string { return "count" }
func (s *countingSpec) NewProbe(addr string) (Probe, error) {
	return &countingProbe{spec: s, addr: addr}, nil
}
func (p *countingProbe) Close() error { return nil }
func (p *countingProbe) Check(context.Context) error {
	p.spec.mu.Lock()
	p.spec.times[p.addr] = append(p.spec.times[p.addr], time.Now())
	p.spec.mu.Unlock()
	return nil
}

func TestJitterDelayBounds(t *testing.T) {
	const iv = time.Second
	if d := nextDelay(iv, 0.2, 0); d != 800*time.Millisecond {
		t.Errorf("u=0: %v", d)
	}
	if d := nextDelay(iv, 0.2, 0.5); d != iv {
		t.Errorf("u=0.5: %v", d)
	}
	if d := nextDelay(iv, 0, 0.9); d != iv {
		t.Errorf("no jitter: %v", d)
	}
	if d := nextDelay(time.Microsecond, 0.5, 0); d != time.Millisecond {
		t.Errorf("tiny interval not floored: %v", d)
	}
	if d := firstDelay(iv, 0.2, 0.999); d > 200*time.Millisecond || d < 190*time.Millisecond {
		t.Errorf("first delay %v", d)
	}
}

func TestJitterSpreadsRealProbes(t *testing.T) {
	spec := &countingSpec{times: map[string][]time.Time{}}
	// Long enough that the first probes spread over 50 ms: on a loaded
	// machine timers a few ms apart fire together (CI saw all eight first
	// probes of a 40 ms interval land in the same millisecond).
	const iv = 200 * time.Millisecond
	const jitter = 0.25
	c, err := NewChecker(CheckerOptions{Probe: spec, Interval: iv, Jitter: jitter, Sink: newRecordSink()})
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for i := range 8 {
		addrs = append(addrs, net.JoinHostPort("127.0.0.1", string(rune('0'+i))+"000"))
	}
	if err := c.Update(addrs); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	runChecker(t, c)
	time.Sleep(1200 * time.Millisecond)
	c.Stop()

	spec.mu.Lock()
	defer spec.mu.Unlock()
	lo := time.Duration(float64(iv) * (1 - jitter))
	firsts := map[time.Duration]bool{}
	var minGap, maxGap time.Duration = time.Hour, 0
	for _, a := range addrs {
		ts := spec.times[a]
		if len(ts) < 3 {
			t.Fatalf("%s probed %d times in 1.2s", a, len(ts))
		}
		if d := ts[0].Sub(start); d > time.Duration(float64(iv)*jitter)+100*time.Millisecond {
			t.Errorf("%s first probe after %v", a, d)
		}
		firsts[ts[0].Sub(start).Round(time.Millisecond)] = true
		for i := 1; i < len(ts); i++ {
			gap := ts[i].Sub(ts[i-1])
			// Timers never fire early, so the lower bound is exact.
			if gap < lo {
				t.Errorf("%s: gap %v below interval-jitter %v", a, gap, lo)
			}
			minGap, maxGap = min(minGap, gap), max(maxGap, gap)
		}
	}
	if len(firsts) < 2 {
		t.Errorf("all first probes at the same instant: %v", firsts)
	}
	if maxGap-minGap < time.Millisecond {
		t.Errorf("gaps %v..%v show no jitter", minGap, maxGap)
	}
}
