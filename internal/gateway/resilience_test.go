package gateway

import (
	"fmt"
	"github.com/shoal-gw/shoal/internal/proxy"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counting is an origin that counts its requests and answers with status
// (or runs h).
type counting struct {
	n   atomic.Int64
	srv *httptest.Server
}

func countingOrigin(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *counting {
	t.Helper()
	c := &counting{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func status(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		fmt.Fprintf(w, "status %d", code)
	}
}

func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func do(g http.Handler, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func TestRetryGoesToAnotherEndpoint(t *testing.T) {
	bad := countingOrigin(t, status(503))
	good := countingOrigin(t, status(200))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    retry: {attempts: 1, base_backoff: 1ms, max_backoff: 2ms}
`, bad.srv.URL, good.srv.URL))
	for range 4 {
		if w := do(g, "GET", "/", "", nil); w.Code != 200 || w.Body.String() != "status 200" {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	}
	// Every first try that hit bad was retried once, on good.
	st, ok := g.Resilience("api")
	if good.n.Load() != 4 || bad.n.Load() == 0 || !ok || st.Retries != bad.n.Load() {
		t.Fatalf("bad %d good %d retries %d", bad.n.Load(), good.n.Load(), st.Retries)
	}
}

func TestPostWithoutIdempotencyKeyIsSentOnce(t *testing.T) {
	bad := countingOrigin(t, status(503))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    retry: {attempts: 3, base_backoff: 1ms, max_backoff: 2ms}
`, bad.srv.URL))
	if w := do(g, "POST", "/", "x", nil); w.Code != 503 || w.Body.String() != "status 503" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	if n := bad.n.Load(); n != 1 {
		t.Fatalf("POST reached the origin %d times", n)
	}
	w := do(g, "POST", "/", "x", map[string]string{"Idempotency-Key": "k1"})
	if w.Code != 503 || bad.n.Load() != 5 {
		t.Fatalf("POST with key: %d, origin saw %d in all, want 1+4", w.Code, bad.n.Load())
	}
}

func TestRetryReplaysBodyAfterReset(t *testing.T) {
	var resets atomic.Int64
	reset := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		resets.Add(1)
		// Read the request, then drop the connection without an answer.
		io.Copy(io.Discard, r.Body)
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
	})
	echo := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    retry: {attempts: 1, base_backoff: 1ms, max_backoff: 2ms}
`, reset.srv.URL, echo.srv.URL))
	for range 2 {
		w := do(g, "PUT", "/", "payload", nil)
		if w.Code != 200 || w.Body.String() != "payload" {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	}
	if resets.Load() < 1 || echo.n.Load() != 2 {
		t.Fatalf("reset origin saw %d, echo %d", resets.Load(), echo.n.Load())
	}
}

func TestRetryBudgetCapsRetries(t *testing.T) {
	bad := countingOrigin(t, status(503))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s]
    retry_budget: {ratio: 0, min_per_second: 1}
routes:
  - service: api
    retry: {attempts: 3, base_backoff: 1ms, max_backoff: 1ms}
`, bad.srv.URL))
	for range 50 {
		do(g, "GET", "/", "", nil)
	}
	// The floor is 1 retry/s over a 10 s window: 10 retries at most.
	if n := bad.n.Load(); n != 60 {
		t.Fatalf("origin saw %d requests, want 50 first tries + 10 retries", n)
	}
	st, _ := g.Resilience("api")
	if st.Retries != 10 || st.BudgetExhausted == 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestPerTryTimeoutRetriesElsewhere(t *testing.T) {
	slow := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	fast := countingOrigin(t, status(200))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s, %s]}
routes:
  - service: api
    timeouts: {per_try: 50ms}
    retry: {attempts: 1, on: [timeout], base_backoff: 1ms, max_backoff: 1ms}
