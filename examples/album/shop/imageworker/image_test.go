package imageworker

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProcessIsDeterministicPerUpload(t *testing.T) {
	h := handler()
	sum := func(body, work string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/process?work="+work, strings.NewReader(body)))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		s := rec.Body.String()
		return s[strings.Index(s, `"checksum"`):strings.Index(s, `"millis"`)]
	}
	a, b, c := sum("photo-1", "1"), sum("photo-1", "1"), sum("photo-2", "1")
	if a != b {
		t.Fatalf("same upload gave %s and %s", a, b)
	}
	if a == c {
		t.Fatalf("different uploads gave the same %s", a)
	}
}

func TestProcessRejectsUnboundedWork(t *testing.T) {
	rec := httptest.NewRecorder()
	handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/process?work=1000", strings.NewReader("x")))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("work=1000: status %d, want 400", rec.Code)
	}
}

func BenchmarkProcessWork1(b *testing.B) {
	h := handler()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/process?work=1", strings.NewReader("photo")))
	}
}
