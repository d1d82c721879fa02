package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/testclock"
)

func TestHandlerHeadersAnd429(t *testing.T) {
	clk := testclock.New(time.Unix(1_700_000_000, 0))
	key, _ := KeySpec{Parts: []string{"client_ip", "route"}, Route: "api"}.Build()
	mw, err := New(Options{Policy: "api", Key: key, Local: NewLocal(clk.Now), Headers: true,
		Limits: []Limit{{Name: "per-second", Count: 2, Period: time.Second}, {Name: "per-day", Count: 1000, Period: 24 * time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	do := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w
	}
	w := do()
	if w.Code != 200 || w.Header().Get("RateLimit-Policy") != `"per-second";q=2;w=1, "per-day";q=1000;w=86400` ||
		w.Header().Get("RateLimit") != `"per-second";r=1;t=1` {
		t.Fatalf("first answer %d %v", w.Code, w.Header())
	}
	do()
	w = do()
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || w.Header().Get("RateLimit") != `"per-second";r=0;t=1` {
		t.Fatalf("third answer %d %v, want 429 with Retry-After 1", w.Code, w.Header())
	}
	clk.Add(500 * time.Millisecond)
	if w := do(); w.Code != 200 {
		t.Fatalf("after half a second: %d, want 200", w.Code)
	}
}

func TestMissingKeyPartIsNotLimited(t *testing.T) {
	key, _ := KeySpec{Parts: []string{"header:X-Api-Key"}}.Build()
	mw, _ := New(Options{Key: key, Local: NewLocal(nil), Limits: []Limit{{Name: "x", Count: 1, Period: time.Hour}}})
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 200 {
			t.Fatalf("request without the key header: %d", w.Code)
		}
	}
}

func TestClientIPTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct{ remote, xff, want string }{
		{"203.0.113.9:1234", "1.2.3.4", "203.0.113.9"},             // untrusted peer: header ignored
		{"10.0.0.1:1234", "1.2.3.4", "1.2.3.4"},                    // one trusted hop
		{"10.0.0.1:1234", "6.6.6.6, 1.2.3.4, 10.0.0.7", "1.2.3.4"}, // forged left part ignored
		{"10.0.0.1:1234", "", "10.0.0.1"},
		{"10.0.0.1:1234", "junk", "10.0.0.1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := ClientIP(r, trusted); got != c.want {
			t.Errorf("%s xff %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

func TestClaimKey(t *testing.T) {
	claim := func(r *http.Request, name string) (string, bool) {
		v := r.Header.Get("Test-" + name)
		return v, v != ""
	}
	key, err := KeySpec{Parts: []string{"claim:sub", "header:X-A"}, Claim: claim}.Build()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Test-sub", "u1")
	r.Header.Set("X-A", "v")
	if k, ok := key(r); !ok || k != "u1|v" {
		t.Fatalf("key %q %v", k, ok)
	}
	if _, err := (KeySpec{Parts: []string{"cookie:x"}}).Build(); err == nil {
		t.Fatal("unknown key part accepted")
	}
}

func TestConcurrencyLimitPerKey(t *testing.T) {
	key, _ := KeySpec{Parts: []string{"header:X-User"}}.Build()
	in := NewInflight()
	mw, err := New(Options{Policy: "p", Key: key, Local: NewLocal(nil), Concurrency: 2, Inflight: in})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { entered <- struct{}{}; <-release }))
	do := func(user string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	codes := make(chan int, 2)
	for range 2 {
		go func() { codes <- do("a") }()
	}
	<-entered
	<-entered
	if c := do("a"); c != http.StatusTooManyRequests {
		t.Fatalf("third concurrent request of a: %d, want 429", c)
	}
	go func() { codes <- do("b") }()
	<-entered // b has its own slots
	close(release)
	for range 2 {
		if c := <-codes; c != 200 {
			t.Fatalf("held request: %d", c)
		}
	}
	<-codes
	if in.Len() != 0 {
		t.Fatalf("%d keys still hold slots after every request ended", in.Len())
	}
}
