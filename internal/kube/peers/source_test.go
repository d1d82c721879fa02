package peers

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
	"github.com/shoal-gw/shoal/internal/autoscaler"
)

var _ autoscaler.Source = (*Source)(nil)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// queue is a Drainer that hands out pushed samples once.
type queue struct {
	mu sync.Mutex
	m  map[string][]autoscale.Sample
}

func newQueue() *queue { return &queue{m: map[string][]autoscale.Sample{}} }

func (q *queue) push(service string, sec int, arrivals, inFlight float64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.m[service] = append(q.m[service], autoscale.Sample{T: t0.Add(time.Duration(sec) * time.Second), Arrivals: arrivals, Completions: arrivals, InFlight: inFlight})
}

func (q *queue) Drain(service string, _ time.Time) []autoscale.Sample {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.m[service]
	delete(q.m, service)
	return out
}

func peer(t *testing.T, name string, q *queue, token string) string {
	t.Helper()
	h := Handler(name, q, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The leader's samples and its peers' add up second by second, each
// second handed out once, after the lag.
func TestSourceMergesPeersBySecond(t *testing.T) {
	local, b, c := newQueue(), newQueue(), newQueue()
	urls := []string{peer(t, "b", b, "tok"), peer(t, "c", c, "tok")}
	s := NewSource(SourceOptions{Local: local, Peers: func() []string { return urls }, Token: "tok", Lag: 2 * time.Second})

	for sec := range 3 {
		local.push("api", sec, 10, 1)
		b.push("api", sec, 20, 2)
		c.push("api", sec, 30, 3)
	}
	b.push("web", 0, 5, 0.5)
	// At t0+3.5 s only second 0 is due (it ended 3.5 s ago, ≥ 1 s + lag).
	got := s.Drain("api", t0.Add(3500*time.Millisecond))
	if len(got) != 1 || got[0].Arrivals != 60 || got[0].InFlight != 6 || !got[0].T.Equal(t0) {
		t.Fatalf("first drain %+v, want second 0 with 60 arrivals and 6 in flight", got)
	}
	// web was not asked for yet: its peer sample stays with the peer.
	if got := s.Drain("web", t0.Add(3600*time.Millisecond)); len(got) != 0 {
		t.Fatalf("web before it was asked for: %+v", got)
	}
	got = s.Drain("api", t0.Add(6*time.Second))
	if len(got) != 2 || got[0].Arrivals != 60 || got[1].Arrivals != 60 || !got[1].T.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("second drain %+v, want seconds 1 and 2 with 60 arrivals each", got)
	}
	if got := s.Drain("web", t0.Add(7*time.Second)); len(got) != 1 || got[0].Arrivals != 5 {
		t.Fatalf("web once asked for: %+v", got)
	}
	// A sample for a second already handed out is dropped, not counted
	// twice.
	c.push("api", 1, 99, 9)
	if got := s.Drain("api", t0.Add(8*time.Second)); len(got) != 0 {
		t.Fatalf("late sample handed out: %+v", got)
	}
	if s.Late() != 1 {
		t.Fatalf("late %d, want 1", s.Late())
	}
}

// A peer that fails (down, wrong token) leaves the others' samples.
func TestSourceSurvivesABrokenPeer(t *testing.T) {
	local, b := newQueue(), newQueue()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	urls := []string{peer(t, "b", b, "secret"), dead.URL}
	s := NewSource(SourceOptions{Local: local, Peers: func() []string { return urls }, Token: "wrong", Timeout: 300 * time.Millisecond})
	local.push("api", 0, 10, 1)
	b.push("api", 0, 20, 2)
	got := s.Drain("api", t0.Add(4*time.Second))
	if len(got) != 1 || got[0].Arrivals != 10 {
		t.Fatalf("drain with broken peers %+v, want the local 10 arrivals", got)
	}
}

func TestHandlerIsPostOnly(t *testing.T) {
	q := newQueue()
	q.push("api", 0, 1, 1)
	srv := httptest.NewServer(Handler("g", q, nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL + DrainPath + "?service=api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %s", resp.Status)
	}
	if got := q.Drain("api", t0); len(got) != 1 {
		t.Fatal("GET drained the samples")
	}
}
