package autoscaler

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

func TestRampScalesOutAndBackIn(t *testing.T) {
	for _, policy := range []string{"hpa", "kpa", "shoal"} {
		t.Run(policy, func(t *testing.T) {
			r := newRig(t, "", true)
			r.scaler.set("api", Observed{Desired: 1, Ready: 1})
			if err := r.c.Configure("api", Spec{Policy: policy, Target: 10, Min: 1, Max: 20}); err != nil {
				t.Fatal(err)
			}
			if _, last := r.run("api", 60, 5); last != 1 {
				t.Fatalf("quiet start: %d instances, want 1", last)
			}
			peak, _ := r.run("api", 180, 80)
			t.Logf("%s: peak %d under 80 in flight", policy, peak)
			if peak < 8 || peak > 20 {
				t.Fatalf("under 80 in flight at target 10: peak %d instances, want 8..20", peak)
			}
			if _, last := r.run("api", 900, 5); last > 2 {
				t.Fatalf("after the load went: %d instances, want at most 2", last)
			}
			var outs, ins int
			for _, e := range r.c.Events("api") {
				if e.Kind == KindScale && e.To > e.From {
					outs++
				}
				if e.Kind == KindScale && e.To < e.From {
					ins++
				}
				if e.Reason == "" {
					t.Errorf("event without a reason: %+v", e)
				}
			}
			if outs == 0 || ins == 0 {
				t.Errorf("events: %d scale-outs, %d scale-ins; want both", outs, ins)
			}
			tl := r.c.Timeline("api", time.Time{})
			if len(tl) != 900 {
				t.Fatalf("timeline holds %d seconds, want 900 (15 min)", len(tl))
			}
			if p := tl[len(tl)-1]; p.Demand != 5 || p.Desired != r.scaler.desired("api") || p.Capacity != float64(p.Ready)*10 {
				t.Errorf("last timeline point %+v", p)
			}
		})
	}
}

func TestClampsToMinAndMax(t *testing.T) {
	r := newRig(t, "", true)
	r.scaler.set("api", Observed{})
	if err := r.c.Configure("api", Spec{Policy: "kpa", Target: 10, Min: 2, Max: 5}); err != nil {
		t.Fatal(err)
	}
	r.second("api", 0)
	if got := r.scaler.desired("api"); got != 2 {
		t.Fatalf("idle service at min 2: %d instances", got)
	}
	peak, last := r.run("api", 120, 300)
	if peak != 5 || last != 5 {
		t.Fatalf("300 in flight with max 5: peak %d last %d, want 5", peak, last)
	}
	if _, last := r.run("api", 600, 0); last != 2 {
		t.Fatalf("idle again: %d instances, want min 2", last)
	}
}

