package fault

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestAbortByHeaderAndPercent(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	h := Middleware(Options{Status: 503, AbortRule: Rule{Header: "X-Chaos"}})(next)
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("no header: got %d", w.Code)
	}
	r.Header.Set("X-Chaos", "1")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 503 || w.Header().Get("Shoal-Error") != "fault-injected" {
		t.Fatalf("with header: got %d", w.Code)
	}
	all := Middleware(Options{Status: 500, AbortRule: Rule{Percent: 100}})(next)
	w = httptest.NewRecorder()
	all.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 {
		t.Fatalf("100%%: got %d", w.Code)
	}
}

func TestDelay(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := Middleware(Options{Delay: 30 * time.Millisecond, DelayRule: Rule{Percent: 100}})(next)
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("delay %s, want at least 30ms", d)
	}
}

func TestCountsInjectedFaults(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	var c Counts
	h := Middleware(Options{
		Delay: time.Millisecond, DelayRule: Rule{Header: "X-Delay"},
		Status: 503, AbortRule: Rule{Header: "X-Abort"}, Counts: &c,
	})(next)
	for _, hdr := range []string{"", "X-Delay", "X-Abort", "X-Abort", "X-Delay"} {
		r := httptest.NewRequest("GET", "/", nil)
		if hdr != "" {
			r.Header.Set(hdr, "1")
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if c.Delayed.Load() != 2 || c.Aborted.Load() != 2 {
		t.Fatalf("delayed %d aborted %d, want 2 and 2", c.Delayed.Load(), c.Aborted.Load())
	}
}
