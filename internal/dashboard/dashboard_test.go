package dashboard_test

import (
	"encoding/json"
	"fmt"
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/dashboard"
	"github.com/shoal-gw/shoal/internal/dashboard/dashboardtest"
)

var start = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newStub(t *testing.T, opts dashboard.Options) (*dashboard.Handler, *stubSource, *testclock.Clock) {
	t.Helper()
	clk := testclock.New(start)
	src := &stubSource{clk: clk}
	opts.Now = clk.Now
	h, err := dashboard.New(src, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(h.Close)
	return h, src, clk
}

func getSnapshot(t *testing.T, h http.Handler) api.DashboardSnapshot {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/dashboard/snapshot", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("snapshot: status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("snapshot Content-Type = %q", ct)
	}
	var snap api.DashboardSnapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, rec.Body)
	}
	return snap
}

func TestSnapshot(t *testing.T) {
	h, src, _ := newStub(t, dashboard.Options{Window: time.Minute, MaxEvents: 2})
	for i := range 3 {
		src.AddEvent(api.DashboardEvent{Time: start.Add(time.Duration(i-10) * time.Second), Service: "svc", Kind: api.EventScale, Text: fmt.Sprint(i)})
	}
	snap := getSnapshot(t, h)

	if !snap.Time.Equal(start) || snap.WindowSeconds != 60 {
		t.Errorf("time %v window %d, want %v and 60", snap.Time, snap.WindowSeconds, start)
	}
	if len(snap.Services) != 2 || snap.Services[0].Name != "svc" || snap.Services[1].Name != "zeta" {
		t.Fatalf("services not sorted by name: %+v", snap.Services)
	}
	svc := snap.Services[0]
	// Window of 60 s ending at the last complete second: 59 points.
	if n := len(svc.Timeline); n != 59 {
		t.Errorf("timeline has %d points, want 59", n)
	}
	last := start.Add(-time.Second)
	if !svc.Now.Time.Equal(last) || svc.Now.RPS != float64(last.Unix()%1000) {
		t.Errorf("now = %+v, want the point of %v", svc.Now, last)
	}
	if svc.Instances.Starting != 1 || svc.Desired != 3 || len(svc.Endpoints) != 1 {
		t.Errorf("service info lost: %+v", svc)
	}
	// A service without history still lists an empty (not null) timeline.
	if snap.Services[1].Timeline == nil || len(snap.Services[1].Timeline) != 0 {
		t.Errorf("zeta timeline = %#v, want empty", snap.Services[1].Timeline)
	}
	// Newest first, capped at MaxEvents.
	if len(snap.Events) != 2 || snap.Events[0].Text != "2" || snap.Events[1].Text != "1" {
		t.Errorf("events = %+v, want texts 2, 1", snap.Events)
	}
}

