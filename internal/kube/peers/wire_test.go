package peers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// The queue crosses the wire with its measured flag: measured and empty
// stays apart from not measured, and a peer that does not send the field
// (an older gateway) reads as not measured.
func TestWireCarriesTheQueue(t *testing.T) {
	for _, x := range []autoscale.Sample{
		{T: time.Unix(t0.Unix(), 0), Arrivals: 10, Completions: 9, InFlight: 4, Errors: 1, Queued: 2.5, QueueMeasured: true},
		{T: time.Unix(t0.Unix(), 0), Arrivals: 10, Completions: 9, InFlight: 4, QueueMeasured: true},
		{T: time.Unix(t0.Unix(), 0), Arrivals: 10, Completions: 9, InFlight: 4},
	} {
		b, err := json.Marshal(toWire(x))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), `"queued"`); got != x.QueueMeasured {
			t.Errorf("%s: queued field sent %v, want %v", b, got, x.QueueMeasured)
		}
		var w wireSample
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		if got := w.sample(); got != x {
			t.Errorf("round trip of %+v gave %+v", x, got)
		}
	}
	var old wireSample
	if err := json.Unmarshal([]byte(`{"t":1,"arrivals":3,"completions":3,"in_flight":2,"errors":0}`), &old); err != nil {
		t.Fatal(err)
	}
	if got := old.sample(); got.QueueMeasured || got.InFlight != 2 || !got.T.Equal(time.Unix(1, 0)) {
		t.Errorf("sample from an older peer: %+v, want the queue not measured", got)
	}
}

// Merged seconds keep the queue only when every gateway measured it.
func TestSourceMergesTheQueue(t *testing.T) {
	local, b, c := newQueue(), newQueue(), newQueue()
	urls := []string{peer(t, "b", b, ""), peer(t, "c", c, "")}
	s := NewSource(SourceOptions{Local: local, Peers: func() []string { return urls }, Lag: time.Second})
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	local.m["api"] = []autoscale.Sample{
		{T: at(0), Arrivals: 1, InFlight: 3, Queued: 2, QueueMeasured: true},
		{T: at(1), Arrivals: 1, InFlight: 3, Queued: 2, QueueMeasured: true},
	}
	b.m["api"] = []autoscale.Sample{
		{T: at(0), Arrivals: 1, InFlight: 1, QueueMeasured: true},
		{T: at(1), Arrivals: 1, InFlight: 1, QueueMeasured: true},
	}
	c.m["api"] = []autoscale.Sample{
		{T: at(0), Arrivals: 1, InFlight: 5, Queued: 4, QueueMeasured: true},
		{T: at(1), Arrivals: 1, InFlight: 5}, // an older gateway
	}
	got := s.Drain("api", at(4))
	if len(got) != 2 {
		t.Fatalf("got %+v, want two seconds", got)
	}
	if g := got[0]; !g.QueueMeasured || g.Queued != 6 || g.InFlight != 9 {
		t.Errorf("second 0: %+v, want 6 of 9 queued, measured", g)
	}
	if g := got[1]; g.QueueMeasured || g.InFlight != 9 {
		t.Errorf("second 1: %+v, want 9 in flight, the queue not measured", g)
	}
}
