package balancer

import (
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/upstream"
)

func TestNewRejectsUnknownPolicyAndBadKey(t *testing.T) {
	_, err := New(Options{Policy: "random_walk"})
	if err == nil || !strings.Contains(err.Error(), "round_robin") {
		t.Fatalf("unknown policy error = %v, want it to list the known ones", err)
	}
	if _, err := New(Options{Policy: RingHash, HashOn: "body:x"}); err == nil {
		t.Fatal("ring_hash accepted a bad hash key")
	}
	if _, err := New(Options{Policy: Maglev, TableSize: -1}); err == nil {
		t.Fatal("maglev accepted a negative table size")
	}
	if _, err := New(Options{}); err != nil {
		t.Fatalf("empty options (default policy): %v", err)
	}
	want := []string{LeastRequest, Maglev, PeakEWMA, RingHash, RoundRobin, WeightedRoundRobin}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

func TestRoundRobinExactCycle(t *testing.T) {
	eps := endpoints(t, 4, nil)
	b := build(t, Options{Policy: RoundRobin}, eps)
	prev := indexOf(eps, b.Pick(nil, nil))
	c := make([]int, len(eps))
	c[prev]++
	for range 39 {
		i := indexOf(eps, b.Pick(nil, nil))
		if i != (prev+1)%len(eps) {
			t.Fatalf("round robin went from %d to %d", prev, i)
		}
		c[i]++
		prev = i
	}
	for i, n := range c {
		if n != 10 {
			t.Fatalf("endpoint %d picked %d times in 40, want 10", i, n)
		}
	}
}

// Retries and hedges (picks that exclude what was tried) do not move the
// rotation: first tries keep alternating even when every one is followed
// by a hedge, and the hedge goes to the endpoint after the one tried.
func TestRotationHedgesDoNotStealTurns(t *testing.T) {
	eps := endpoints(t, 2, nil)
	b := build(t, Options{Policy: RoundRobin}, eps)
	firsts := make([]int, len(eps))
	for range 20 {
		first := b.Pick(nil, nil)
		firsts[indexOf(eps, first)]++
		hedge := b.Pick(nil, []*upstream.Endpoint{first})
		if hedge == nil || hedge.Same(first) {
			t.Fatalf("hedge after %s went to %v", first.Address(), hedge)
		}
	}
	if firsts[0] != 10 || firsts[1] != 10 {
		t.Fatalf("first tries per endpoint %v with every request hedged, want 10 and 10", firsts)
	}
	// Weighted 3:1: first tries keep the 3:1 smooth order under hedging
	// (a hedge that consumed the order's turns made them alternate).
	weps := endpoints(t, 2, func(i int) int { return 3 - 2*i })
	wb := build(t, Options{Policy: WeightedRoundRobin}, weps)
	firsts = make([]int, len(weps))
	for range 40 {
		first := wb.Pick(nil, nil)
		firsts[indexOf(weps, first)]++
		if h := wb.Pick(nil, []*upstream.Endpoint{first}); h == nil || h.Same(first) {
			t.Fatalf("weighted: hedge after %s went to %v", first.Address(), h)
		}
	}
	if firsts[0] != 30 || firsts[1] != 10 {
		t.Fatalf("weighted 3:1: first tries per endpoint %v with every request hedged, want 30 and 10", firsts)
	}
	three := endpoints(t, 3, nil)
	b = build(t, Options{Policy: RoundRobin}, three)
	if got := b.Pick(nil, []*upstream.Endpoint{three[1]}); !got.Same(three[2]) {
		t.Fatalf("retry after endpoint 1 went to %d, want 2", indexOf(three, got))
	}
	if got := b.Pick(nil, []*upstream.Endpoint{three[1], three[2]}); !got.Same(three[0]) {
		t.Fatalf("retry after endpoints 1 and 2 went to %d, want 0", indexOf(three, got))
	}
}

// seq renders picks as letters a, b, c... for sequence assertions.
func seq(b Balancer, eps []*upstream.Endpoint, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteByte(byte('a' + indexOf(eps, b.Pick(nil, nil))))
	}
	return sb.String()
}

