package gateway

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// A reload that flips a route also changes both services' idle timeouts,
// so both backends are replaced and the old ones closed while requests
// routed under the old config still hold them. Every request must still
// be answered by an origin (the reload-under-load check once saw one 503
// no-healthy-endpoint in 12 000).
func TestReloadUnderTrafficAnswersEveryRequest(t *testing.T) {
	a := origin(t, "a", nil)
	b := origin(t, "b", nil)
	cfgFor := func(svc string) string {
		return fmt.Sprintf(`
listen: [127.0.0.1:0]
services:
  a:
    endpoints: [%s]
  b:
    endpoints: [%s]
routes:
  - match: {path_prefix: /}
    service: %s
`, a.URL, b.URL, svc)
	}
	g, _ := newGateway(t, cfgFor("a"))
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
		cfg := parse(t, cfgFor(svc))
		if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
			t.Fatal(err)
		}
		if g.services[svc] != before {
			replaced++
		}
	}
	close(stop)
	wg.Wait()
	if replaced == 0 {
		t.Fatal("no reload replaced a backend: the test does not exercise closing one under traffic")
	}
	if bad.Load() > 0 {
		t.Fatalf("%d of %d requests failed across %d reloads (last: %v)", bad.Load(), bad.Load()+ok.Load(), 1000, lastBad.Load())
	}
	if ok.Load() == 0 {
		t.Fatal("no request was served while reloading")
	}
}
