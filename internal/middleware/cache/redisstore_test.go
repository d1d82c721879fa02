package cache

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoal-gw/shoal/internal/middleware/ratelimit/redistest"
)

// Two caches (two gateways) over one redis-server share stored answers.
func TestRedisStoreSharedByTwoCaches(t *testing.T) {
	srv := redistest.Start(t)
	n := 0
	var hs [2]http.Handler
	var org *origin
	for i := range hs {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr})
		t.Cleanup(func() { c.Close() })
		o := &origin{respond: func(w http.ResponseWriter, r *http.Request) {
			n++
			w.Header().Set("Cache-Control", "max-age=60")
			w.Header().Set("Vary", "Accept")
			w.Header().Set("Surrogate-Control", "max-age=120")
			_, _ = w.Write([]byte(strconv.Itoa(n) + r.Header.Get("Accept")))
		}}
		if i == 0 {
			org = o
		}
		hs[i] = New(Options{Store: NewRedisStore(c, time.Second, time.Hour, nil)})(o)
	}
	if w := get(hs[0], "/r", "Accept", "a"); w.Body.String() != "1a" || w.Header().Get("Surrogate-Control") != "" {
		t.Fatalf("first: %q %v", w.Body, w.Header())
	}
	w := get(hs[1], "/r", "Accept", "a")
	if w.Body.String() != "1a" || w.Header().Get("Cache-Status") != "shoal; hit" {
		t.Fatalf("second gateway: %q %q, want the first gateway's stored answer", w.Body, w.Header().Get("Cache-Status"))
	}
	if w := get(hs[1], "/r", "Accept", "b"); w.Body.String() != "2b" {
		t.Fatalf("other variant: %q", w.Body)
	}
	store := NewRedisStore(redis.NewClient(&redis.Options{Addr: srv.Addr}), time.Second, time.Hour, nil)
	if e := store.Get("http://example.com/r"); len(e) != 2 || lifetime(e[0]) != 120*time.Second {
		t.Fatalf("stored variants %d, want 2 with the surrogate lifetime", len(e))
	}
	if got := store.Purge("http://example.com/"); got != 2 {
		t.Fatalf("purge removed %d variants, want 2", got)
	}
	if get(hs[0], "/r", "Accept", "a"); org.calls.Load() != 2 {
		t.Fatalf("after purge the first gateway's origin was called %d times, want 2", org.calls.Load())
	}
	srv.Kill()
	if w := get(hs[0], "/r", "Accept", "a"); w.Code != 200 {
		t.Fatalf("with Redis gone the cache must pass requests on: %d", w.Code)
	}
}
