package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkProxy measures one request through the whole gateway (lookup,
// route chain, balancer, forwarder) to a loopback origin with 1 KiB bodies.
func BenchmarkProxy(b *testing.B) {
	body := strings.Repeat("x", 1024)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	defer o.Close()
	g := New(Options{})
	defer g.Close()
	cfg := fmt.Sprintf("services: {s: {endpoints: [%s]}}\nroutes: [{match: {path_prefix: /}, service: s}]\n", o.URL)
	parsed := mustParse(b, cfg)
	if err := g.Apply(parsed.File, &parsed.Dynamic); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/bench", nil)
		for pb.Next() {
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkLookupOnly isolates the gateway's own overhead before the
// forwarder: the entry checks, the table lookup and a direct response.
func BenchmarkLookupOnly(b *testing.B) {
	g := New(Options{})
	defer g.Close()
	var sb strings.Builder
	sb.WriteString("routes:\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "  - {match: {path_prefix: /svc%d}, direct_response: {status: 204}}\n", i)
	}
	parsed := mustParse(b, sb.String())
	if err := g.Apply(parsed.File, &parsed.Dynamic); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/svc500/x", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
	}
}
