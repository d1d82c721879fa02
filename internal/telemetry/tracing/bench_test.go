package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

type nopTransport struct{ resp *http.Response }

func (n nopTransport) RoundTrip(*http.Request) (*http.Response, error) { return n.resp, nil }

// BenchmarkRequestSpans is what tracing adds to one proxied request: the
// server span, one client span around the upstream call and, when sampled,
// keeping both in Recent. ratio=off is the nil Tracer (no tracing at all).
func BenchmarkRequestSpans(b *testing.B) {
	for _, c := range []struct {
		name  string
		ratio float64
		off   bool
	}{{"off", 0, true}, {"ratio=0", 0, false}, {"ratio=0.1", 0.1, false}, {"ratio=1", 1, false}} {
		b.Run(c.name, func(b *testing.B) {
			var tr *Tracer
			if !c.off {
				var err error
				tr, err = New(context.Background(), Options{SampleRatio: c.ratio, Recent: NewRecent(1000, 0)})
				if err != nil {
					b.Fatal(err)
				}
				defer tr.Shutdown(context.Background())
			}
			rt := tr.Transport(nopTransport{resp: &http.Response{StatusCode: 200, Body: http.NoBody}})
			in := httptest.NewRequest("GET", "http://gw/items/1", nil)
			b.ReportAllocs()
			for b.Loop() {
				r, span := tr.StartServer(in, "/items")
				out, _ := http.NewRequestWithContext(r.Context(), "GET", "http://127.0.0.1:9001/items/1", nil)
				if _, err := rt.RoundTrip(out); err != nil {
					b.Fatal(err)
				}
				EndServer(span, 200, "items")
			}
		})
	}
}