func TestSmoothWeightedSequence(t *testing.T) {
	eps := endpoints(t, 3, func(i int) int { return []int{5, 1, 1}[i] })
	const cycle = "aabacaa" // nginx's smooth order for 5,1,1
	// The precomputed schedule starts at a random phase: any rotation.
	got := seq(build(t, Options{Policy: WeightedRoundRobin}, eps), eps, 14)
	if !strings.Contains(cycle+cycle+cycle, got) {
		t.Fatalf("precomputed SWRR gave %q, want a rotation of %q repeated", got, cycle)
	}
	// From phase 0 it is exactly nginx's order.
	c := newCycle(eps, []int64{5, 1, 1}, 7)
	c.next.Store(0)
	if got := seq(c, eps, 14); got != cycle+cycle {
		t.Fatalf("SWRR from phase 0 gave %q, want %q", got, cycle+cycle)
	}
}

func TestWeightedLargeSumUsesEDFAndKeepsRatio(t *testing.T) {
	eps := endpoints(t, 3, func(i int) int { return []int{500001, 100000, 100000}[i] })
	b := build(t, Options{Policy: WeightedRoundRobin}, eps)
	if _, ok := b.(*edf); !ok {
		t.Fatalf("weight sum 700001 built %T, want the EDF scheduler", b)
	}
	c := counts(t, b, eps, 7000, nil)
	if c[0] < 4990 || c[0] > 5010 || c[1] < 990 || c[1] > 1010 {
		t.Fatalf("counts %v for weights 5:1:1 over 7000 picks", c)
	}
	// Smooth: the light endpoints are never starved for long. In any window
	// of 14 picks each of them appears at least once.
	s := seq(b, eps, 700)
	for i := 0; i+14 <= len(s); i++ {
		w := s[i : i+14]
		if !strings.Contains(w, "b") || !strings.Contains(w, "c") {
			t.Fatalf("window %q at %d lacks a light endpoint", w, i)
		}
	}
}

func TestEDFManyEndpointsKeepsShares(t *testing.T) {
	eps := endpoints(t, 3000, func(i int) int { return i%4 + 1 }) // sum 7500, work 22.5M: EDF
	b := build(t, Options{Policy: WeightedRoundRobin}, eps)
	if _, ok := b.(*edf); !ok {
		t.Fatalf("built %T, want EDF", b)
	}
	c := counts(t, b, eps, 7500*4, nil)
	for i, n := range c {
		if want := 4 * (i%4 + 1); n < want-1 || n > want+1 {
			t.Fatalf("endpoint %d (weight %d) picked %d times in 4 periods, want %d±1", i, i%4+1, n, want)
		}
	}
}

func TestWeightedEqualWeightsIsRoundRobin(t *testing.T) {
	eps := endpoints(t, 3, func(int) int { return 7 })
	if b := build(t, Options{Policy: WeightedRoundRobin}, eps); b == nil {
		t.Fatal("nil balancer")
	} else if _, ok := b.(*roundRobin); !ok {
		t.Fatalf("equal weights built %T, want round robin", b)
	}
}

// TestExcludeAndReadiness checks, for every policy, that tried and unready
// endpoints are skipped and that nil comes back when nothing is left.
func TestExcludeAndReadiness(t *testing.T) {
	for _, name := range allPolicies() {
		t.Run(name, func(t *testing.T) {
			eps := endpoints(t, 5, func(i int) int { return i + 1 })
			b := build(t, Options{Policy: name, HashOn: "header:X-User"}, eps)
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("X-User", "alice")
			eps[1].SetReady(false)
			exclude := []*upstream.Endpoint{eps[0], eps[3]}
			for range 200 {
				e := b.Pick(r, exclude)
				if e == nil {
					t.Fatal("nil with two usable endpoints")
				}
				if e.Same(eps[1]) || e.In(exclude) {
					t.Fatalf("picked %s: unready or excluded", e.Address())
				}
			}
			// Without the header (hash policies fall back), same rule.
			bare := httptest.NewRequest("GET", "/", nil)
			for range 200 {
				if e := b.Pick(bare, exclude); e == nil || e.Same(eps[1]) || e.In(exclude) {
					t.Fatalf("fallback pick %v broke the rule", e)
				}
			}
			all := append(exclude, eps[2], eps[4])
			if e := b.Pick(r, all); e != nil {
				t.Fatalf("everything excluded or unready, got %s", e.Address())
			}
		})
	}
}

