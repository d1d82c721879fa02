package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/telemetry"
)

// TestHostsAbsentHeaderAndAddPrefix follows match.hosts, present: false and
// add_prefix from the config file through the compile step to the upstream.
func TestHostsAbsentHeaderAndAddPrefix(t *testing.T) {
	echo := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s prefix=%s", name, r.URL.RequestURI(), r.Header.Get("X-Forwarded-Prefix"))
		}))
		t.Cleanup(s.Close)
		return s
	}
	one, two := echo("one"), echo("two")
	cfg, err := config.Parse("keys.yaml", []byte(fmt.Sprintf(`
services:
  one: {endpoints: [%s]}
  two: {endpoints: [%s]}
routes:
  - {name: hosts, match: {hosts: [a.test, "*.b.test"]}, service: one}
  - {name: nodebug, match: {path_prefix: /h, headers: [{name: X-Debug, present: false}]}, service: one}
  - {name: v2, match: {path_prefix: /api}, strip_prefix: true, add_prefix: /v2, service: one}
  - {name: internal, match: {path_prefix: /in}, add_prefix: /internal, service: one}
  - {name: moved, match: {path_prefix: /old}, strip_prefix: true, add_prefix: /new, redirect: {status: 301}}
  - {name: rest, match: {path_prefix: /}, service: two}
`, one.URL, two.URL)))
	if err != nil {
		t.Fatal(err)
	}
	g := New(Options{Metrics: telemetry.NewMetrics()})
	t.Cleanup(g.Close)
	if err := g.Apply(cfg.File, &cfg.Dynamic); err != nil {
		t.Fatalf("apply: %v", err)
	}
	tests := []struct {
		name, target string
		hdr          []string
		want         string
	}{
		{"first listed host", "http://a.test/x", nil, "one /x prefix="},
		{"wildcard listed host", "http://c.b.test/x", nil, "one /x prefix="},
		{"host not listed", "http://c.test/x", nil, "two /x prefix="},
		{"header absent", "http://z.test/h", nil, "one /h prefix="},
		{"header sent empty is present", "http://z.test/h", []string{"X-Debug", ""}, "two /h prefix="},
		{"header sent", "http://z.test/h", []string{"X-Debug", "1"}, "two /h prefix="},
		{"strip then add", "http://z.test/api/users?id=1", nil, "one /v2/users?id=1 prefix=/api"},
		{"strip the whole path then add", "http://z.test/api", nil, "one /v2 prefix=/api"},
		{"add alone", "http://z.test/in/users", nil, "one /internal/in/users prefix="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.target, nil)
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				req.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != 200 || rec.Body.String() != tc.want {
				t.Fatalf("got %d %q, want 200 %q", rec.Code, rec.Body.String(), tc.want)
			}
		})
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "http://z.test/old/x?y=1", nil))
	if rec.Code != 301 || rec.Header().Get("Location") != "http://z.test/new/x?y=1" {
		t.Errorf("redirect after prefix change: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}
