package chaos

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A black-holed backend (toxiproxy's timeout toxic: the connection opens,
// nothing comes back) costs a client no more than the route's timeout.
func TestBlackHoleBoundedByTimeouts(t *testing.T) {
	noLeaks(t)
	b := newBackend(t, ok)
	p := tp.newProxy(t, b.addr())
	p.toxic(t, "hole", "timeout", "downstream", map[string]any{"timeout": 0})
	_, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
  plain:
    endpoints: [%s]
    timeouts: {response_header: 300ms}
routes:
  - match: {path_prefix: /api}
    service: api
    timeouts: {request: 300ms}
  - service: plain
`, p.url(), p.url()))
	for _, path := range []string{"/api", "/plain"} {
		start := time.Now()
		code, h, _ := get(t, c, url+path, nil)
		took := time.Since(start)
		if code != http.StatusGatewayTimeout || h.Get("Shoal-Error") != "upstream-timeout" {
			t.Fatalf("%s: got %d %q", path, code, h.Get("Shoal-Error"))
		}
		// The hole would hold the request forever; 300ms is configured.
		if took > 3*time.Second {
			t.Fatalf("%s: took %s", path, took)
		}
	}
}

// Added latency below the per-try timeout passes; above it, the try is
// cut and retried on the healthy endpoint.
func TestLatencyRetriedOnFastEndpoint(t *testing.T) {
	noLeaks(t)
	slow := newBackend(t, ok)
	fast := newBackend(t, ok)
	p := tp.newProxy(t, slow.addr())
	p.toxic(t, "lat", "latency", "downstream", map[string]any{"latency": 2000})
	_, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    timeouts: {per_try: 200ms, request: 2s}
    retry: {attempts: 1, on: [timeout, connect_failure], base_backoff: 1ms, max_backoff: 5ms}
`, p.url(), fast.srv.URL))
	for range 6 {
		start := time.Now()
		if code, _, body := get(t, c, url+"/", nil); code != 200 || body != "ok" {
			t.Fatalf("got %d %q", code, body)
		}
		if took := time.Since(start); took > 1500*time.Millisecond {
			t.Fatalf("took %s; the 2s latency should have been cut at 200ms", took)
		}
	}
	if fast.hits.Load() != 6 {
		t.Fatalf("fast backend answered %d of 6", fast.hits.Load())
	}
}

// The service goes down (toxiproxy refuses connections): the breaker opens
// after the configured failures and answers at once; when the service is
// back, a probe closes it.
func TestBreakerOpensAndRecovers(t *testing.T) {
	noLeaks(t)
	b := newBackend(t, ok)
	p := tp.newProxy(t, b.addr())
	g, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s]
    circuit_breaker: {consecutive_failures: 3, open_for: 300ms, half_open_requests: 1}
routes:
  - service: api
`, p.url()))
	if code, _, _ := get(t, c, url+"/", nil); code != 200 {
		t.Fatalf("healthy: %d", code)
	}
	p.setEnabled(t, false)
	for range 3 {
		if code, _, _ := get(t, c, url+"/", nil); code != http.StatusBadGateway {
			t.Fatalf("down: got %d, want 502", code)
		}
	}
	code, h, _ := get(t, c, url+"/", nil)
	if code != 503 || h.Get("Shoal-Error") != "circuit-open" {
		t.Fatalf("open: got %d %q", code, h.Get("Shoal-Error"))
	}
	if st, _ := g.Resilience("api"); st.Breaker == nil || st.Breaker.State != "open" {
		t.Fatalf("status: %+v", st.Breaker)
	}
	p.setEnabled(t, true)
	time.Sleep(350 * time.Millisecond)
	if code, _, _ := get(t, c, url+"/", nil); code != 200 {
		t.Fatalf("after recovery: %d", code)
	}
	if st, _ := g.Resilience("api"); st.Breaker.State != "closed" || st.Breaker.Opens != 1 {
		t.Fatalf("status after recovery: %+v", st.Breaker)
	}
}

// During an outage every first try fails; the backend must see at most
// first tries × (1 + ratio) plus the floor, never first tries × attempts.
func TestRetriesNeverExceedBudget(t *testing.T) {
	noLeaks(t)
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	p := tp.newProxy(t, b.addr())
	p.toxic(t, "lat", "latency", "downstream", map[string]any{"latency": 1})
	g, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s]
    retry_budget: {ratio: 0.2, min_per_second: 0}
routes:
  - service: api
    retry: {attempts: 3, base_backoff: 1ms, max_backoff: 2ms}
`, p.url()))
	const n = 100
	for range n {
		get(t, c, url+"/", nil)
	}
	hits := b.hits.Load()
	if hits > n+n/5 {
		t.Fatalf("backend saw %d requests for %d client requests; budget allows %d", hits, n, n+n/5)
	}
	if hits <= n {
		t.Fatalf("backend saw %d: no retry at all", hits)
	}
	st, _ := g.Resilience("api")
	if st.Retries != hits-n || st.BudgetExhausted == 0 {
		t.Fatalf("status %+v, backend %d", st, hits)
	}
}