`, slow.srv.URL, fast.srv.URL))
	// Round robin sends at least one of two first tries to slow.
	for range 2 {
		if w := do(g, "GET", "/", "", nil); w.Code != 200 {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	}
	if slow.n.Load() < 1 || fast.n.Load() != 2 {
		t.Fatalf("slow %d fast %d", slow.n.Load(), fast.n.Load())
	}
}

func TestRouteTimeoutBoundsLatency(t *testing.T) {
	slow := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    timeouts: {request: 100ms}
    retry: {attempts: 5, on: [timeout], base_backoff: 1ms, max_backoff: 1ms}
`, slow.srv.URL))
	start := time.Now()
	w := do(g, "GET", "/", "", nil)
	if w.Code != 504 || w.Header().Get("Shoal-Error") != "upstream-timeout" {
		t.Fatalf("got %d %q", w.Code, w.Header().Get("Shoal-Error"))
	}
	// Generous bound: the origin would hold the request for 5 s.
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s with a 100ms route timeout", d)
	}
	if slow.n.Load() != 1 {
		t.Fatalf("a request past its deadline was retried: origin saw %d", slow.n.Load())
	}
}

func TestGRPCTimeoutHonouredAndPropagated(t *testing.T) {
	var seen atomic.Value
	o := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Grpc-Timeout"))
		w.WriteHeader(200)
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    timeouts: {request: 10s}
`, o.srv.URL))
	do(g, "POST", "/pkg.Svc/Call", "", map[string]string{"Content-Type": "application/grpc", "Grpc-Timeout": "200m"})
	v, _ := seen.Load().(string)
	d, ok := proxy.ParseGRPCTimeout(v)
	if !ok || d > 200*time.Millisecond || d < 100*time.Millisecond {
		t.Fatalf("origin saw grpc-timeout %q", v)
	}
}

func TestGRPCTimeoutFormat(t *testing.T) {
	for _, d := range []time.Duration{1, 1500 * time.Microsecond, 3 * time.Second, 200 * time.Hour} {
		v := formatGRPCTimeout(d)
		got, ok := proxy.ParseGRPCTimeout(v)
		if !ok || len(v) > 9 || got < d {
			t.Fatalf("%s → %q → %s", d, v, got)
		}
	}
	for _, bad := range []string{"", "5", "12x", "-1S", "123456789S"} {
		if _, ok := proxy.ParseGRPCTimeout(bad); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}

func TestServiceBreakerOpensAndRecovers(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	o := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(500)
		}
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s]
    circuit_breaker: {consecutive_failures: 3, open_for: 100ms, half_open_requests: 1}
routes:
  - service: api
`, o.srv.URL))
	for range 3 {
		do(g, "GET", "/", "", nil)
	}
	w := do(g, "GET", "/", "", nil)
	if w.Code != 503 || w.Header().Get("Shoal-Error") != "circuit-open" {
		t.Fatalf("open breaker: got %d %q", w.Code, w.Header().Get("Shoal-Error"))
	}
	if o.n.Load() != 3 {
		t.Fatalf("open breaker let a request through: origin saw %d", o.n.Load())
	}
	st, _ := g.Resilience("api")
	if st.Breaker == nil || st.Breaker.State != "open" || st.Breaker.Rejected != 1 {
		t.Fatalf("status %+v", st.Breaker)
	}
	failing.Store(false)
	time.Sleep(120 * time.Millisecond)
	if w := do(g, "GET", "/", "", nil); w.Code != 200 {
		t.Fatalf("probe: got %d", w.Code)
	}
	st, _ = g.Resilience("api")
	if st.Breaker.State != "closed" || st.BreakerTransitions != 3 {
		t.Fatalf("after probe: %+v transitions %d", st.Breaker, st.BreakerTransitions)
	}
}

func TestEndpointBreakerSteersAway(t *testing.T) {
	bad := countingOrigin(t, status(500))
	good := countingOrigin(t, status(200))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s, %s]
    endpoint_circuit_breaker: {consecutive_failures: 2, open_for: 1m}
routes:
  - service: api
