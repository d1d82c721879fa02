package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shoal-gw/shoal/internal/middleware/ratelimit/redistest"
)

func policyOrigin(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(s.Close)
	return s, &calls
}

// TestRateLimitTwoGatewaysShareRedis runs two gateways against one
// redis-server: together they admit the route's limit, within 1%. The
// store timeout is generous: with on_store_error deny, a slow answer on a
// loaded machine (-race, CI) would otherwise count as a denial.
func TestRateLimitTwoGatewaysShareRedis(t *testing.T) {
	rd := redistest.Start(t)
	origin, _ := policyOrigin(t)
	yaml := fmt.Sprintf(`
services:
  web: {endpoints: [%s]}
redis: {address: %s, timeout: 1s}
routes:
  - match: {path_prefix: /}
    service: web
    rate_limit:
      key: ["header:X-Api-Key"]
      store: redis
      on_store_error: deny
      limits: [{requests: 300, per: 1h}]
`, origin.URL, rd.Addr)
	g1, _ := newGateway(t, yaml)
	g2, _ := newGateway(t, yaml)
	count := func(n int) map[int]int {
		got := map[int]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		var next atomic.Int64
		// Eight clients, alternating gateways, as fast as they get answers.
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					g := g1
					if i%2 == 1 {
						g = g2
					}
					w := serve(g, "GET", "http://example.com/x", map[string]string{"X-Api-Key": "k1"})
					mu.Lock()
					got[w.Code]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return got
	}
	got := count(600)
	if d := got[200] - 300; d < -3 || d > 3 {
		t.Fatalf("two gateways admitted %d of 600, want 300 ±1%% (answers %v)", got[200], got)
	}
	w := serve(g1, "GET", "http://example.com/x", map[string]string{"X-Api-Key": "k1"})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Header().Get("RateLimit-Policy"), "q=300;w=3600") {
		t.Fatalf("over the limit: %d %v", w.Code, w.Header())
	}
	rd.Kill()
	if got := count(20); got[http.StatusServiceUnavailable] != 20 {
		t.Fatalf("redis gone with on_store_error deny: %v, want 20 × 503", got)
	}
}

// TestCacheRouteServesRepeatsFromStore checks the cache is wired into the
// route chain, keeps its entries across a reload, and can be purged.
func TestCacheRouteServesRepeatsFromStore(t *testing.T) {
	origin, calls := policyOrigin(t)
	yaml := fmt.Sprintf(`
services:
  web: {endpoints: [%s]}
routes:
  - match: {path_prefix: /}
    service: web
    cache: {}
`, origin.URL)
	g, m := newGateway(t, yaml)
	for range 3 {
		if w := serve(g, "GET", "http://example.com/c", nil); w.Code != 200 || w.Body.String() != "hello" {
			t.Fatalf("answer %d %q", w.Code, w.Body)
		}
	}
	cfg := parse(t, yaml)
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	serve(g, "GET", "http://example.com/c", nil)
	if calls.Load() != 1 {
		t.Fatalf("origin called %d times, want 1", calls.Load())
	}
	pw := httptest.NewRecorder()
	g.CachePurgeHandler().ServeHTTP(pw, httptest.NewRequest("POST", "/api/cache/purge?prefix=http://example.com/c", nil))
	if pw.Code != 200 || strings.TrimSpace(pw.Body.String()) != `{"purged": 1}` {
		t.Fatalf("purge: %d %s, want one entry purged", pw.Code, pw.Body)
	}
	serve(g, "GET", "http://example.com/c", nil)
	if calls.Load() != 2 {
		t.Fatalf("after purge origin called %d times, want 2", calls.Load())
	}
	mf, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	hits := 0.0
	for _, f := range mf {
		if f.GetName() == "shoal_cache_requests_total" {
			for _, s := range f.GetMetric() {
				if s.GetLabel()[0].GetValue() == "hit" {
					hits = s.GetCounter().GetValue()
				}
			}
		}
	}
	if hits != 3 {
		t.Fatalf("shoal_cache_requests_total{outcome=hit} = %v, want 3", hits)
	}
}

// TestCacheRedisStoreSharedByGateways: with cache.store redis, an answer
// stored by one gateway is a hit on another.
func TestCacheRedisStoreSharedByGateways(t *testing.T) {
	rd := redistest.Start(t)
	origin, calls := policyOrigin(t)
	yaml := fmt.Sprintf(`
services:
  web: {endpoints: [%s]}
redis: {address: %s, timeout: 200ms}
cache: {store: redis}
routes:
  - match: {path_prefix: /}
    service: web
    cache: {}
`, origin.URL, rd.Addr)
	g1, _ := newGateway(t, yaml)
	g2, _ := newGateway(t, yaml)
	serve(g1, "GET", "http://example.com/shared", nil)
	w := serve(g2, "GET", "http://example.com/shared", nil)
	if w.Body.String() != "hello" || calls.Load() != 1 || w.Header().Get("Cache-Status") != "shoal; hit" {
		t.Fatalf("second gateway: %q %q, origin calls %d", w.Body, w.Header().Get("Cache-Status"), calls.Load())
	}
}

// TestRateLimitClientIPBehindTrustedProxy: behind a trusted proxy each
// forwarded client has its own bucket; from others the header is ignored.
func TestRateLimitClientIPBehindTrustedProxy(t *testing.T) {
	origin, _ := policyOrigin(t)
	g := New(Options{})
	t.Cleanup(g.Close)
	g.SetTrustedProxies([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	cfg := parse(t, fmt.Sprintf(`
services:
  web: {endpoints: [%s]}
routes:
  - match: {path_prefix: /}
    service: web
    rate_limit: {limits: [{requests: 1, per: 1h}]}
`, origin.URL))
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatal(err)
	}
	do := func(peer, xff string) int {
		r := httptest.NewRequest("GET", "http://example.com/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		return w.Code
	}
	if do("10.0.0.1:1000", "203.0.113.1") != 200 || do("10.0.0.1:1000", "203.0.113.2") != 200 {
		t.Fatal("two clients behind the trusted proxy share a bucket")
	}
	if do("10.0.0.1:1000", "203.0.113.1") != 429 {
		t.Fatal("a client behind the trusted proxy was not limited")
	}
	if do("198.51.100.7:1000", "203.0.113.9") != 200 || do("198.51.100.7:1000", "203.0.113.10") != 429 {
		t.Fatal("an untrusted peer's X-Forwarded-For was believed")
	}
}
