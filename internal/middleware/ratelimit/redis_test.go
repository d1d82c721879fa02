package ratelimit

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/middleware/ratelimit/redistest"
)

// gatewayPair builds two independent limiters (own client, own local
// store) sharing one Redis, as two gateways would.
func gatewayPair(t *testing.T, addr string, failOpen bool, limits []Limit) [2]http.Handler {
	var hs [2]http.Handler
	for i := range hs {
		c := NewRedisClient(addr, "", 0, 100*time.Millisecond)
		t.Cleanup(func() { c.Close() })
		key, _ := KeySpec{Parts: []string{"header:X-User"}}.Build()
		mw, err := New(Options{Policy: "r", Limits: limits, Key: key, Store: NewRedis(c, RedisOptions{Timeout: 100 * time.Millisecond}),
			Local: NewLocal(nil), FailOpen: failOpen, Headers: true})
		if err != nil {
			t.Fatal(err)
		}
		hs[i] = mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	}
	return hs
}

// burst sends n requests spread over both handlers from 8 goroutines and
// counts the answers by status.
func burst(hs [2]http.Handler, n int) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("X-User", "alice")
				w := httptest.NewRecorder()
				hs[i%2].ServeHTTP(w, r)
				mu.Lock()
				got[w.Code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return got
}

var hourly = []Limit{{Name: "hour", Count: 500, Period: time.Hour}}

func TestRedisSharedAccuracy(t *testing.T) {
	srv := redistest.Start(t)
	hs := gatewayPair(t, srv.Addr, false, hourly)
	got := burst(hs, 1000)
	within(t, "two gateways, 500/h", got[200], 500, 0.01)
	if got[429]+got[200] != 1000 {
		t.Fatalf("answers %v, want only 200 and 429", got)
	}
}

func TestRedisSeveralLimitsOneScript(t *testing.T) {
	srv := redistest.Start(t)
	s := NewRedis(NewRedisClient(srv.Addr, "", 0, 0), RedisOptions{})
	limits := []Limit{{Name: "sec", Count: 1000, Period: time.Second}, {Name: "day", Count: 3, Period: 24 * time.Hour}}
	n := 0
	for range 10 {
		d, err := s.Take(context.Background(), "k", limits)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("admitted %d, want 3", n)
	}
	d, _ := s.Take(context.Background(), "k", limits)
	if d.RetryAfter < time.Hour || d.States[1].Remaining != 0 || d.States[0].Remaining < 990 {
		t.Fatalf("decision %+v: want a long retry, no daily quota left and the per-second quota untouched", d)
	}
}

func TestRedisKilledFailClosed(t *testing.T) {
	srv := redistest.Start(t)
	hs := gatewayPair(t, srv.Addr, false, hourly)
	if got := burst(hs, 200); got[200] != 200 {
		t.Fatalf("before the kill: %v", got)
	}
	srv.Kill()
	start := time.Now()
	got := burst(hs, 200)
	if got[503] != 200 {
		t.Fatalf("fail-closed after the kill: %v, want 200 × 503", got)
	}
	// Not a speed goal, a hang detector: 200 refusals with a 100ms timeout
	// and a back-off would take seconds only if every request waited.
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("refusals took %s: requests waited for the dead store", el)
	}
}

func TestRedisKilledFailOpenUsesLocalLimit(t *testing.T) {
	srv := redistest.Start(t)
	hs := gatewayPair(t, srv.Addr, true, hourly)
	if got := burst(hs, 400); got[200] != 400 {
		t.Fatalf("before the kill: %v", got)
	}
	srv.Kill()
	// Each gateway now enforces 500/h by itself: 1200 requests over two
	// gateways admit 2×500.
	got := burst(hs, 1200)
	within(t, "fail-open local limits", got[200], 1000, 0.01)
	if got[503] != 0 {
		t.Fatalf("fail-open answered 503: %v", got)
	}
}

// TestRedisBlackHoleDoesNotHang: a server that accepts connections and
// never answers (a hung Redis, a dropped network) costs one timeout, then
// the back-off answers at once; fail-open keeps admitting by the local limit.
func TestRedisBlackHoleDoesNotHang(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	hs := gatewayPair(t, l.Addr().String(), true, []Limit{{Name: "h", Count: 50, Period: time.Hour}})
	done := make(chan map[int]int, 1)
	go func() { done <- burst([2]http.Handler{hs[0], hs[0]}, 100) }()
	select {
	case got := <-done:
		if got[200] != 50 || got[429] != 50 {
			t.Fatalf("black-holed Redis, fail-open: %v, want 50 admitted by the local limit", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("requests hung on a Redis that never answers")
	}
}
