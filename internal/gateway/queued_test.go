package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// A scaled service's signals measure the activator's queue (what waited for
// the cold start shows as Queued); an unscaled one, which holds nothing,
// leaves the queue unmeasured.
func TestSignalsMeasureTheActivatorQueue(t *testing.T) {
	o := origin(t, "woken", nil)
	g, _ := newGateway(t, "services:\n  lazy: {scale: {min: 0, max: 3, policy: kpa}}\n  fixed: {}\nroutes: [{service: lazy, match: {path_prefix: /lazy}}, {service: fixed}]\n")
	sent := time.Now()
	done := make(chan int, 1)
	go func() { done <- serve(g, "GET", "/lazy", nil).Code }()
	deadline := time.Now().Add(2 * time.Second)
	for st, _ := g.ActivatorStats("lazy"); st.Held == 0; st, _ = g.ActivatorStats("lazy") {
		if time.Now().After(deadline) {
			t.Fatal("the request was not held")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if err := g.SetSourceTargets("lazy", "local", []upstream.Target{{Address: strings.TrimPrefix(o.URL, "http://")}}); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 200 {
		t.Fatalf("held request: %d", code)
	}
	answered := time.Since(sent).Seconds()
	serve(g, "GET", "/other", nil)

	// The seconds are handed out once they are over (plus a settle delay).
	var lazy, fixed []autoscale.Sample
	for deadline = time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		lazy = append(lazy, g.Signals("lazy").Drain(time.Now())...)
		fixed = append(fixed, g.Signals("fixed").Drain(time.Now())...)
		if queued(lazy) >= 0.29 && sumArrivals(fixed) > 0 {
			break
		}
	}
	if q := queued(lazy); q < 0.29 || q > answered {
		t.Errorf("lazy: %.3f request-seconds queued, want the ≥ 0.3 s the request was held, at most the %.3f s it took: %+v", q, answered, lazy)
	}
	for _, s := range lazy {
		if !s.QueueMeasured {
			t.Errorf("lazy: %+v, want the queue measured", s)
		}
	}
	if sumArrivals(fixed) == 0 {
		t.Fatal("fixed: no second with its request handed out")
	}
	for _, s := range fixed {
		if s.QueueMeasured {
			t.Errorf("fixed: %+v, want the queue not measured (no activator)", s)
		}
	}
}

func queued(xs []autoscale.Sample) float64 {
	q := 0.0
	for _, s := range xs {
		q += s.Queued
	}
	return q
}

func sumArrivals(xs []autoscale.Sample) float64 {
	n := 0.0
	for _, s := range xs {
		n += s.Arrivals
	}
	return n
}
