package gateway

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/telemetry"
)

// origin is a test upstream that names itself in every answer.
func origin(t *testing.T, name string, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Origin", name)
		if h != nil {
			h(w, r)
			return
		}
		fmt.Fprintf(w, "%s %s %s", name, r.Method, r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return s
}

func parse(t *testing.T, yaml string) *config.Config { return mustParse(t, yaml) }

func mustParse(t testing.TB, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	return cfg
}

func newGateway(t *testing.T, yaml string) (*Gateway, *telemetry.Metrics) {
	t.Helper()
	m := telemetry.NewMetrics()
	g := New(Options{Metrics: m})
	t.Cleanup(g.Close)
	cfg := parse(t, yaml)
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return g, m
}

func serve(g http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func TestRoutingActionsAndErrors(t *testing.T) {
	web := origin(t, "web", nil)
	api := origin(t, "api", nil)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	g, m := newGateway(t, fmt.Sprintf(`
services:
  web: {endpoints: [%s]}
  api: {endpoints: [%s]}
  down: {endpoints: ["http://%s"]}
routes:
  - {name: api, match: {path_prefix: /api}, strip_prefix: true, service: api,
     request_headers: {set: {X-Env: test}}, response_headers: {set: {X-Gw: shoal}}}
  - {name: down, match: {path_prefix: /down}, service: down}
  - {name: shop, match: {host: shop.example.com}, service: web}
  - {name: moved, match: {path_exact: /old}, redirect: {path: /new, status: 308}}
  - {name: teapot, match: {path_exact: /tea}, direct_response: {status: 418, body: short and stout}}
`, web.URL, api.URL, deadAddr))

	rec := serve(g, "GET", "/api/users?x=1", nil)
	if rec.Code != 200 || rec.Body.String() != "api GET /users" || rec.Header().Get("X-Gw") != "shoal" {
		t.Errorf("api route: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	if rec := serve(g, "GET", "http://shop.example.com/cart", nil); rec.Body.String() != "web GET /cart" {
		t.Errorf("host route: %q", rec.Body.String())
	}
	rec = serve(g, "GET", "http://other.example.com/cart", nil)
	if rec.Code != 404 || rec.Header().Get("Shoal-Error") != "no-route" {
		t.Errorf("unrouted host: %d %q", rec.Code, rec.Header().Get("Shoal-Error"))
	}
	if rec := serve(g, "POST", "/old?q=1", nil); rec.Code != 308 || rec.Header().Get("Location") != "http://example.com/new?q=1" {
		t.Errorf("redirect: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := serve(g, "GET", "/tea", nil); rec.Code != 418 || rec.Body.String() != "short and stout" {
		t.Errorf("direct: %d %q", rec.Code, rec.Body.String())
	}
	rec = serve(g, "GET", "/down/x", nil)
	if rec.Code != 502 || rec.Header().Get("Shoal-Error") != "upstream-connect-failed" {
		t.Errorf("refused upstream: %d %q", rec.Code, rec.Header().Get("Shoal-Error"))
	}
	if got := testutil.ToFloat64(m.UpstreamError("down", "upstream-connect-failed")); got != 1 {
		t.Errorf("connect errors counted = %v", got)
	}
	if rec := serve(g, "GET", "/a/../api/x", nil); rec.Code != 400 {
		t.Errorf("dot-segment path: %d", rec.Code)
	}
	if rec := serve(g, "CONNECT", "/", nil); rec.Code != 405 {
		t.Errorf("CONNECT: %d", rec.Code)
	}
}

func TestNoEndpointIs503AndSlowIs504(t *testing.T) {
	slow := origin(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  empty: {}
  slow: {endpoints: [%s], timeouts: {response_header: 100ms}}
routes:
  - {match: {path_prefix: /empty}, service: empty}
  - {match: {path_prefix: /slow}, service: slow}
`, slow.URL))
	rec := serve(g, "GET", "/empty", nil)
	if rec.Code != 503 || rec.Header().Get("Shoal-Error") != "no-healthy-endpoint" || rec.Header().Get("Retry-After") == "" {
		t.Errorf("no endpoint: %d %v", rec.Code, rec.Header())
	}
	start := time.Now()
	rec = serve(g, "GET", "/slow", nil)
	if rec.Code != 504 || time.Since(start) > 3*time.Second {
		t.Errorf("slow upstream: %d after %v", rec.Code, time.Since(start))
	}
}

func TestReadWriteSplit(t *testing.T) {
	replica := origin(t, "replica", nil)
	primary := origin(t, "primary", nil)
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  replica: {endpoints: [%s]}
  primary: {endpoints: [%s]}
routes:
  - {read_service: replica, write_service: primary}
`, replica.URL, primary.URL))
	for method, want := range map[string]string{"GET": "replica", "HEAD": "replica", "OPTIONS": "replica", "POST": "primary", "PUT": "primary", "DELETE": "primary", "PATCH": "primary"} {
		if got := serve(g, method, "/x", nil).Header().Get("X-Origin"); got != want {
			t.Errorf("%s went to %q, want %q", method, got, want)
		}
	}
}

func TestBadReloadKeepsServingAndStateSurvives(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	entered := make(chan struct{}, 1)
	a := origin(t, "a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			entered <- struct{}{}
			<-release
		}
		io.WriteString(w, "a")
	})
	b := origin(t, "b", nil)
	cfg1 := fmt.Sprintf("services: {s: {endpoints: [%s]}}\nroutes: [{service: s}]\n", a.URL)
	g, m := newGateway(t, cfg1)

	// A request in flight across reloads keeps its endpoint's count.
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- serve(g, "GET", "/hold", nil) }()
	<-entered

	bad := parse(t, fmt.Sprintf("services: {s: {endpoints: [%s], balancer: {policy: ring_hash, hash_key: {source: header, name: X-User}}}}\nroutes: [{service: s}]\n", a.URL))
	bad.Dynamic.Routes[0].Service = "missing" // valid YAML, broken at compile time
	if err := g.Apply("bad.yaml", &bad.Dynamic); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("bad config accepted or unclear: %v", err)
	}
	if rec := serve(g, "GET", "/x", nil); rec.Body.String() != "a" {
		t.Fatalf("after failed reload: %q", rec.Body.String())
	}

	cfg2 := parse(t, fmt.Sprintf("services: {s: {endpoints: [%s, %s], balancer: {policy: least_request}}}\nroutes: [{service: s}]\n", a.URL, b.URL))
	if err := g.Apply(cfg2.File, &cfg2.Dynamic); err != nil {
		t.Fatal(err)
	}
	d, _ := g.Service("s")
	var inflight int64
	for _, ep := range d.Endpoints {
		if strings.HasSuffix(a.URL, ep.Address) {
			inflight = ep.InFlight
		}
	}
	if inflight != 1 {
		t.Errorf("in-flight count of endpoint a after reload = %d, want 1 (state must survive reloads)", inflight)
	}
	// least_request must now avoid the busy endpoint a.
	for i := 0; i < 20; i++ {
		if got := serve(g, "GET", "/y", nil).Header().Get("X-Origin"); got != "b" {
			t.Fatalf("least_request sent a request to the busy endpoint (%s)", got)
		}
	}
	once.Do(func() { close(release) })
	if rec := <-done; rec.Code != 200 {
		t.Errorf("held request finished with %d", rec.Code)
	}
	if got := testutil.ToFloat64(m.GatewayError("no_route")); got != 0 {
		t.Errorf("no_route counted %v times in a test that always routes", got)
	}
}
