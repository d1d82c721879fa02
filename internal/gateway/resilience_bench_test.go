package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkProxyRouteSettings runs BenchmarkProxy's request through routes
// with different resilience settings, to show what each costs. "defaults"
// (the idle timeout enforced on the upstream connection) must match
// "no_idle" (no resilience layer at all) in allocations.
func BenchmarkProxyRouteSettings(b *testing.B) {
	body := strings.Repeat("x", 1024)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	defer o.Close()
	for _, c := range []struct{ name, route string }{
		{"defaults", ""},
		{"no_idle", ", timeouts: {idle: 0s}"},
		{"idle_1m", ", timeouts: {idle: 1m}"},
		{"retry", ", retry: {attempts: 2}"},
		{"hedge", ", retry: {attempts: 0, hedge: {}}"},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := New(Options{})
			defer g.Close()
			cfg := fmt.Sprintf("services: {s: {endpoints: [%s]}}\nroutes: [{match: {path_prefix: /}, service: s%s}]\n", o.URL, c.route)
			parsed := mustParse(b, cfg)
			if err := g.Apply(parsed.File, &parsed.Dynamic); err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/bench", nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