// TestConcurrentPicks hammers every policy from several goroutines; run with
// -race it checks the shared counters and schedules.
func TestConcurrentPicks(t *testing.T) {
	for _, name := range allPolicies() {
		t.Run(name, func(t *testing.T) {
			eps := endpoints(t, 8, func(i int) int { return i%3 + 1 })
			b := build(t, Options{Policy: name, HashOn: "query:k"}, eps)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					r := httptest.NewRequest("GET", "/?k=u"+string(rune('a'+g)), nil)
					for i := range 2000 {
						e := b.Pick(r, nil)
						if e == nil {
							t.Error("nil pick")
							return
						}
						e.Acquire()
						e.Release(time.Duration(i%7)*time.Millisecond, true)
						if i == 1000 && g == 0 {
							eps[3].SetReady(false)
						}
					}
				})
			}
			wg.Wait()
			for _, e := range eps {
				if e.InFlight() != 0 {
					t.Fatalf("%s left %d in flight", e.Address(), e.InFlight())
				}
			}
		})
	}
}

func TestPickDoesNotAllocate(t *testing.T) {
	r := httptest.NewRequest("GET", "/users/42?k=v", nil)
	r.Header.Set("X-User", "alice")
	r.Header.Set("Cookie", "a=1; sid=xyz")
	cases := []struct {
		name string
		opts Options
		eps  []*upstream.Endpoint
	}{
		{"round_robin", Options{Policy: RoundRobin}, endpoints(t, 10, nil)},
		{"swrr_cycle", Options{Policy: WeightedRoundRobin}, endpoints(t, 10, func(i int) int { return i + 1 })},
		{"swrr_edf", Options{Policy: WeightedRoundRobin}, endpoints(t, 10, func(i int) int { return i*99991 + 7 })},
		{"least_request", Options{Policy: LeastRequest}, endpoints(t, 10, nil)},
		{"peak_ewma", Options{Policy: PeakEWMA}, endpoints(t, 10, nil)},
		{"ring_hash_header", Options{Policy: RingHash, HashOn: "header:X-User"}, endpoints(t, 10, nil)},
		{"maglev_cookie", Options{Policy: Maglev, HashOn: "cookie:sid"}, endpoints(t, 10, nil)},
		{"maglev_path", Options{Policy: Maglev, HashOn: "path:1"}, endpoints(t, 10, nil)},
		{"ring_hash_client_ip", Options{Policy: RingHash}, endpoints(t, 10, nil)},
	}
	for _, c := range cases {
		b := build(t, c.opts, c.eps)
		if _, isEDF := b.(*edf); isEDF != (c.name == "swrr_edf") {
			t.Fatalf("%s built %T", c.name, b)
		}
		exclude := c.eps[:1]
		if a := testing.AllocsPerRun(500, func() {
			b.Pick(r, nil)
			b.Pick(r, exclude)
		}); a != 0 {
			t.Errorf("%s: Pick allocates %v times", c.name, a)
		}
	}
}

// TestPoolIntegration wires a balancer into an upstream.Pool the way the
// gateway will: readiness changes rebuild and Pick honours them.
func TestPoolIntegration(t *testing.T) {
	f, err := New(Options{Policy: Maglev, HashOn: "header:X-User"})
	if err != nil {
		t.Fatal(err)
	}
	s := upstream.NewStates(0)
	p := upstream.NewPool("api", s, f)
	if err := p.Update([]upstream.Target{{Address: "127.0.0.1:9001"}, {Address: "127.0.0.1:9002"}}); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-User", "bob")
	home := p.Pick(r)
	for range 20 {
		if e := p.Pick(r); !e.Same(home) {
			t.Fatal("same key went to different endpoints")
		}
	}
	home.SetReady(false)
	other := p.Pick(r)
	if other == nil || other.Same(home) {
		t.Fatalf("after home went unready got %v", other)
	}
	home.SetReady(true)
	if e := p.Pick(r); !e.Same(home) {
		t.Fatal("key did not return home after recovery")
	}
	other.SetReady(false)
	home.SetReady(false)
	if p.Pick(r) != nil {
		t.Fatal("no ready endpoint, want nil (503)")
	}
}
