package cache

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// origin counts its calls and answers with what respond says.
type origin struct {
	calls   atomic.Int64
	respond func(w http.ResponseWriter, r *http.Request)
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.calls.Add(1)
	o.respond(w, r)
}

func setup(t *testing.T, respond func(http.ResponseWriter, *http.Request), o Options) (http.Handler, *origin, *clock, *Stats) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	org := &origin{respond: respond}
	if o.Store == nil {
		o.Store = NewMemory(1 << 20)
	}
	o.Now, o.Stats = clk.now, &Stats{}
	return New(o)(org), org, clk, o.Stats
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "http://example.com"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestFreshThenStaleRevalidatedWith304(t *testing.T) {
	h, org, clk, st := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=10")
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.Header().Set("X-Updated", "yes")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte("body"))
	}, Options{})
	get(h, "/a")
	clk.add(5 * time.Second)
	w := get(h, "/a")
	if org.calls.Load() != 1 || w.Body.String() != "body" || w.Header().Get("Age") != "5" {
		t.Fatalf("fresh hit: calls %d body %q age %q", org.calls.Load(), w.Body, w.Header().Get("Age"))
	}
	clk.add(10 * time.Second)
	w = get(h, "/a")
	if org.calls.Load() != 2 || w.Code != 200 || w.Body.String() != "body" || w.Header().Get("X-Updated") != "yes" {
		t.Fatalf("after 304: calls %d code %d body %q hdr %v", org.calls.Load(), w.Code, w.Body, w.Header())
	}
	if st.Revalidated.Load() != 1 || st.Hits.Load() != 1 {
		t.Fatalf("stats hits %d revalidated %d", st.Hits.Load(), st.Revalidated.Load())
	}
	// The client's own validator matches the stored ETag: 304 from cache.
	if w := get(h, "/a", "If-None-Match", `"v1"`); w.Code != http.StatusNotModified || org.calls.Load() != 2 {
		t.Fatalf("conditional hit: %d, calls %d", w.Code, org.calls.Load())
	}
}

func TestVaryKeepsVariantsApart(t *testing.T) {
	h, org, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Language")
		_, _ = w.Write([]byte(r.Header.Get("Accept-Language")))
	}, Options{})
	for _, lang := range []string{"en", "fr", "en", "fr"} {
		if w := get(h, "/v", "Accept-Language", lang); w.Body.String() != lang {
			t.Fatalf("asked %s, got %q", lang, w.Body)
		}
	}
	if org.calls.Load() != 2 {
		t.Fatalf("origin calls %d, want 2 (one per variant)", org.calls.Load())
	}
}

func TestUnsafeMethodInvalidates(t *testing.T) {
	n := 0
	h, org, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = w.Write([]byte(strconv.Itoa(n)))
	}, Options{})
	get(h, "/x")
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "http://example.com/x", nil))
	if w := get(h, "/x"); w.Body.String() != "3" || org.calls.Load() != 3 {
		t.Fatalf("after POST: body %q calls %d, want a fresh fetch", w.Body, org.calls.Load())
	}
}

func TestNoStorePrivateAndAuthorization(t *testing.T) {
	for _, c := range []struct {
		cc   string
		auth bool
	}{{"no-store", false}, {"private, max-age=60", false}, {"max-age=60", true}} {
		h, org, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", c.cc)
		}, Options{})
		var hdr []string
		if c.auth {
			hdr = []string{"Authorization", "Bearer x"}
		}
		get(h, "/p", hdr...)
		get(h, "/p", hdr...)
		if org.calls.Load() != 2 {
			t.Errorf("%q auth=%v: stored (origin called %d times)", c.cc, c.auth, org.calls.Load())
		}
	}
}

func TestStaleIfErrorServesWhileOriginIsDown(t *testing.T) {
	var down atomic.Bool
	h, _, clk, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Cache-Control", "max-age=1")
		_, _ = w.Write([]byte("ok"))
	}, Options{StaleIfError: time.Hour})
	get(h, "/s")
	down.Store(true)
	clk.add(10 * time.Minute)
	if w := get(h, "/s"); w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("origin down, within stale_if_error: %d %q", w.Code, w.Body)
	}
	clk.add(2 * time.Hour)
	if w := get(h, "/s"); w.Code != http.StatusBadGateway {
		t.Fatalf("past stale_if_error: %d, want the origin's 502", w.Code)
	}
}

