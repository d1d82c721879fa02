package idempotency

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newStore() *Store {
	return New(Options{TTL: time.Minute, MaxEntries: 10, MaxBodyBytes: 1024})
}

func post(h http.Handler, key, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/orders", strings.NewReader(body))
	if key != "" {
		r.Header.Set("Idempotency-Key", key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRepeatIsReplayed(t *testing.T) {
	var n atomic.Int64
	h := newStore().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Order", "1")
		w.WriteHeader(201)
		w.Write([]byte("created " + string(rune('0'+n.Add(1)))))
	}))
	a := post(h, "k", "x")
	b := post(h, "k", "x")
	if n.Load() != 1 {
		t.Fatalf("service ran %d times", n.Load())
	}
	if b.Code != 201 || b.Body.String() != a.Body.String() || b.Header().Get("X-Order") != "1" || b.Header().Get(ReplayedHeader) != "true" {
		t.Fatalf("replay: %d %q %v", b.Code, b.Body.String(), b.Header())
	}
	if a.Header().Get(ReplayedHeader) != "" {
		t.Fatal("first answer marked replayed")
	}
	// No key: always runs.
	post(h, "", "x")
	if n.Load() != 2 {
		t.Fatal("request without key was not run")
	}
	// Same key, other body: refused.
	if w := post(h, "k", "y"); w.Code != 422 {
		t.Fatalf("reused key: %d", w.Code)
	}
}

func TestConcurrentRepeatWaitsForFirst(t *testing.T) {
	var n atomic.Int64
	release := make(chan struct{})
	st := newStore()
	h := st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		<-release
		w.Write([]byte("done"))
	}))
	var wg sync.WaitGroup
	res := make([]*httptest.ResponseRecorder, 5)
	for i := range res {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = post(h, "k", "x") }()
	}
	// Release the first once the four repeats are waiting for it.
	for deadline := time.Now().Add(5 * time.Second); st.waits.Load() < 4 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n.Load() != 1 {
		t.Fatalf("service ran %d times for 5 concurrent repeats", n.Load())
	}
	for _, w := range res {
		if w.Body.String() != "done" {
			t.Fatalf("answer %q", w.Body.String())
		}
	}
	// The four repeats waited and were replayed; one more repeat is a
	// replay without a wait.
	if s := st.Stats(); s.Waits != 4 || s.Replays != 4 || s.Keys != 1 {
		t.Fatalf("stats %+v, want 4 waits and 4 replays", s)
	}
	post(h, "k", "x")
	if s := st.Stats(); s.Waits != 4 || s.Replays != 5 {
		t.Fatalf("stats after a late repeat %+v", s)
	}
}

func TestServerErrorFreesKey(t *testing.T) {
	var n atomic.Int64
	h := newStore().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		w.Write([]byte("ok"))
	}))
	if w := post(h, "k", "x"); w.Code != 503 {
		t.Fatal(w.Code)
	}
	if w := post(h, "k", "x"); w.Code != 200 || n.Load() != 2 {
		t.Fatalf("retry after 503: %d, ran %d", w.Code, n.Load())
	}
}

func TestExpiryAndCapacity(t *testing.T) {
	now := time.Unix(0, 0)
	s := New(Options{TTL: time.Second, MaxEntries: 1, MaxBodyBytes: 1024, Now: func() time.Time { return now }})
	var n atomic.Int64
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	post(h, "a", "")
	post(h, "b", "") // no room: runs uncached
	post(h, "b", "")
	if n.Load() != 3 || s.Len() != 1 {
		t.Fatalf("ran %d, held %d", n.Load(), s.Len())
	}
	now = now.Add(2 * time.Second)
	post(h, "a", "")
	if n.Load() != 4 {
		t.Fatal("expired answer was replayed")
	}
}
