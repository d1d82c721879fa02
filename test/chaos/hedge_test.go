package chaos

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// One of two endpoints gets 1s of added latency (toxiproxy): hedged reads
// go to the other one after 20ms, so no request waits for the slow one,
// and the backends see exactly the first tries plus the hedges.
func TestHedgedReadsBoundLatency(t *testing.T) {
	noLeaks(t)
	slow := newBackend(t, ok)
	fast := newBackend(t, ok)
	p := tp.newProxy(t, slow.addr())
	p.toxic(t, "lat", "latency", "downstream", map[string]any{"latency": 1000})
	g, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    retry: {attempts: 0, hedge: {min_delay: 20ms, max_delay: 20ms}}
`, p.url(), fast.srv.URL))
	const n = 20
	var took []time.Duration
	for range n {
		start := time.Now()
		if code, _, body := get(t, c, url+"/", nil); code != 200 || body != "ok" {
			t.Fatalf("got %d %q", code, body)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	st, _ := g.Resilience("api")
	t.Logf("p50 %s p99 %s; hedges %d won %d; slow saw %d fast %d", took[n/2], took[n-1], st.Hedges, st.HedgesWon, slow.hits.Load(), fast.hits.Load())
	// Half the first tries meet the 1s latency; a hedge answers them.
	if took[n-1] >= 900*time.Millisecond {
		t.Fatalf("slowest request took %s; the hedge should have answered", took[n-1])
	}
	if st.Hedges == 0 || st.HedgesWon == 0 || slow.hits.Load()+fast.hits.Load() != n+st.Hedges {
		t.Fatalf("hedges %d won %d, backends saw %d for %d requests", st.Hedges, st.HedgesWon, slow.hits.Load()+fast.hits.Load(), n)
	}
}

// When every endpoint is slow (an outage-like brownout), hedges would
// double the load; the retry budget caps them, counted at the backends.
func TestHedgesStayWithinBudgetWhenAllSlow(t *testing.T) {
	noLeaks(t)
	a := newBackend(t, ok)
	b := newBackend(t, ok)
	pa := tp.newProxy(t, a.addr())
	pb := tp.newProxy(t, b.addr())
	pa.toxic(t, "lat", "latency", "downstream", map[string]any{"latency": 100})
	pb.toxic(t, "lat", "latency", "downstream", map[string]any{"latency": 100})
	g, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s, %s]
    retry_budget: {ratio: 0.1, min_per_second: 0.2}
routes:
  - service: api
    retry: {attempts: 0, hedge: {max_hedges: 2, min_delay: 10ms, max_delay: 10ms}}
`, pa.url(), pb.url()))
	const n = 10
	for range n {
		if code, _, _ := get(t, c, url+"/", nil); code != 200 {
			t.Fatalf("got %d", code)
		}
	}
	st, _ := g.Resilience("api")
	// 0.1 × 10 first tries + 0.2/s × 10s = 3 extra tries at most.
	hits := a.hits.Load() + b.hits.Load()
	if st.Hedges > 3 || hits != n+st.Hedges || st.BudgetExhausted == 0 {
		t.Fatalf("hedges %d (budget 3), backends saw %d for %d requests, refused %d", st.Hedges, hits, n, st.BudgetExhausted)
	}
}
