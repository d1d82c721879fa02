package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDefaultIdleTimeoutCostsNoRouteLayer(t *testing.T) {
	cfg := parse(t, `
services:
  web: {endpoints: [http://127.0.0.1:1]}
  sse: {endpoints: [http://127.0.0.1:2]}
  grpc: {endpoints: [http://127.0.0.1:3], upstream: {protocol: h2c}}
routes:
  - {match: {path_prefix: /web}, service: web}
  - {match: {path_prefix: /short}, service: web, timeouts: {idle: 10s}}
  - {match: {path_prefix: /events}, service: sse, timeouts: {idle: 0s}}
  - {match: {path_prefix: /sse}, service: sse}
  - {match: {path_prefix: /grpc}, service: grpc}
`)
	d := &cfg.Dynamic
	for _, c := range []struct {
		route int
		want  time.Duration
	}{
		{0, 0},                // the default: the connections enforce it
		{1, 10 * time.Second}, // shorter than its service's connections
		{2, 0},                // off
		{3, 5 * time.Minute},  // its service has a route with idle off
		{4, 5 * time.Minute},  // HTTP/2 connections are shared
	} {
		if got := routeIdle(d.Routes[c.route], d); got != c.want {
			t.Errorf("route %d: per-request idle %s, want %s", c.route, got, c.want)
		}
	}
	topts := func(s string) time.Duration {
		sc := d.Services[s]
		return connIdleTimeout(s, d, transportOptions(sc.Timeouts, d.Defaults.Timeouts, sc))
	}
	if topts("web") != 5*time.Minute || topts("sse") != 0 || topts("grpc") != 0 {
		t.Errorf("connection idle: web %s sse %s grpc %s", topts("web"), topts("sse"), topts("grpc"))
	}
	// A route with nothing but defaults gets no resilience layer at all.
	g := New(Options{})
	defer g.Close()
	mw, err := buildResilience(g, "route-0", d.Routes[0], d)
	if err != nil || mw != nil {
		t.Fatalf("defaults-only route has a resilience layer (err %v)", err)
	}
}

func TestConnectionIdleTimeoutCutsStalledBody(t *testing.T) {
	o := countingOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // then silence
	})
	// idle 200ms is not shorter than the connection's (max of idle and
	// response_header), so only the connection enforces it.
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s], timeouts: {response_header: 100ms}}
routes:
  - service: api
    timeouts: {idle: 200ms}
`, o.srv.URL))
	expectStartThenCut(t, g)
}

// expectStartThenCut gets / through g from an origin that writes "start"
// and then goes silent: the body must be "start" followed by an error, the
// idle timeout cutting the response.
func expectStartThenCut(t *testing.T, g http.Handler) {
	t.Helper()
	srv := httptest.NewServer(g)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil || string(body) != "start" {
		t.Fatalf("body %q err %v; want the start and then a cut", body, err)
	}
}
