package demo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// standIn plays the gateway in front of the album shop: pages say whether
// comments were shown, and the comments switch flips that.
type standIn struct {
	srv     *httptest.Server
	failing atomic.Bool
	seen    atomic.Int64
	mu      sync.Mutex
	control []string
	// hang makes every load request wait for its client to give up.
	hang atomic.Bool
}

func newStandIn(t *testing.T) *standIn {
	s := &standIn{}
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, r *http.Request) {
		if s.load(r) {
			return
		}
		if s.failing.Load() {
			w.Header().Set(CommentsHeader, CommentsOmitted)
		} else {
			w.Header().Set(CommentsHeader, "shown")
		}
		_, _ = io.WriteString(w, "<html>page</html>")
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /album/{id}", page)
	mux.HandleFunc("POST /order", func(w http.ResponseWriter, r *http.Request) {
		if s.load(r) {
			return
		}
		http.Error(w, "orders down", http.StatusInternalServerError)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		if s.load(r) {
			return
		}
		if r.URL.Query().Get("work") == "" {
			http.Error(w, "missing work", http.StatusBadRequest)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	mux.HandleFunc("POST "+CommentsFailPath, func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("for"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.record("fail " + d.String())
		s.failing.Store(true)
		time.AfterFunc(d, func() { s.failing.Store(false) })
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// load counts a load request and, when hanging, holds it; it reports
// whether the request was already answered.
func (s *standIn) load(r *http.Request) bool {
	s.seen.Add(1)
	if s.hang.Load() {
		<-r.Context().Done()
		return true
	}
	return false
}

func (s *standIn) record(c string) {
	s.mu.Lock()
	s.control = append(s.control, c)
	s.mu.Unlock()
}

func (s *standIn) controls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.control...)
}

func threePhases() Scenario {
	return Scenario{Phases: []Phase{
		{Name: "browse", Share: 1, Rates: Rates{Home: 40, Album: 40}},
		{Name: "outage", Share: 1, Rates: Rates{Album: 40, Upload: 40}, CommentsFail: true},
		{Name: "quiet", Share: 1, Rates: Rates{Order: 20}},
	}}
}

func TestPhasesSwitchRatesHoldAndReportAddsUp(t *testing.T) {
	s := newStandIn(t)
	var ticks []Tick
	start := time.Now()
	rep, err := Run(context.Background(), Options{
		GatewayURL: s.srv.URL,
		Scenario:   threePhases(),
		Duration:   3 * time.Second,
		TickEvery:  200 * time.Millisecond,
		OnTick:     func(tk Tick) { ticks = append(ticks, tk) },
		Seed:       7,
	})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if elapsed > 4*time.Second {
		t.Errorf("a 3s run took %v", elapsed)
	}
	if len(rep.Phases) != 3 {
		t.Fatalf("%d phases in report", len(rep.Phases))
	}
	browse, outage, quiet := rep.Phases[0], rep.Phases[1], rep.Phases[2]

	// Each phase sends only its own kinds, at roughly its rate: 80/s for
	// 1s is 80 expected arrivals (Poisson, sd about 9).
	for _, c := range []struct {
		p        PhaseReport
		kinds    []Kind
		expected float64
	}{
		{browse, []Kind{KindHome, KindAlbum}, 80},
		{outage, []Kind{KindAlbum, KindUpload}, 80},
		{quiet, []Kind{KindOrder}, 20},
	} {
		if float64(c.p.Requests) < 0.5*c.expected || float64(c.p.Requests) > 1.5*c.expected {
			t.Errorf("phase %s: %d requests, expected about %v", c.p.Name, c.p.Requests, c.expected)
		}
		for k, kc := range c.p.ByKind {
			if kc.Requests > 0 && !contains(c.kinds, k) {
				t.Errorf("phase %s sent %d %s requests", c.p.Name, kc.Requests, k)
			}
		}
		for _, k := range c.kinds {
			if c.p.ByKind[k].Requests == 0 {
				t.Errorf("phase %s sent no %s request", c.p.Name, k)
			}
		}
	}

	// The failure is injected for the outage only, and pages then render
	// without comments.
	if got := s.controls(); len(got) != 1 || got[0] != "fail 1s" {
		t.Errorf("control calls %q, want [fail 1s]", got)
	}
	if browse.CommentsOmitted != 0 {
		t.Errorf("browse: %d pages without comments before the failure", browse.CommentsOmitted)
	}
	if outage.Pages == 0 || outage.CommentsOmitted < outage.Pages/2 {
		t.Errorf("outage: %d of %d pages without comments", outage.CommentsOmitted, outage.Pages)
	}
	if len(rep.Events) != 1 || rep.Events[0].Err != "" || rep.Events[0].Phase != "outage" {
		t.Errorf("events %+v", rep.Events)
	}

	// The stand-in fails orders: every quiet request failed, all others OK.
	if quiet.OK != 0 || quiet.Failed != quiet.Requests {
		t.Errorf("quiet: %d ok, %d failed of %d", quiet.OK, quiet.Failed, quiet.Requests)
	}
	if browse.Failed != 0 || outage.Failed != 0 {
		t.Errorf("failures in browse (%d) or outage (%d)", browse.Failed, outage.Failed)
	}

	// The report adds up, and matches what the server saw.
	var sum, ok, failed, pages int
	for _, p := range rep.Phases {
		if p.OK+p.Failed != p.Requests {
			t.Errorf("phase %s: %d ok + %d failed != %d", p.Name, p.OK, p.Failed, p.Requests)
		}
		var byKind int
		for _, kc := range p.ByKind {
			byKind += kc.Requests
		}
		if byKind != p.Requests {
			t.Errorf("phase %s: kinds sum to %d, not %d", p.Name, byKind, p.Requests)
		}
		sum, ok, failed, pages = sum+p.Requests, ok+p.OK, failed+p.Failed, pages+p.Pages
	}
	tot := rep.Total
	if tot.Requests != sum || tot.OK != ok || tot.Failed != failed || tot.Pages != pages {
		t.Errorf("total %+v does not sum the phases (%d %d %d %d)", tot, sum, ok, failed, pages)
	}
	if int64(tot.Requests) != s.seen.Load() {
		t.Errorf("report says %d requests, the server saw %d", tot.Requests, s.seen.Load())
	}
	if tot.P50 <= 0 || tot.P99 < tot.P50 {
		t.Errorf("percentiles p50=%v p99=%v", tot.P50, tot.P99)
	}

	// Ticks walk through the phases in order and the last one is final.
	if len(ticks) < 5 {
		t.Fatalf("%d ticks in 3s at 200ms", len(ticks))
	}
	for i := 1; i < len(ticks); i++ {
		if ticks[i].PhaseIndex < ticks[i-1].PhaseIndex || ticks[i].Sent < ticks[i-1].Sent {
			t.Errorf("tick %d went backwards: %+v after %+v", i, ticks[i], ticks[i-1])
		}
	}
	last := ticks[len(ticks)-1]
	if !last.Done || last.Sent != int64(tot.Requests) || last.OK != int64(tot.OK) || last.InFlight != 0 {
		t.Errorf("final tick %+v, report total %+v", last, tot)
	}
	if !sawPhase(ticks, "outage", true) {
		t.Error("no tick during the outage showed comments failing")
	}
	if sawPhase(ticks, "browse", true) || sawPhase(ticks, "quiet", true) {
		t.Error("a tick outside the outage showed comments failing")
	}
}

func TestStopsOnCancelAndCutsRequestsShort(t *testing.T) {
	s := newStandIn(t)
	s.hang.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	rep, err := Run(ctx, Options{
		GatewayURL: s.srv.URL,
		Scenario:   Scenario{Phases: []Phase{{Name: "all", Share: 1, Rates: Rates{Home: 50}}}, RequestTimeout: time.Minute},
		Duration:   time.Minute,
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run returned %v after start, cancelled at 300ms", d)
	}
	if !rep.Cancelled || rep.Total.Requests == 0 || rep.Total.Failed != rep.Total.Requests {
		t.Errorf("report %+v: want cancelled, with every hanging request failed", rep.Total)
	}
}

func TestBoundsInFlightAndTotal(t *testing.T) {
	s := newStandIn(t)
	s.hang.Store(true)
	rep, err := Run(context.Background(), Options{
		GatewayURL: s.srv.URL,
		Scenario: Scenario{
			Phases:         []Phase{{Name: "flood", Share: 1, Rates: Rates{Album: 200}}},
			MaxInFlight:    5,
			RequestTimeout: 200 * time.Millisecond,
		},
		Duration: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Requests time out after 200ms, so at most 5 per 200ms can be sent.
	if rep.Total.Requests > 20 || rep.Total.Dropped == 0 || rep.Total.Failed != rep.Total.Requests {
		t.Errorf("in-flight bound: %+v", rep.Total)
	}

	s.hang.Store(false)
	rep, err = Run(context.Background(), Options{
		GatewayURL: s.srv.URL,
		Scenario:   Scenario{Phases: []Phase{{Name: "flood", Share: 1, Rates: Rates{Home: 500}}}, MaxRequests: 10},
		Duration:   10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Requests != 10 || !rep.LimitReached || rep.Duration > 5*time.Second {
		t.Errorf("total bound: %d requests, limit reached %v, took %v", rep.Total.Requests, rep.LimitReached, rep.Duration)
	}
}

func TestRefusesNonLoopbackGateway(t *testing.T) {
	for _, u := range []string{"http://example.com:8080", "http://10.0.0.1", "https://127.0.0.1", "127.0.0.1:8080"} {
		if _, err := Run(context.Background(), Options{GatewayURL: u, Duration: time.Second}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	// The client refuses to dial elsewhere even if asked directly.
	_, err := newClient(1).Get("http://192.0.2.1:9/")
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("dial to 192.0.2.1: %v", err)
	}
}

func contains(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func sawPhase(ticks []Tick, phase string, failing bool) bool {
	for _, tk := range ticks {
		if tk.Phase == phase && tk.CommentsFailing == failing {
			return true
		}
	}
	return false
}
