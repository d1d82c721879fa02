package autoscale

import (
	"strings"
	"testing"
	"time"
)

func TestNewKnowsEveryPolicy(t *testing.T) {
	p := Params{Peak: 7, Oracle: func(time.Time) float64 { return 0 }}
	for _, name := range []string{"shoal", "hpa", "kpa", "weekago", "static", "oracle"} {
		pol, err := New(name, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pol.Name() != name || pol.Interval() <= 0 {
			t.Fatalf("%s: name %q interval %v", name, pol.Name(), pol.Interval())
		}
	}
	if _, err := New("nope", p); err == nil {
		t.Fatal("unknown policy accepted")
	}
	if _, err := New("static", Params{}); err == nil || !strings.Contains(err.Error(), "Peak") {
		t.Fatalf("static without peak: %v", err)
	}
	if _, err := New("oracle", Params{}); err == nil {
		t.Fatal("oracle without source accepted")
	}
	if _, err := New("hpa", Params{Metric: "cpu"}); err == nil {
		t.Fatal("bad metric accepted")
	}
	if len(Names()) != 6 {
		t.Fatalf("Names() = %v", Names())
	}
}

func TestStatic(t *testing.T) {
	s, err := NewStatic(Params{Peak: 12})
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Decide(State{Now: t0, Desired: 1}); d.Desired != 12 {
		t.Fatalf("desired = %d, want 12", d.Desired)
	}
}

// The oracle starts instances exactly cold start ahead and releases them
// when the demand they were for is over.
func TestOracleStartsColdStartAhead(t *testing.T) {
	src := func(t time.Time) float64 {
		if s := t.Sub(t0); s >= 100*time.Second && s < 200*time.Second {
			return 50
		}
		return 0
	}
	o, err := NewOracle(Params{Target: 10, ColdStart: 30 * time.Second, Oracle: src})
	if err != nil {
		t.Fatal(err)
	}
	for s := 0; s <= 260; s++ {
		d := o.Decide(State{Now: t0.Add(time.Duration(s) * time.Second)})
		want := 0
		if s >= 70 && s < 200 {
			want = 5
		}
		if d.Desired != want {
			t.Fatalf("t=%d: desired = %d, want %d", s, d.Desired, want)
		}
	}
}

// weekago reads the demand of 7 days earlier at now+lead.
func TestWeekAgoUsesLastWeek(t *testing.T) {
	w, err := NewWeekAgo(Params{Target: 10})
	if err != nil {
		t.Fatal(err)
	}
	spikeAt := t0.Add(12 * time.Hour)
	load := func(t time.Time) float64 {
		if d := t.Sub(spikeAt); d >= 0 && d < 10*time.Minute {
			return 100
		}
		return 5
	}
	now := feedFunc(w.Observe, t0, 7*86400+12*3600-60, load) // one minute before the spike, a week on
	d := w.Decide(State{Now: now, Desired: 1, Ready: 1})
	if d.Forecast != 100 || d.Desired != 5 {
		t.Fatalf("%+v, want forecast 100 and 1 → 5 (HPA scale-up limit)", d)
	}
	// Its history survives a restart.
	data, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := NewWeekAgo(Params{Target: 10})
	if err := w2.Restore(data); err != nil {
		t.Fatal(err)
	}
	if d := w2.Decide(State{Now: now, Desired: 5, Ready: 5}); d.Desired != 10 {
		t.Fatalf("restored: %+v, want 10", d)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	p := Params{Peak: 3, Oracle: func(time.Time) float64 { return 1 }}
	for _, name := range Names() {
		pol, err := New(name, p)
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		allocs := testing.AllocsPerRun(5000, func() {
			pol.Observe(Sample{T: now, InFlight: 3, Arrivals: 3})
			now = now.Add(time.Second)
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per Observe", name, allocs)
		}
	}
}
