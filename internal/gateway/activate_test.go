package gateway

import (
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// A service Shoal scales holds requests while it has no instance, asks for
// one, and releases them the moment an instance joins the pool.
func TestScaledServiceHoldsUntilAnInstanceIsReady(t *testing.T) {
	o := origin(t, "woken", nil)
	g, _ := newGateway(t, "services:\n  lazy: {scale: {min: 0, max: 3, policy: kpa}}\nroutes: [{service: lazy}]\n")
	var wakes atomic.Int32
	woke := make(chan struct{}, 1)
	g.SetWaker("lazy", func() {
		wakes.Add(1)
		select {
		case woke <- struct{}{}:
		default:
		}
	})
	done := make(chan *httptest.ResponseRecorder, 3)
	for i := 0; i < 3; i++ {
		go func() { done <- serve(g, "GET", "/x", nil) }()
	}
	select {
	case <-woke:
	case <-time.After(2 * time.Second):
		t.Fatal("no wake-up for a service at zero")
	}
	time.Sleep(100 * time.Millisecond) // the requests are held, not failed
	select {
	case rec := <-done:
		t.Fatalf("request answered %d before any instance existed", rec.Code)
	default:
	}
	ready := time.Now()
	if err := g.SetSourceTargets("lazy", "local", []upstream.Target{{Address: strings.TrimPrefix(o.URL, "http://")}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rec := <-done
		if rec.Code != 200 || rec.Header().Get("X-Origin") != "woken" {
			t.Fatalf("held request: %d %q", rec.Code, rec.Body.String())
		}
		if rec.Header().Get("Shoal-Cold-Start") == "" {
			t.Error("a response that waited for a cold start must say so")
		}
	}
	if d := time.Since(ready); d > 500*time.Millisecond {
		t.Errorf("held requests released %v after the instance became ready", d)
	}
	if n := wakes.Load(); n != 1 {
		t.Errorf("wake called %d times for one shortage", n)
	}
	st, ok := g.ActivatorStats("lazy")
	if !ok || st.Released != 3 {
		t.Errorf("activator stats: %+v", st)
	}
	// A service without a scale block keeps its immediate 503.
	g2, _ := newGateway(t, "services:\n  fixed: {}\nroutes: [{service: fixed}]\n")
	if rec := serve(g2, "GET", "/x", nil); rec.Code != 503 {
		t.Errorf("unscaled service with no endpoint: %d", rec.Code)
	}
}
