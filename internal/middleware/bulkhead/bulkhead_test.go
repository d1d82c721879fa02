package bulkhead

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiterQueuesThenRejects(t *testing.T) {
	l := New(Options{MaxConcurrent: 1, MaxPending: 1, QueueTimeout: time.Second})
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- l.Acquire(ctx) }()
	for l.Stats().Pending != 1 {
		time.Sleep(time.Millisecond)
	}
	// Slot and queue are full: the third is refused at once.
	if err := l.Acquire(ctx); !errors.Is(err, ErrFull) {
		t.Fatalf("third acquire: %v, want ErrFull", err)
	}
	l.Release()
	if err := <-got; err != nil {
		t.Fatalf("queued acquire: %v", err)
	}
	l.Release()
	if s := l.Stats(); s.Active != 0 || s.Pending != 0 || s.Rejected != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestQueueTimeout(t *testing.T) {
	l := New(Options{MaxConcurrent: 1, MaxPending: 5, QueueTimeout: 20 * time.Millisecond})
	_ = l.Acquire(context.Background())
	if err := l.Acquire(context.Background()); !errors.Is(err, ErrFull) {
		t.Fatalf("got %v, want ErrFull after the queue timeout", err)
	}
}

func TestMiddlewareAnswers503(t *testing.T) {
	l := New(Options{MaxConcurrent: 1})
	_ = l.Acquire(context.Background())
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("next ran") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 503 || w.Header().Get("Shoal-Error") != "bulkhead-full" {
		t.Fatalf("got %d %q", w.Code, w.Header().Get("Shoal-Error"))
	}
}
