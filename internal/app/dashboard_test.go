package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// manyServices starts an app with n services (s0 … s{n-1}), each routed
// by its own path prefix to one shared origin, and sends one request to
// each. It returns once every request is on its service's timeline.
func manyServices(tb testing.TB, n int) *App {
	tb.Helper()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tb.Cleanup(origin.Close)
	o := origin.URL
	var b strings.Builder
	dir := tb.TempDir()
	fmt.Fprintf(&b, "listen: [127.0.0.1:0]\nadmin: 127.0.0.1:0\nstate_dir: %s\nservices:\n", filepath.Join(dir, "state"))
	for i := range n {
		fmt.Fprintf(&b, "  s%d: {endpoints: [%s]}\n", i, o)
	}
	b.WriteString("routes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {match: {path_prefix: /s%d/}, service: s%d}\n", i, i)
	}
	path := filepath.Join(dir, "shoal.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	a, err := New(Options{ConfigPath: path, LogOutput: io.Discard, AccessOutput: io.Discard})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		_ = a.Shutdown(context.Background())
	})
	front := "http://" + a.PublicAddrs()[0]
	for i := range n {
		resp, err := http.Get(fmt.Sprintf("%s/s%d/", front, i))
		if err != nil {
			tb.Fatal(err)
		}
		resp.Body.Close()
	}
	src := dashSource{a}
	deadline := time.Now().Add(5 * time.Second)
	// The last request's second is complete once its arrival shows (the
	// seconds before it are on record too, with nothing in them).
	for arrivals(src.Timeline(fmt.Sprintf("s%d", n-1), time.Time{})) == 0 {
		if time.Now().After(deadline) {
			tb.Fatal("no complete second recorded after 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return a
}

func arrivals(pts []api.DashboardPoint) float64 {
	sum := 0.0
	for _, p := range pts {
		sum += p.RPS
	}
	return sum
}

// With many services every service's timeline carries its own counts (the
// per-service lookup, not a scan of the listing, finds them).
func TestDashboardTimelineManyServices(t *testing.T) {
	const n = 150
	a := manyServices(t, n)
	src := dashSource{a}
	infos := src.Services()
	if len(infos) != n {
		t.Fatalf("%d services listed, want %d", len(infos), n)
	}
	for _, info := range infos {
		pts := src.Timeline(info.Name, time.Time{})
		if got := arrivals(pts); got != 1 {
			t.Errorf("%s: %v requests on its timeline, want the 1 sent", info.Name, got)
		}
		if len(pts) == 0 {
			continue
		}
		last := pts[len(pts)-1]
		got := api.ServiceInfo{Name: info.Name, Desired: last.Desired, Balancer: info.Balancer,
			Instances: api.Instances{Ready: last.Ready, Starting: last.Starting, Draining: last.Draining}}
		if got != info {
			t.Errorf("%s: timeline counts %+v, service list %+v", info.Name, got, info)
		}
	}
}

// BenchmarkDashboardTimelines is the stream's per-second work for one viewer
// over every service's timeline. While each timeline looked its service up
// by listing all services it cost 6.9 µs per service with 20 services and
// 68 µs with 200 (13.5 ms a tick); with the per-service lookup 0.7 and
// 2.1 µs (0.4 ms a tick), on the 2-core test machine.
func BenchmarkDashboardTimelines(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			a := manyServices(b, n)
			src := dashSource{a}
			since := time.Now().Add(-5 * time.Minute)
			b.ResetTimer()
			for b.Loop() {
				for _, info := range src.Services() {
					src.Timeline(info.Name, since)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/service")
		})
	}
}