`, bad.srv.URL, good.srv.URL))
	for range 20 {
		do(g, "GET", "/", "", nil)
	}
	if bad.n.Load() != 2 {
		t.Fatalf("bad endpoint saw %d requests, want 2 before its breaker opened", bad.n.Load())
	}
	st, _ := g.Resilience("api")
	if len(st.EndpointBreakers) != 2 {
		t.Fatalf("endpoint breakers %+v", st.EndpointBreakers)
	}
}

func TestServiceBulkheadRejectsExcess(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	o := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s]
    bulkhead: {max_concurrent: 1}
routes:
  - service: api
`, o.srv.URL))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); do(g, "GET", "/", "", nil) }()
	<-entered
	w := do(g, "GET", "/", "", nil)
	close(release)
	wg.Wait()
	if w.Code != 503 || w.Header().Get("Shoal-Error") != "bulkhead-full" {
		t.Fatalf("got %d %q", w.Code, w.Header().Get("Shoal-Error"))
	}
	st, _ := g.Resilience("api")
	if st.Bulkhead == nil || st.Bulkhead.Rejected != 1 {
		t.Fatalf("status %+v", st.Bulkhead)
	}
}

func TestFallbackStaticAndService(t *testing.T) {
	backup := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "backup %s", b)
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  comments: {endpoints: [%s]}
  backup: {endpoints: [%s]}
routes:
  - match: {path_prefix: /comments}
    service: comments
    fallback: {body: "[]", headers: {Content-Type: application/json}}
  - match: {path_prefix: /other}
    service: comments
    fallback: {service: backup}
`, deadURL(t), backup.srv.URL))
	w := do(g, "GET", "/comments/1", "", nil)
	if w.Code != 200 || w.Body.String() != "[]" || w.Header().Get("Shoal-Fallback") != "upstream-connect-failed" ||
		w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Shoal-Error") != "" {
		t.Fatalf("static fallback: %d %q %v", w.Code, w.Body.String(), w.Header())
	}
	w = do(g, "PUT", "/other", "data", nil)
	if w.Code != 200 || w.Body.String() != "backup data" || w.Header().Get("Shoal-Fallback") == "" {
		t.Fatalf("service fallback: %d %q %v", w.Code, w.Body.String(), w.Header())
	}
}

func TestFaultAbortByHeader(t *testing.T) {
	o := countingOrigin(t, status(200))
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    fault: {abort: {status: 418, header: X-Chaos}}
`, o.srv.URL))
	if w := do(g, "GET", "/", "", map[string]string{"X-Chaos": "1"}); w.Code != 418 {
		t.Fatalf("got %d", w.Code)
	}
	if w := do(g, "GET", "/", "", nil); w.Code != 200 {
		t.Fatalf("got %d", w.Code)
	}
	if o.n.Load() != 1 {
		t.Fatalf("origin saw %d", o.n.Load())
	}
}

func TestIdempotencyKeyReplaysAcrossReload(t *testing.T) {
	o := countingOrigin(t, status(201))
	yaml := fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - {name: orders, service: api, idempotency: {ttl: 1m}}
`, o.srv.URL)
	g, _ := newGateway(t, yaml)
	key := map[string]string{"Idempotency-Key": "abc"}
	do(g, "POST", "/orders", "o1", key)
	// A reload with the same settings keeps the remembered answers.
	cfg := parse(t, yaml)
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	w := do(g, "POST", "/orders", "o1", key)
	if w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "true" || o.n.Load() != 1 {
		t.Fatalf("repeat: %d %v, origin saw %d", w.Code, w.Header(), o.n.Load())
	}
}

func TestAdaptiveConcurrencySheds(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	o := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api:
    endpoints: [%s]
    adaptive_concurrency: {algorithm: aimd, initial_limit: 1, min_limit: 1, max_limit: 1}
routes:
  - service: api
`, o.srv.URL))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); do(g, "GET", "/", "", nil) }()
	<-entered
	w := do(g, "GET", "/", "", nil)
	close(release)
	wg.Wait()
	if w.Code != 503 || w.Header().Get("Shoal-Error") != "concurrency-limit" {
		t.Fatalf("got %d %q", w.Code, w.Header().Get("Shoal-Error"))
	}
	if st, _ := g.Resilience("api"); st.Adaptive == nil || st.Adaptive.Shed != 1 || st.Adaptive.InFlight != 0 {
		t.Fatalf("status %+v", st.Adaptive)
	}
}

func TestIdleTimeoutCutsStalledBody(t *testing.T) {
	o := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // then silence
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - service: api
    timeouts: {idle: 100ms}
`, o.srv.URL))
	expectStartThenCut(t, g)
}
