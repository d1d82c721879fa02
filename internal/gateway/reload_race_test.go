package gateway

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// reloadConfig routes / to svc, with both services' connect timeout set to
// connect (a transport option: changing it replaces the backends).
func reloadConfig(a, b, svc, connect string) string {
	return fmt.Sprintf(`
listen: [127.0.0.1:0]
services:
  a:
    endpoints: [%s]
    timeouts: {connect: %s}
  b:
    endpoints: [%s]
    timeouts: {connect: %s}
routes:
  - match: {path_prefix: /}
    service: %s
`, a, connect, b, connect, svc)
}

// A reload that changes a service's transport options replaces its backend
// and closes the old one while requests routed under the old config still
// hold it. Every request must still be answered by an origin (the
// reload-under-load check once saw one 503 no-healthy-endpoint in 12 000).
func TestReloadUnderTrafficAnswersEveryRequest(t *testing.T) {
	a := origin(t, "a", nil)
	b := origin(t, "b", nil)
	g, _ := newGateway(t, reloadConfig(a.URL, b.URL, "a", "2s"))
	var ok, bad atomic.Int64
	var lastBad atomic.Value
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if rr := serve(g, "GET", "/", nil); rr.Code == 200 {
					ok.Add(1)
				} else {
					bad.Add(1)
					lastBad.Store(fmt.Sprintf("%d %s", rr.Code, rr.Body.String()))
				}
			}
		}()
	}
	replaced := 0
	for i := range 1000 {
		svc := []string{"b", "a"}[i%2]
		before := g.services[svc]
		cfg := parse(t, reloadConfig(a.URL, b.URL, svc, []string{"1s", "2s"}[i%2]))
		if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
			t.Fatal(err)
		}
		if g.services[svc] != before {
			replaced++
		}
	}
	close(stop)
	wg.Wait()
	if replaced < 1000 {
		t.Fatalf("%d of 1000 reloads replaced the backend: the test does not exercise closing one under traffic", replaced)
	}
	if bad.Load() > 0 {
		t.Fatalf("%d of %d requests failed across %d reloads (last: %v)", bad.Load(), bad.Load()+ok.Load(), 1000, lastBad.Load())
	}
	if ok.Load() == 0 {
		t.Fatal("no request was served while reloading")
	}
}

// Flipping a route from one service to another (blue/green) keeps both
// services' backends and their warm connections: the idle timeout a route
// gives its services' connections does not matter to a service no route
// reaches.
func TestRouteFlipKeepsBackends(t *testing.T) {
	a := origin(t, "a", nil)
	b := origin(t, "b", nil)
	cfg := reloadConfig(a.URL, b.URL, "a", "2s") + "    timeouts: {idle: 30s}\n"
	g, _ := newGateway(t, cfg)
	flip := func(svc string) {
		c := parse(t, reloadConfig(a.URL, b.URL, svc, "2s")+"    timeouts: {idle: 30s}\n")
		if err := g.Apply(c.File, &c.Dynamic); err != nil {
			t.Fatal(err)
		}
	}
	flip("b") // b's first route: its idle timeout is set once
	ba, bb := g.services["a"], g.services["b"]
	for i := range 4 {
		flip([]string{"a", "b"}[i%2])
		if g.services["a"] != ba || g.services["b"] != bb {
			t.Fatalf("flip %d replaced a backend (a %v, b %v)", i, g.services["a"] != ba, g.services["b"] != bb)
		}
		if rr := serve(g, "GET", "/", nil); rr.Code != 200 || rr.Header().Get("X-Origin") != []string{"a", "b"}[i%2] {
			t.Fatalf("flip %d: %d from %q", i, rr.Code, rr.Header().Get("X-Origin"))
		}
	}
	// A real change to a transport option still replaces the backend.
	c := parse(t, reloadConfig(a.URL, b.URL, "b", "1s"))
	if err := g.Apply(c.File, &c.Dynamic); err != nil {
		t.Fatal(err)
	}
	if g.services["a"] == ba || g.services["b"] == bb {
		t.Fatal("a new connect timeout kept the old backends")
	}
}