func TestScaleToZeroAfterGrace(t *testing.T) {
	for _, policy := range []string{"kpa", "shoal"} {
		t.Run(policy, func(t *testing.T) {
			r := newRig(t, "", true)
			r.scaler.set("api", Observed{Desired: 1, Ready: 1})
			if err := r.c.Configure("api", Spec{Policy: policy, Target: 10, Min: 0, Max: 5, ScaleToZeroGrace: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}
			r.run("api", 30, 3)
			// Idle for less than any window plus the grace: still one.
			if _, last := r.run("api", 30, 0); last != 1 {
				t.Fatalf("30 s idle: %d instances, want 1", last)
			}
			if _, last := r.run("api", 300, 0); last != 0 {
				t.Fatalf("330 s idle: %d instances, want 0", last)
			}
		})
	}
}

func TestWakeAsksForOneAtOnce(t *testing.T) {
	r := newRig(t, "", false)
	r.scaler.set("api", Observed{})
	if err := r.c.Configure("api", Spec{Policy: "kpa", Min: 0, Max: 5}); err != nil {
		t.Fatal(err)
	}
	r.run("api", 5, 0)
	if got := r.scaler.desired("api"); got != 0 {
		t.Fatalf("idle at min 0: %d", got)
	}
	r.c.Wake("api")
	if got := r.scaler.desired("api"); got != 1 {
		t.Fatalf("after Wake (no tick): desired %d, want 1", got)
	}
	ev := r.c.Events("api")
	if len(ev) == 0 || ev[len(ev)-1].Kind != KindWake || ev[len(ev)-1].Reason != "woken by a request" || ev[len(ev)-1].To != 1 {
		t.Fatalf("last event %+v, want a wake to 1", ev)
	}
	// The signals show the request only later; the policy, which still
	// sees an idle service, must not take the instance away meanwhile.
	if _, last := r.run("api", 10, 0); last != 1 {
		t.Fatalf("ticks after the wake: desired %d, want 1", last)
	}
	r.c.Wake("api")
	if n := len(r.scaler.scaleCalls()); n != 1 {
		t.Errorf("second Wake while starting made %d scale calls in all, want 1", n)
	}
}

func TestScalerFailureIsAnEvent(t *testing.T) {
	r := newRig(t, "", true)
	r.scaler.set("api", Observed{})
	r.scaler.fail = true
	if err := r.c.Configure("api", Spec{Policy: "hpa", Min: 1, Max: 5}); err != nil {
		t.Fatal(err)
	}
	r.second("api", 0)
	ev := r.c.Events("api")
	if len(ev) != 1 || ev[0].Kind != KindError || !strings.Contains(ev[0].Reason, "scaler refuses") {
		t.Fatalf("events %+v, want one error naming the cause", ev)
	}
}

func TestInvalidSpecIsRefused(t *testing.T) {
	r := newRig(t, "", true)
	if err := r.c.Configure("api", Spec{Policy: "nope"}); err == nil {
		t.Fatal("unknown policy accepted")
	}
	if err := r.c.Configure("api", Spec{Policy: "kpa", Min: 5, Max: 2}); err == nil {
		t.Fatal("max below min accepted")
	}
	if _, ok := r.c.Status("api"); ok {
		t.Fatal("refused service is configured")
	}
}

func TestMeasuredColdStartBecomesLead(t *testing.T) {
	r := newRig(t, "", true)
	r.scaler.set("api", Observed{Desired: 1, Ready: 1})
	if err := r.c.Configure("api", Spec{Policy: "shoal", ColdStartHint: 30 * time.Second, Min: 1}); err != nil {
		t.Fatal(err)
	}
	r.second("api", 1)
	if st, _ := r.c.Status("api"); st.Lead != 32*time.Second {
		t.Fatalf("lead from the hint: %v, want 32s (30 s and one 2 s decision interval)", st.Lead)
	}
	r.scaler.set("api", Observed{Desired: 1, Ready: 1, ColdStart: 31 * time.Second})
	r.second("api", 1)
	if st, _ := r.c.Status("api"); st.ColdStart != 30*time.Second {
		t.Fatalf("a 1 s difference rebuilt the policy: cold start %v", st.ColdStart)
	}
	r.scaler.set("api", Observed{Desired: 1, Ready: 1, ColdStart: 90 * time.Second})
	r.second("api", 1)
	st, _ := r.c.Status("api")
	if st.ColdStart != 90*time.Second || st.Lead != 92*time.Second {
		t.Fatalf("measured 90 s: cold start %v lead %v, want 90s and 92s", st.ColdStart, st.Lead)
	}
	// Starts that scatter by 20 s on average: the lead covers two
	// deviations above the mean.
	r.scaler.set("api", Observed{Desired: 1, Ready: 1, ColdStart: 90 * time.Second, ColdStartSpread: 20 * time.Second})
	r.second("api", 1)
	st, _ = r.c.Status("api")
	if st.ColdStartMeasured != 90*time.Second || st.ColdStartSpread != 20*time.Second {
		t.Fatalf("status shows measured %v ± %v, want 90s ± 20s", st.ColdStartMeasured, st.ColdStartSpread)
	}
	if st.ColdStart != 130*time.Second || st.Lead != 132*time.Second {
		t.Fatalf("measured 90 s ± 20 s: cold start %v lead %v, want 130s and 132s", st.ColdStart, st.Lead)
	}
}

// learn feeds a day and a bit of a daily sine at one sample batch per
// minute, so the shoal forecaster has a usable model.
func learn(r *rig, name string, hours int) {
	for range hours * 60 {
		batch := make([]autoscale.Sample, 60)
		for i := range batch {
			ts := r.clock.Now().Add(time.Duration(i) * time.Second)
			h := float64(ts.Sub(t0)) / float64(24*time.Hour)
			v := 40 + 30*sinTurn(h)
			batch[i] = autoscale.Sample{T: ts, Arrivals: v * 10, Completions: v * 10, InFlight: v}
		}
		r.source.push(name, batch...)
		r.clock.Add(time.Minute)
		r.c.Tick()
	}
}

// learnedRig is a controller in dir whose service api (spec) has learned
// 30 h of a daily sine.
func learnedRig(t *testing.T, dir string, spec Spec) *rig {
	t.Helper()
	r := newRig(t, dir, true)
	r.scaler.set("api", Observed{Desired: 4, Ready: 4})
	if err := r.c.Configure("api", spec); err != nil {
		t.Fatal(err)
	}
	learn(r, "api", 30)
	return r
}

func TestSnapshotRestoreKeepsForecast(t *testing.T) {
	dir := t.TempDir()
	spec := Spec{Policy: "shoal", Target: 10, Min: 1, Max: 50}
	a := learnedRig(t, dir, spec)
	want, _ := a.c.Status("api")
	if want.Forecast <= 0 {
		t.Fatalf("no forecast after 30 h of history: %+v", want)
	}
	if err := a.c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "autoscaler", "api.json")); err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}

	b := newRig(t, dir, true)
	b.clock.Set(a.clock.Now().Add(-time.Minute))
	b.scaler.set("api", Observed{Desired: 4, Ready: 4})
	if err := b.c.Configure("api", spec); err != nil {
		t.Fatal(err)
	}
	b.clock.Add(time.Minute)
	b.c.Tick()
	got, _ := b.c.Status("api")
	if got.Forecast != want.Forecast {
		t.Fatalf("forecast after restore %v, want %v", got.Forecast, want.Forecast)
	}
	// A fresh controller without the file knows nothing.
	c := newRig(t, t.TempDir(), true)
	c.clock.Set(a.clock.Now())
	c.scaler.set("api", Observed{Desired: 4, Ready: 4})
	if err := c.c.Configure("api", spec); err != nil {
		t.Fatal(err)
	}
	c.c.Tick()
	fresh, _ := c.c.Status("api")
	t.Logf("forecast learned %v, restored %v, fresh %v", want.Forecast, got.Forecast, fresh.Forecast)
	if fresh.Forecast == want.Forecast {
		t.Fatalf("a fresh policy forecasts the same %v: the test shows nothing", fresh.Forecast)
	}
}