func TestStaleWhileRevalidateAnswersAtOnce(t *testing.T) {
	var version atomic.Int64
	version.Store(1)
	h, org, clk, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=1, stale-while-revalidate=60")
		_, _ = w.Write([]byte(strconv.FormatInt(version.Load(), 10)))
	}, Options{})
	get(h, "/w")
	version.Store(2)
	clk.add(5 * time.Second)
	if w := get(h, "/w"); w.Body.String() != "1" {
		t.Fatalf("within stale-while-revalidate: %q, want the stale 1", w.Body)
	}
	deadline := time.Now().Add(2 * time.Second)
	for org.calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		if w := get(h, "/w"); w.Body.String() == "2" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the background revalidation never stored version 2")
}

func TestConcurrentMissesMakeOneOriginRequest(t *testing.T) {
	release := make(chan struct{})
	h, org, _, st := setup(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = w.Write([]byte("shared"))
	}, Options{})
	var wg sync.WaitGroup
	bodies := make([]string, 20)
	for i := range bodies {
		wg.Add(1)
		go func() { defer wg.Done(); bodies[i] = get(h, "/c").Body.String() }()
	}
	// Let the followers queue behind the leader before the origin answers.
	for st.Misses.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if org.calls.Load() != 1 {
		t.Fatalf("origin calls %d, want 1", org.calls.Load())
	}
	for i, b := range bodies {
		if b != "shared" {
			t.Fatalf("request %d got %q", i, b)
		}
	}
}

func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	m := NewMemory(3000)
	mk := func(k string) *Entry {
		return &Entry{Key: k, Status: 200, Header: http.Header{}, Body: make([]byte, 700)}
	}
	m.Put(mk("a"))
	m.Put(mk("b"))
	m.Put(mk("c"))
	m.Get("a") // a is now more recent than b
	m.Put(mk("d"))
	if m.Bytes() > 3000 {
		t.Fatalf("store holds %d bytes, bound 3000", m.Bytes())
	}
	if len(m.Get("b")) != 0 || len(m.Get("a")) != 1 || len(m.Get("d")) != 1 {
		t.Fatal("the least recently used entry (b) should have gone")
	}
	if n := m.Purge(""); n != 3 || m.Bytes() != 0 {
		t.Fatalf("purge removed %d, %d bytes left", n, m.Bytes())
	}
}

func TestAuthenticatedCallersShareOnlyPublicAnswers(t *testing.T) {
	for cc, wantCalls := range map[string]int64{"max-age=60": 2, "public, max-age=60": 1} {
		org := &origin{respond: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", cc) }}
		h := New(Options{Store: NewMemory(1 << 20), Authenticated: func(*http.Request) bool { return true }})(org)
		get(h, "/me")
		get(h, "/me")
		if org.calls.Load() != wantCalls {
			t.Errorf("%q behind auth: origin called %d times, want %d", cc, org.calls.Load(), wantCalls)
		}
	}
}

func TestSetCookieNeedsExplicitFreshness(t *testing.T) {
	for cc, wantCalls := range map[string]int64{"": 2, "max-age=60": 1} {
		org := &origin{respond: func(w http.ResponseWriter, r *http.Request) {
			if cc != "" {
				w.Header().Set("Cache-Control", cc)
			}
			w.Header().Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
			w.Header().Set("Set-Cookie", "session=abc")
		}}
		h := New(Options{Store: NewMemory(1 << 20)})(org)
		get(h, "/sc")
		get(h, "/sc")
		if org.calls.Load() != wantCalls {
			t.Errorf("Set-Cookie with Cache-Control %q: origin called %d times, want %d", cc, org.calls.Load(), wantCalls)
		}
	}
}

func TestUnsafeAndUpgradeRequestsPassStraightThrough(t *testing.T) {
	h := New(Options{Store: NewMemory(1 << 20)})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("x"))
		w.Header().Set("Grpc-Status", "0")
		if _, ok := w.(http.Hijacker); !ok && http.NewResponseController(w).Flush() != nil {
			t.Error("the writer hides the client's flusher")
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/grpc", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Trailer.Get("Grpc-Status") != "0" {
		t.Fatalf("trailer lost through the cache: %v", resp.Trailer)
	}
}

func TestRangeServedFromStoredResponse(t *testing.T) {
	h, org, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("0123456789"))
	}, Options{})
	get(h, "/r")
	w := get(h, "/r", "Range", "bytes=2-4")
	if w.Code != http.StatusPartialContent || w.Body.String() != "234" || w.Header().Get("Content-Range") != "bytes 2-4/10" {
		t.Fatalf("range from the store: %d %q %v", w.Code, w.Body, w.Header())
	}
	if org.calls.Load() != 1 {
		t.Fatalf("origin called %d times, want 1", org.calls.Load())
	}
}
