package signals

import "testing"

// Without a queue wired the samples say the queue is not measured; with
// one, the time held is averaged like in-flight, across seconds in which
// nothing happened too.
func TestHoldsTimeAveraged(t *testing.T) {
	plain, fc := newTest()
	fc.Set(at(0.5))
	plain.End(plain.Begin(), 200, false)
	if got := plain.Drain(at(2)); len(got) != 1 || got[0].QueueMeasured || got[0].Queued != 0 {
		t.Fatalf("no queue wired: %+v, want one second with the queue not measured", got)
	}

	s, fc := newTest()
	h := s.Holds()
	fc.Set(at(0.25))
	tok := s.Begin()
	h.HoldBegin()
	fc.Set(at(2.5)) // second 1: nothing recorded, the carry counts
	h.HoldEnd()
	fc.Set(at(3.5))
	s.End(tok, 200, false)
	got := s.Drain(at(5))
	want := []struct{ inFlight, queued float64 }{{0.75, 0.75}, {1, 1}, {1, 0.5}, {0.5, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if !got[i].QueueMeasured || !near(got[i].InFlight, w.inFlight) || !near(got[i].Queued, w.queued) {
			t.Errorf("second %d: %+v, want in flight %v, queued %v (measured)", i, got[i], w.inFlight, w.queued)
		}
	}
	if pts := s.Recent(at(-1)); len(pts) != 4 || !near(pts[2].Queued, 0.5) {
		t.Errorf("history: %+v, want the queue in the points too", pts)
	}
}
