package comments

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

func TestFailIsSharedThroughTheFlagFileAndEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flag")
	log := slog.New(slog.DiscardHandler)
	a, b := handler(newFailFlag(path, log)), handler(newFailFlag(path, log))
	get := func(h http.Handler) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/albums/3/comments", nil))
		return rec.Code
	}
	if c := get(b); c != http.StatusOK {
		t.Fatalf("before /fail: %d", c)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/fail?for=400ms", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/fail: %d %s", rec.Code, rec.Body)
	}
	// b cached "healthy" a moment ago; within refresh it sees the file.
	deadline := time.Now().Add(time.Second)
	for get(b) != http.StatusInternalServerError {
		if time.Now().After(deadline) {
			t.Fatal("the other instance never saw the failure")
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline = time.Now().Add(2 * time.Second)
	for get(b) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the failure did not end after its duration")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/fail?for=1h", nil))
	a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/recover", nil))
	time.Sleep(refresh + 10*time.Millisecond)
	if c := get(b); c != http.StatusOK {
		t.Fatalf("after /recover: %d", c)
	}
}
