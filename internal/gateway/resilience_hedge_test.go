package gateway

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// slowOrigin answers after d unless the gateway cancels the try first; it
// counts those cancellations.
func slowOrigin(t *testing.T, d time.Duration, body string, cancelled *atomic.Int64) *counting {
	return countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			fmt.Fprint(w, body)
		case <-r.Context().Done():
			cancelled.Add(1)
		}
	})
}

// metricValue reads one series from a registry, -1 when it is absent.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestHedgeBoundsLatencyAndCancelsTheLoser(t *testing.T) {
	var cancelled atomic.Int64
	slow := slowOrigin(t, 2*time.Second, "slow", &cancelled)
	fast := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "fast") })
	g, m := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    retry:
      attempts: 0
      hedge: {min_delay: 20ms, max_delay: 20ms}
`, slow.srv.URL, fast.srv.URL))
	const n = 20
	var took []time.Duration
	for range n {
		start := time.Now()
		w := do(g, "GET", "/", "", nil)
		took = append(took, time.Since(start))
		if w.Code != 200 || w.Body.String() != "fast" {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	}
	slices.Sort(took)
	t.Logf("hedged latency: p50 %s, p99 %s (the slow endpoint takes 2s)", took[n/2], took[n-1])
	// Without hedging half the requests would take 2s.
	if took[n-1] > time.Second {
		t.Fatalf("slowest request took %s", took[n-1])
	}
	st, _ := g.Resilience("api")
	// Every request that went to slow first was hedged to fast, and the
	// hedge won; the backends saw exactly the first tries plus the hedges.
	if st.Hedges != slow.n.Load() || st.HedgesWon != st.Hedges || slow.n.Load()+fast.n.Load() != n+st.Hedges || st.Hedges == 0 {
		t.Fatalf("slow %d fast %d hedges %d won %d", slow.n.Load(), fast.n.Load(), st.Hedges, st.HedgesWon)
	}
	if st.Retries != 0 {
		t.Fatalf("hedges counted as retries: %d", st.Retries)
	}
	waitFor(t, "the slow tries to be cancelled", func() bool { return cancelled.Load() == slow.n.Load() })
	if v := metricValue(t, m.Registry, "shoal_hedges_total", map[string]string{"service": "api"}); v != float64(st.Hedges) {
		t.Fatalf("shoal_hedges_total = %v, want %d", v, st.Hedges)
	}
	if v := metricValue(t, m.Registry, "shoal_hedges_won_total", map[string]string{"service": "api"}); v != float64(st.HedgesWon) {
		t.Fatalf("shoal_hedges_won_total = %v, want %d", v, st.HedgesWon)
	}
	// The fixed delay shows in the admin view and the metrics.
	if d := st.Routes["route-0"].HedgeDelayMS; d != 20 {
		t.Fatalf("admin hedge delay %vms", d)
	}
	if v := metricValue(t, m.Registry, "shoal_hedge_delay_seconds", map[string]string{"route": "route-0"}); v != 0.02 {
		t.Fatalf("shoal_hedge_delay_seconds = %v", v)
	}
}

func TestHedgesRespectTheRetryBudget(t *testing.T) {
	var cancelled atomic.Int64
	a := slowOrigin(t, 60*time.Millisecond, "a", &cancelled)
	b := slowOrigin(t, 60*time.Millisecond, "b", &cancelled)
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s, %s]
    retry_budget: {ratio: 0, min_per_second: 0.1}
routes:
  - service: api
    retry:
      attempts: 0
      hedge: {max_hedges: 3, min_delay: 5ms, max_delay: 5ms}
`, a.srv.URL, b.srv.URL))
	const n = 8
	for range n {
		if w := do(g, "GET", "/", "", nil); w.Code != 200 {
			t.Fatalf("got %d", w.Code)
		}
	}
	// The floor allows one extra try per 10 seconds: one hedge in all,
	// the other requests each had theirs refused.
	st, _ := g.Resilience("api")
	if st.Hedges != 1 || a.n.Load()+b.n.Load() != n+1 || st.BudgetExhausted < n-1 {
		t.Fatalf("hedges %d, backends saw %d for %d requests, budget refused %d", st.Hedges, a.n.Load()+b.n.Load(), n, st.BudgetExhausted)
	}
}

func TestHedgeNeverForWritesOrUnreplayableBodies(t *testing.T) {
	var cancelled atomic.Int64
	a := slowOrigin(t, 50*time.Millisecond, "a", &cancelled)
	b := slowOrigin(t, 50*time.Millisecond, "b", &cancelled)
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    retry:
      attempts: 0
      max_body_bytes: 16
      hedge: {min_delay: 5ms, max_delay: 5ms}
`, a.srv.URL, b.srv.URL))
	do(g, "POST", "/", "x", nil)
	do(g, "POST", "/", "x", map[string]string{"Idempotency-Key": "k"})
	do(g, "PUT", "/", "x", nil)
	do(g, "GET", "/", strings.Repeat("x", 100), nil) // too large to replay
	if n := a.n.Load() + b.n.Load(); n != 4 {
		t.Fatalf("4 requests reached the backends %d times", n)
	}
	if st, _ := g.Resilience("api"); st.Hedges != 0 {
		t.Fatalf("hedges sent: %d", st.Hedges)
	}
	// A small GET body is replayed to the hedge.
	do(g, "GET", "/", "small", nil)
	if st, _ := g.Resilience("api"); st.Hedges != 1 || a.n.Load()+b.n.Load() != 6 {
		t.Fatalf("GET with a small body: hedges %d, backend hits %d", st.Hedges, a.n.Load()+b.n.Load())
	}
}

func TestHedgeFailureDoesNotWin(t *testing.T) {
	var cancelled atomic.Int64
	slowOK := slowOrigin(t, 80*time.Millisecond, "ok", &cancelled)
	broken := countingOrigin(t, status(503))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    retry:
      attempts: 1
      base_backoff: 1ms
      max_backoff: 2ms
      hedge: {min_delay: 10ms, max_delay: 10ms}
`, slowOK.srv.URL, broken.srv.URL))
	// A first try on the slow endpoint is hedged to the broken one, whose
	// 503 must not beat the slow 200; a first try on the broken one is
	// retried on the slow one.
	for range 6 {
		if w := do(g, "GET", "/", "", nil); w.Code != 200 || w.Body.String() != "ok" {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	}
	st, _ := g.Resilience("api")
	if st.HedgesWon != 0 || broken.n.Load() != st.Hedges+st.Retries || cancelled.Load() != 0 {
		t.Fatalf("hedges %d won %d retries %d broken saw %d cancelled %d", st.Hedges, st.HedgesWon, st.Retries, broken.n.Load(), cancelled.Load())
	}
}

func TestHedgeNeedsAnotherEndpoint(t *testing.T) {
	var cancelled atomic.Int64
	only := slowOrigin(t, 40*time.Millisecond, "only", &cancelled)
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    retry: {attempts: 0, hedge: {min_delay: 5ms, max_delay: 5ms}}
`, only.srv.URL))
	if w := do(g, "GET", "/", "", nil); w.Code != 200 || w.Body.String() != "only" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	if st, _ := g.Resilience("api"); st.Hedges != 0 || only.n.Load() != 1 {
		t.Fatalf("hedges %d, origin saw %d", st.Hedges, only.n.Load())
	}
}