// State learned on one metric must not be read as another's: profiles of
// in-flight requests taken as requests per second forecast a tenth of the
// demand here (10 requests a second per request in flight).
func TestSnapshotInOtherUnitsIsNotRestored(t *testing.T) {
	dir := t.TempDir()
	spec := Spec{Policy: "shoal", Target: 10, Min: 1, Max: 50}
	a := learnedRig(t, dir, spec)
	if err := a.c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, other := range []Spec{
		{Policy: "shoal", Metric: "rps", Target: 100, Min: 1, Max: 50},
		{Policy: "shoal", Target: 10, Min: 1, Max: 50, TimeScale: 60},
	} {
		b := newRig(t, dir, true)
		b.clock.Set(a.clock.Now())
		b.scaler.set("api", Observed{Desired: 4, Ready: 4})
		if err := b.c.Configure("api", other); err != nil {
			t.Fatal(err)
		}
		if st, _ := b.c.Status("api"); st.RestoredFrom != nil {
			t.Fatalf("%+v: restored state learned on %+v (saved %v)", other, spec, st.RestoredFrom)
		}
	}
	// The same units still restore.
	c := newRig(t, dir, true)
	c.clock.Set(a.clock.Now())
	c.scaler.set("api", Observed{Desired: 4, Ready: 4})
	if err := c.c.Configure("api", Spec{Policy: "shoal", Target: 12, Min: 1, Max: 50}); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.c.Status("api"); st.RestoredFrom == nil {
		t.Fatal("a new target on the same metric dropped the learned state")
	}
}

// A live change of metric drops what was learned instead of carrying it
// over; a change of target keeps it.
func TestReconfigureToOtherMetricLearnsAfresh(t *testing.T) {
	r := learnedRig(t, t.TempDir(), Spec{Policy: "shoal", Target: 10, Min: 1, Max: 50})
	if err := r.c.Configure("api", Spec{Policy: "shoal", Target: 12, Min: 1, Max: 50}); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	r.c.Tick()
	if st, _ := r.c.Status("api"); st.Forecast <= 0 {
		t.Fatalf("a new target lost the forecast: %+v", st)
	}
	if err := r.c.Configure("api", Spec{Policy: "shoal", Metric: "rps", Target: 100, Min: 1, Max: 50}); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	r.c.Tick()
	st, _ := r.c.Status("api")
	if st.Forecast > 0 {
		t.Fatalf("forecast %v in requests per second from profiles of requests in flight", st.Forecast)
	}
	found := false
	for _, e := range r.c.Events("api") {
		found = found || strings.Contains(e.Reason, "learned state dropped (metric concurrency, now rps)")
	}
	if !found {
		t.Fatalf("no event says the learned state was dropped: %+v", r.c.Events("api"))
	}
}

func TestCorruptSnapshotIsIgnored(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "autoscaler"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "autoscaler", "api.json"), []byte(`{"version":1,"policy":"shoal","state":{"version":1,"state":{"daily":[1,2]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, dir, true)
	r.scaler.set("api", Observed{Desired: 1, Ready: 1})
	if err := r.c.Configure("api", Spec{Policy: "shoal", Min: 1, Max: 10}); err != nil {
		t.Fatalf("corrupt snapshot broke Configure: %v", err)
	}
	if peak, _ := r.run("api", 30, 50); peak < 5 {
		t.Fatalf("policy after a corrupt snapshot does not scale: peak %d", peak)
	}
	// Close replaces the corrupt file with a good one.
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t, dir, true)
	r2.scaler.set("api", Observed{})
	if err := r2.c.Configure("api", Spec{Policy: "shoal"}); err != nil {
		t.Fatal(err)
	}
}

func TestNoGoroutineLeakAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()
	r := newRig(t, t.TempDir(), true)
	r.scaler.set("api", Observed{Desired: 1, Ready: 1})
	if err := r.c.Configure("api", Spec{Policy: "kpa", Min: 1}); err != nil {
		t.Fatal(err)
	}
	r.c.opts.Tick = 5 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- r.c.Run(context.Background()) }()
	time.Sleep(30 * time.Millisecond)
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run after Close: %v", err)
	}
	if err := r.c.Run(context.Background()); err != ErrClosed {
		t.Fatalf("Run on a closed controller: %v, want ErrClosed", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
}
