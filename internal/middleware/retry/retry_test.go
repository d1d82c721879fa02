package retry

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestBudgetCapsRetriesAtRatioPlusFloor(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	b := NewBudget(BudgetOptions{Ratio: 0.2, MinPerSecond: 0.1, Window: 10 * time.Second, Now: c.now})
	for range 100 {
		b.First()
	}
	// 0.2×100 + 0.1/s × 10s = 21 retries.
	n := 0
	for range 50 {
		if b.TryRetry() {
			n++
		}
	}
	if n != 21 {
		t.Fatalf("allowed %d retries, want 21", n)
	}
	if b.Retried() != 21 || b.Exhausted() != 29 {
		t.Fatalf("counters: retried %d exhausted %d", b.Retried(), b.Exhausted())
	}
	// After the window has passed, the old tries no longer count.
	c.t = c.t.Add(11 * time.Second)
	n = 0
	for range 5 {
		if b.TryRetry() {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("after the window: allowed %d, want only the floor (1)", n)
	}
}

func TestHedgesAndRetriesShareTheBudget(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	b := NewBudget(BudgetOptions{Ratio: 0.1, Window: 10 * time.Second, Now: c.now})
	for range 100 {
		b.First()
	}
	// 10 extra tries in all: 6 hedges leave room for 4 retries.
	for range 6 {
		if !b.TryHedge() {
			t.Fatal("hedge refused within the budget")
		}
	}
	n := 0
	for range 10 {
		if b.TryRetry() {
			n++
		}
	}
	if n != 4 || b.TryHedge() {
		t.Fatalf("retries after 6 hedges: %d, want 4, and no more hedges", n)
	}
	// Hedges are not retries.
	if b.Retried() != 4 || b.Exhausted() != 7 {
		t.Fatalf("retried %d exhausted %d", b.Retried(), b.Exhausted())
	}
}

func TestBackoffStaysWithinCap(t *testing.T) {
	b := Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	for n := range 10 {
		for range 50 {
			d := b.Delay(n)
			limit := min(b.Max, b.Base<<n)
			if d < 0 || d > limit {
				t.Fatalf("Delay(%d) = %s, want within [0, %s]", n, d, limit)
			}
		}
	}
}

func TestSafe(t *testing.T) {
	cases := []struct {
		method, key  string
		unsafe, want bool
	}{
		{"GET", "", false, true}, {"PUT", "", false, true}, {"DELETE", "", false, true},
		{"POST", "", false, false}, {"PATCH", "", false, false},
		{"POST", "abc", false, true}, {"POST", "", true, true},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/", nil)
		if c.key != "" {
			r.Header.Set(IdempotencyHeader, c.key)
		}
		if got := Safe(r, c.unsafe); got != c.want {
			t.Errorf("%s key=%q unsafe=%v: Safe=%v, want %v", c.method, c.key, c.unsafe, got, c.want)
		}
	}
}

func TestBufferBody(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("hello"))
	buf, ok, err := BufferBody(r, 10)
	if err != nil || !ok || string(buf) != "hello" {
		t.Fatalf("small body: %q %v %v", buf, ok, err)
	}
	for range 2 {
		Replay(r, buf)
		got, _ := io.ReadAll(r.Body)
		if string(got) != "hello" || r.ContentLength != 5 {
			t.Fatalf("replay: %q len %d", got, r.ContentLength)
		}
	}
	// A body over the limit is not kept, and the request still carries
	// every byte of it.
	big := bytes.Repeat([]byte("x"), 100)
	r = httptest.NewRequest("POST", "/", io.NopCloser(bytes.NewReader(big)))
	r.ContentLength = -1
	_, ok, err = BufferBody(r, 10)
	if err != nil || ok {
		t.Fatalf("big body: ok=%v err=%v", ok, err)
	}
	got, _ := io.ReadAll(r.Body)
	if !bytes.Equal(got, big) {
		t.Fatalf("big body lost bytes: got %d", len(got))
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Body = http.NoBody
	if buf, ok, _ := BufferBody(r, 10); !ok || buf != nil {
		t.Fatalf("empty body: %v %v", buf, ok)
	}
}
