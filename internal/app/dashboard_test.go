package app

import (
	"context"
	"encoding/json"
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

// The snapshot API shows the gateway queue of a service whose queue is
// measured (a scale: block wires the activator), as "queued" on every
// point, and leaves it out for one without.
func TestDashboardSnapshotShowsTheGatewayQueue(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(origin.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "shoal.yaml")
	cfg := fmt.Sprintf(`listen: [127.0.0.1:0]
admin: 127.0.0.1:0
state_dir: %s
services:
  scaled: {endpoints: [%[2]s], scale: {min: 1, max: 3, policy: kpa}}
  fixed: {endpoints: [%[2]s]}
routes:
  - {match: {path_prefix: /scaled/}, service: scaled}
  - {match: {path_prefix: /fixed/}, service: fixed}
`, filepath.Join(dir, "state"), origin.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{ConfigPath: path, LogOutput: io.Discard, AccessOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		_ = a.Shutdown(context.Background())
	})
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	front := "http://" + a.PublicAddrs()[0]
	for _, p := range []string{"/scaled/", "/fixed/"} {
		resp, err := http.Get(front + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
	}
	var snap api.DashboardSnapshot
	timelines := map[string][]api.DashboardPoint{}
	for deadline := time.Now().Add(5 * time.Second); arrivals(timelines["scaled"]) == 0 || arrivals(timelines["fixed"]) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the requests' seconds not on the snapshot after 5s: %+v", timelines)
		}
		resp, err := http.Get("http://" + a.AdminAddr() + "/api/dashboard/snapshot")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&snap)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snap.Services {
			timelines[s.Name] = s.Timeline
		}
	}
	for _, p := range timelines["scaled"] {
		// An instance was ready, so nothing waited: measured, and 0.
		if p.Queued == nil || *p.Queued != 0 {
			t.Errorf("scaled at %v: queued %v, want a measured 0", p.Time, p.Queued)
		}
	}
	for _, p := range timelines["fixed"] {
		if p.Queued != nil {
			t.Errorf("fixed at %v: queued %v, want none (no gateway queue)", p.Time, *p.Queued)
		}
	}
}