// A POST without Idempotency-Key reaches the backend once, whether the
// connection is reset after the request or the answer never comes; with a
// key it is retried.
func TestPostWithoutKeyNeverSentTwice(t *testing.T) {
	noLeaks(t)
	b := newBackend(t, ok)
	p := tp.newProxy(t, b.addr())
	// The request reaches the backend; the answer is cut with a reset.
	p.toxic(t, "rst", "reset_peer", "downstream", map[string]any{"timeout": 100})
	_, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    timeouts: {per_try: 1s}
    retry: {attempts: 3, on: [reset, timeout, connect_failure, "502", "503", "504"], base_backoff: 1ms, max_backoff: 2ms}
`, p.url()))
	code, _, _ := send(t, c, "POST", url+"/orders", "order-1", nil)
	if code < 500 {
		t.Fatalf("POST through a resetting proxy answered %d", code)
	}
	if h := b.hits.Load(); h != 1 {
		t.Fatalf("POST without key reached the backend %d times", h)
	}
	send(t, c, "POST", url+"/orders", "order-2", map[string]string{"Idempotency-Key": "k2"})
	if h := b.hits.Load(); h < 3 {
		t.Fatalf("POST with key: backend saw %d in all, want retries", h)
	}
}

// While the service is down, the route answers its fallback.
func TestFallbackWhileDown(t *testing.T) {
	noLeaks(t)
	b := newBackend(t, ok)
	p := tp.newProxy(t, b.addr())
	_, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  comments:
    endpoints: [%s]
    circuit_breaker: {consecutive_failures: 2, open_for: 10s}
routes:
  - service: comments
    fallback: {body: "[]", headers: {Content-Type: application/json}}
`, p.url()))
	p.setEnabled(t, false)
	reasons := map[string]int{}
	for range 5 {
		code, h, body := get(t, c, url+"/comments", nil)
		if code != 200 || body != "[]" || h.Get("Content-Type") != "application/json" {
			t.Fatalf("fallback: %d %q %v", code, body, h)
		}
		reasons[h.Get("Shoal-Fallback")]++
	}
	// Two connect failures open the breaker; later answers say so.
	if reasons["upstream-connect-failed"] != 2 || reasons["circuit-open"] != 3 {
		t.Fatalf("fallback reasons %v", reasons)
	}
}

// A slow body (toxiproxy slicer with delays) still arrives whole.
func TestSlicedBodyArrivesWhole(t *testing.T) {
	noLeaks(t)
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(big) })
	p := tp.newProxy(t, b.addr())
	p.toxic(t, "slice", "slicer", "downstream", map[string]any{"average_size": 512, "size_variation": 256, "delay": 100})
	_, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    timeouts: {request: 10s}
`, p.url()))
	resp, err := c.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || string(got) != string(big) {
		t.Fatalf("body: %d bytes, err %v", len(got), err)
	}
}

// An endpoint whose connection dies in the middle of the body (limit_data):
// the client sees a truncated answer at once, never a hang, and the try is
// counted against the endpoint.
func TestLimitedDataCutsBodyWithoutHang(t *testing.T) {
	noLeaks(t)
	big := strings.Repeat("x", 4000)
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) })
	p := tp.newProxy(t, b.addr())
	p.toxic(t, "limit", "limit_data", "downstream", map[string]any{"bytes": 1000})
	_, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    timeouts: {request: 5s}
`, p.url()))
	resp, err := c.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err == nil || len(got) >= len(big) {
		t.Fatalf("read %d of %d bytes, err %v; want a truncated body and an error", len(got), len(big), err)
	}
}
