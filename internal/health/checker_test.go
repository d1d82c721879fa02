package health

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flakyServer answers its health path with 200 or 503 as told, and records
// the Host header of the last probe.
type flakyServer struct {
	*httptest.Server
	failing  atomic.Bool
	lastHost atomic.Value
	probes   atomic.Int64
}

func newFlakyServer(t *testing.T) *flakyServer {
	t.Helper()
	f := &flakyServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.probes.Add(1)
		f.lastHost.Store(r.Host)
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if f.failing.Load() {
			http.Error(w, "sick", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(strings.Repeat("ok", 1000)))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *flakyServer) addr() string { return f.Listener.Addr().String() }

func TestHTTPEndpointGoesUnhealthyAndRecovers(t *testing.T) {
	srv := newFlakyServer(t)
	sink := newRecordSink()
	var evMu sync.Mutex
	var events []Event
	const interval = 50 * time.Millisecond
	c, err := NewChecker(CheckerOptions{
		Service:            "web",
		Probe:              HTTPCheck{Path: "/healthz", Host: "health.internal"},
		Interval:           interval,
		Timeout:            40 * time.Millisecond,
		Jitter:             0.1,
		HealthyThreshold:   2,
		UnhealthyThreshold: 3,
		Sink:               sink,
		OnEvent: func(e Event) {
			evMu.Lock()
			events = append(events, e)
			evMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.addr()
	if err := c.Update([]string{addr}); err != nil {
		t.Fatal(err)
	}
	// The initial verdict is reported by Update itself.
	if calls := sink.snapshot(); len(calls) != 1 || calls[0].healthy {
		t.Fatalf("after Update: calls %+v, want one unhealthy", calls)
	}
	runChecker(t, c)

	// Initially unhealthy: the first passing probe is enough.
	sink.waitFor(t, addr, true, time.Second)
	if h, _ := srv.lastHost.Load().(string); h != "health.internal" {
		t.Errorf("probe Host = %q, want health.internal", h)
	}

	failedAt := time.Now()
	srv.failing.Store(true)
	downAt := sink.waitFor(t, addr, false, 2*time.Second)
	took := downAt.Sub(failedAt)
	// Three failures need at least two full waits after the first failed
	// probe, and at most three waits (plus timer and scheduling slack).
	if lo := 2 * interval * 9 / 10; took < lo {
		t.Errorf("unhealthy after %v, faster than the threshold allows (%v)", took, lo)
	}
	if hi := 3*interval*11/10 + 300*time.Millisecond; took > hi {
		t.Errorf("unhealthy after %v, want within %v", took, hi)
	}
	if s, _ := c.Status(addr); s != StatusUnhealthy {
		t.Errorf("Status = %v, want unhealthy", s)
	}

	recoveredAt := time.Now()
	srv.failing.Store(false)
	upAt := sink.waitFor(t, addr, true, 2*time.Second)
	if took := upAt.Sub(recoveredAt); took < interval*9/10 {
		t.Errorf("healthy again after %v: two passing probes need at least one interval", took)
	}

	evMu.Lock()
	defer evMu.Unlock()
	var got []string
	for _, e := range events {
		if e.Address != addr || e.Service != "web" || e.Check != "http" {
			t.Errorf("event %+v has wrong identity", e)
		}
		got = append(got, e.Old.String()+">"+e.New.String())
	}
	want := "unknown>unhealthy unhealthy>healthy healthy>unhealthy unhealthy>healthy"
	if strings.Join(got, " ") != want {
		t.Errorf("transitions %q, want %q", strings.Join(got, " "), want)
	}
	if r := events[2].Reason; !strings.Contains(r, "3 consecutive failed http probes") || !strings.Contains(r, "503") {
		t.Errorf("unhealthy reason %q lacks count or status", r)
	}
	if r := events[3].Reason; !strings.Contains(r, "2 consecutive passing") {
		t.Errorf("healthy reason %q lacks the threshold count", r)
	}
}

func TestHTTPExpectedStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	cases := []struct {
		check HTTPCheck
		ok    bool
	}{
		{HTTPCheck{Path: "/"}, true},
		{HTTPCheck{Path: "/redirect"}, true}, // default 200-399; redirects are not followed
		{HTTPCheck{Path: "/redirect", Expected: []StatusRange{{200, 299}}}, false},
		{HTTPCheck{Path: "/teapot"}, false},
		{HTTPCheck{Path: "/teapot", Expected: []StatusRange{{200, 200}, {418, 418}}}, true},
	}
	for _, tc := range cases {
		p, err := tc.check.NewProbe(addr)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Check(t.Context())
		_ = p.Close()
		if (err == nil) != tc.ok {
			t.Errorf("%+v: err = %v, want ok=%v", tc.check, err, tc.ok)
		}
	}
}

func TestHTTPCheckValidate(t *testing.T) {
	for _, c := range []HTTPCheck{
		{Scheme: "ftp"},
		{Path: "healthz"},
		{Expected: []StatusRange{{300, 200}}},
		{Expected: []StatusRange{{0, 200}}},
	} {
		if _, err := c.NewProbe("127.0.0.1:1"); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := (HTTPCheck{}).NewProbe("no-port"); err == nil {
		t.Error("address without port accepted")
	}
}

func TestTCPCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_ = conn.Close()
		}
	}()
	open := ln.Addr().String()
	closed := closedPort(t)

	sink := newRecordSink()
	c, err := NewChecker(CheckerOptions{
		Probe:              TCPCheck{},
		Interval:           30 * time.Millisecond,
		Timeout:            20 * time.Millisecond,
		UnhealthyThreshold: 2,
		InitiallyHealthy:   true,
		Sink:               sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Update([]string{open, closed}); err != nil {
		t.Fatal(err)
	}
	runChecker(t, c)
	sink.waitFor(t, closed, false, 2*time.Second)
	// Let the open port be probed several times: it must never go unhealthy.
	time.Sleep(150 * time.Millisecond)
	for _, call := range sink.snapshot() {
		if call.addr == open && !call.healthy {
			t.Errorf("open port reported unhealthy")
		}
	}
}

func TestCheckerOptionsValidation(t *testing.T) {
	sink := newRecordSink()
	bad := []CheckerOptions{
		{Sink: sink},
		{Probe: TCPCheck{}},
		{Probe: TCPCheck{}, Sink: sink, Interval: time.Second, Timeout: 2 * time.Second},
		{Probe: TCPCheck{}, Sink: sink, Jitter: 0.9},
		{Probe: TCPCheck{}, Sink: sink, HealthyThreshold: -1},
	}
	for i, o := range bad {
		if _, err := NewChecker(o); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	c, err := NewChecker(CheckerOptions{Probe: TCPCheck{}, Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options()
	if o.Interval != DefaultInterval || o.Timeout != DefaultTimeout || o.Jitter != DefaultJitter ||
		o.HealthyThreshold != 2 || o.UnhealthyThreshold != 3 || o.InitiallyHealthy {
		t.Errorf("defaults not applied: %+v", o)
	}
	c, _ = NewChecker(CheckerOptions{Probe: TCPCheck{}, Sink: sink, Interval: time.Second, NoJitter: true})
	if c.Options().Timeout != time.Second || c.Options().Jitter != 0 {
		t.Errorf("timeout should shrink to the interval and NoJitter zero the jitter: %+v", c.Options())
	}
}

func TestCheckerUpdateAddsAndRemoves(t *testing.T) {
	srv := newFlakyServer(t)
	sink := newRecordSink()
	c, err := NewChecker(CheckerOptions{
		Probe: HTTPCheck{Path: "/healthz"}, Interval: 20 * time.Millisecond, Sink: sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	runChecker(t, c)
	a := srv.addr()
	// A bad target is named in the error; the good one still applies.
	err = c.Update([]string{a, "bad-address", a})
	if err == nil || !strings.Contains(err.Error(), "bad-address") {
		t.Errorf("Update error %v should name bad-address", err)
	}
	sink.waitFor(t, a, true, time.Second)
	if err := c.Update(nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Status(a); ok {
		t.Error("removed target still has a status")
	}
	// Update waited for the target's goroutine: no probe and no verdict after.
	n := len(sink.snapshot())
	before := srv.probes.Load()
	time.Sleep(100 * time.Millisecond)
	if got := srv.probes.Load(); got != before {
		t.Errorf("%d probes after removal", got-before)
	}
	if got := len(sink.snapshot()); got != n {
		t.Errorf("%d verdicts after removal", got-n)
	}
}

func TestCheckerRunOnceAndStopBeforeRun(t *testing.T) {
	c, err := NewChecker(CheckerOptions{Probe: TCPCheck{}, Sink: newRecordSink()})
	if err != nil {
		t.Fatal(err)
	}
	c.Stop()
	c.Stop()
	if err := c.Run(context.Background()); err == nil {
		t.Error("Run after Stop should fail")
	}
	if err := c.Update([]string{"127.0.0.1:1"}); err == nil {
		t.Error("Update after Stop should fail")
	}
}

func TestCheckerNoGoroutineLeak(t *testing.T) {
	srv := newFlakyServer(t)
	base := runtime.NumGoroutine()
	sink := newRecordSink()
	c, err := NewChecker(CheckerOptions{
		Probe: HTTPCheck{Path: "/healthz"}, Interval: 10 * time.Millisecond, Sink: sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Update([]string{srv.addr(), closedPort(t)}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- c.Run(context.Background()) }()
	sink.waitFor(t, srv.addr(), true, time.Second)
	c.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The server's side of the probe connection ends when the probe's
	// client closes it; closing idle server connections makes it prompt.
	srv.CloseClientConnections()
	checkNoLeak(t, base)
}