func TestSnapshotWithFake(t *testing.T) {
	now := time.Unix(1_800_000_030, 0)
	h, err := dashboard.New(dashboardtest.New(func() time.Time { return now }), dashboard.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	snap := getSnapshot(t, h)
	if len(snap.Services) != 3 {
		t.Fatalf("fake has %d services, want 3", len(snap.Services))
	}
	for _, s := range snap.Services {
		if len(s.Timeline) != 299 || s.Now.RPS <= 0 || len(s.Endpoints) == 0 {
			t.Errorf("%s: %d points, now %+v, %d endpoints", s.Name, len(s.Timeline), s.Now, len(s.Endpoints))
		}
		if s.Name == "api" && len(s.Breakers) != 1 {
			t.Errorf("api breakers = %+v, want one (BreakerSource)", s.Breakers)
		}
		// ForecastSource: the forecast lies ahead of the newest point.
		if s.Ahead == nil || !s.Ahead.Time.After(s.Now.Time) || s.Ahead.RPS <= 0 || s.Ahead.LeadSeconds <= 0 {
			t.Errorf("%s: ahead = %+v after now %v, want a forecast past it", s.Name, s.Ahead, s.Now.Time)
		}
	}
}

func TestRoutes(t *testing.T) {
	h, _, _ := newStub(t, dashboard.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h.Register(mux)
	cases := []struct {
		path string
		want int
	}{
		{"/", http.StatusOK},
		{"/api/dashboard/snapshot", http.StatusOK},
		{"/api/other", http.StatusTeapot},
		{"/assets/app.js", http.StatusOK},
		{"/assets/nope.js", http.StatusNotFound},
		{"/assets/index.html", http.StatusNotFound},
		{"/elsewhere", http.StatusNotFound},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.want {
			t.Errorf("GET %s = %d, want %d", c.path, rec.Code, c.want)
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/api/dashboard/snapshot", nil))
	if rec.Code == http.StatusOK {
		t.Errorf("POST snapshot answered 200")
	}
}

func TestPageAndAssets(t *testing.T) {
	h, _, _ := newStub(t, dashboard.Options{Title: "Shoal <test>"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	page := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("page Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("page Cache-Control = %q, want no-cache", cc)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("page CSP = %q", csp)
	}
	if !strings.Contains(page, "Shoal &lt;test&gt;") {
		t.Errorf("title not escaped into the page")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("page refers to another origin:\n%s", page)
	}

	want := map[string]string{
		"app.js":    "text/javascript; charset=utf-8",
		"chart.js":  "text/javascript; charset=utf-8",
		"style.css": "text/css; charset=utf-8",
		"icon.svg":  "image/svg+xml",
	}
	for name, ct := range want {
		m := regexp.MustCompile(`assets/` + regexp.QuoteMeta(name) + `\?v=([0-9a-f]{16})`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("page does not link %s with a version", name)
			continue
		}
		versioned := "/assets/" + name + "?v=" + m[1]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", versioned, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d, %d bytes", versioned, rec.Code, rec.Body.Len())
		}
		if got := rec.Header().Get("Content-Type"); got != ct {
			t.Errorf("%s Content-Type = %q, want %q", name, got, ct)
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("versioned %s Cache-Control = %q", name, got)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s nosniff missing", name)
		}
		etag := rec.Header().Get("ETag")
		if etag != `"`+m[1]+`"` {
			t.Errorf("%s ETag = %q, want the version", name, etag)
		}

		// Unversioned or stale URLs are revalidated, and a matching ETag gets 304.
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/assets/"+name+"?v=old", nil))
		if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("stale %s Cache-Control = %q, want no-cache", name, got)
		}
		req := httptest.NewRequest("GET", "/assets/"+name, nil)
		req.Header.Set("If-None-Match", etag)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("conditional GET %s = %d with %d bytes, want 304 and none", name, rec.Code, rec.Body.Len())
		}
	}
}

func TestAssetsNeedNoNetwork(t *testing.T) {
	h, _, _ := newStub(t, dashboard.Options{})
	for _, name := range []string{"app.js", "chart.js", "style.css"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/assets/"+name, nil))
		body, _ := io.ReadAll(rec.Body)
		// The only URL in the assets is the SVG namespace, which is a name, not a fetch.
		for _, m := range regexp.MustCompile(`https?://[^\s"')]+`).FindAllString(string(body), -1) {
			if m != "http://www.w3.org/2000/svg" {
				t.Errorf("%s refers to %s", name, m)
			}
		}
		if strings.Contains(string(body), "@import") {
			t.Errorf("%s imports another style sheet", name)
		}
	}
}

// nanSource reports a second without requests the way a quantile sketch may:
// NaN latencies. The snapshot must still be valid JSON.
type nanSource struct{ stubSource }

func (s *nanSource) Timeline(service string, since time.Time) []api.DashboardPoint {
	pts := s.stubSource.Timeline(service, since)
	for i := range pts {
		pts[i].P50MS, pts[i].P99MS, pts[i].Forecast = math.NaN(), math.Inf(1), math.NaN()
		nan := math.NaN()
		pts[i].Queued = &nan
	}
	return pts
}

func TestSnapshotReplacesNaN(t *testing.T) {
	clk := testclock.New(start)
	h, err := dashboard.New(&nanSource{stubSource{clk: clk}}, dashboard.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	snap := getSnapshot(t, h)
	now := snap.Services[0].Now
	if now.P50MS != 0 || now.P99MS != 0 || now.Forecast != 0 || now.RPS == 0 {
		t.Errorf("now = %+v, want NaN and Inf as 0 and the rate kept", now)
	}
	// A measured queue stays measured: NaN becomes 0, not absent.
	if now.Queued == nil || *now.Queued != 0 {
		t.Errorf("now.queued = %v, want a measured 0", now.Queued)
	}
}
