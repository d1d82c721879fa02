package autoscaler

import (
	"testing"
	"time"
)

func TestReconfigureKeepsLearnedState(t *testing.T) {
	r := newRig(t, "", true)
	r.scaler.set("api", Observed{Desired: 4, Ready: 4})
	spec := Spec{Policy: "shoal", Target: 10, Min: 1, Max: 50}
	if err := r.c.Configure("api", spec); err != nil {
		t.Fatal(err)
	}
	learn(r, "api", 30)
	before, _ := r.c.Status("api")
	spec.Max = 60
	if err := r.c.Configure("api", spec); err != nil {
		t.Fatal(err)
	}
	r.c.Tick()
	after, _ := r.c.Status("api")
	if after.Max != 60 || after.Forecast != before.Forecast || after.Forecast == 0 {
		t.Fatalf("after a new max: %+v; forecast before %v", after, before.Forecast)
	}
	ev := r.c.Events("api")
	if last := ev[len(ev)-1]; last.Kind != KindConfig && ev[len(ev)-2].Kind != KindConfig {
		t.Errorf("no config event among the last two: %+v", ev[len(ev)-2:])
	}
}

func TestTimelineForecastIsTheOneMadeForThatSecond(t *testing.T) {
	r := newRig(t, "", true)
	r.scaler.set("api", Observed{Desired: 4, Ready: 4})
	if err := r.c.Configure("api", Spec{Policy: "shoal", Target: 10, Min: 1, Max: 50}); err != nil {
		t.Fatal(err)
	}
	learn(r, "api", 30)
	st, _ := r.c.Status("api")
	made, lead := st.Forecast, st.Lead
	madeAt := r.clock.Now()
	// Run flat traffic past the lead; the point for madeAt+lead carries the
	// forecast made at madeAt (the next decision, 2 s later, fills later
	// seconds).
	for range int(lead/time.Second) + 5 {
		r.second("api", 40)
	}
	for _, p := range r.c.Timeline("api", madeAt.Add(lead-time.Second)) {
		if p.T.Equal(madeAt.Add(lead)) {
			if p.Forecast != made {
				t.Fatalf("point at %v: forecast %v, want %v made a lead earlier", p.T, p.Forecast, made)
			}
			return
		}
	}
	t.Fatalf("no timeline point at %v", madeAt.Add(lead))
}
