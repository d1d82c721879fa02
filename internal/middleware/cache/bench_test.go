package cache

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func BenchmarkHit(b *testing.B) {
	org := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("ETag", `"x"`)
		_, _ = w.Write(make([]byte, 4096))
	})
	h := New(Options{Store: NewMemory(1 << 20)})(org)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://example.com/b", nil))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://example.com/b", nil))
	}
}
