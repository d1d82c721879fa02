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

// The scale block's activator keys take effect: beyond queue_limit a request
// is refused at once, and wait_timeout bounds the wait.
func TestActivatorKeys(t *testing.T) {
	g, _ := newGateway(t, "services:\n  lazy: {scale: {min: 0, max: 1, policy: kpa, queue_limit: 1, wait_timeout: 300ms}}\nroutes: [{service: lazy}]\n")
	g.SetWaker("lazy", func() {})
	first := make(chan *httptest.ResponseRecorder, 1)
	go func() { first <- serve(g, "GET", "/x", nil) }()
	time.Sleep(50 * time.Millisecond)
	rec := serve(g, "GET", "/y", nil)
	if rec.Code != 503 || rec.Header().Get("Shoal-Error") != "activator-queue-full" || rec.Header().Get("Retry-After") == "" {
		t.Errorf("beyond queue_limit: %d %q", rec.Code, rec.Header().Get("Shoal-Error"))
	}
	start := time.Now()
	rec = <-first
	if rec.Code != 503 || rec.Header().Get("Shoal-Error") != "activator-timeout" {
		t.Errorf("held past wait_timeout: %d %q", rec.Code, rec.Header().Get("Shoal-Error"))
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("the held request waited %v beyond the test's own wait", waited)
	}
}
