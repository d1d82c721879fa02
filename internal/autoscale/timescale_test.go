package autoscale

import (
	"reflect"
	"testing"
	"time"
)

// realTimeFields are the Params durations TimeScaled leaves as written (see
// its doc for why). Every other duration must scale: a new field that
// TimeScaled forgets fails TestTimeScaledScalesEveryExplicitConstant until
// it is scaled or added here on purpose.
var realTimeFields = map[string]bool{
	"ColdStart":                        true,
	"ActuationDelay":                   true,
	"ScaleToZeroGrace":                 true,
	"Shoal.BacklogDrain":               true,
	"Shoal.Forecast.ErrorHalfLife":     true,
	"Shoal.Forecast.MinHistory":        true,
	"Shoal.Forecast.RecentErrorWindow": true,
}

// coldStartFields are the defaults made partly of the real cold start;
// TestTimeScaledKeepsTheColdStartReal checks them.
var coldStartFields = map[string]bool{
	"Shoal.Lead":                   true,
	"Shoal.ScaleDownStabilization": true,
	"WeekAgo.Lead":                 true,
}

// eachDuration calls fn with the dotted path and value of every
// time.Duration field in v (a struct), nested structs included.
func eachDuration(v reflect.Value, prefix string, fn func(path string, f reflect.Value)) {
	durType := reflect.TypeFor[time.Duration]()
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), prefix+v.Type().Field(i).Name
		switch {
		case f.Type() == durType:
			fn(name, f)
		case f.Kind() == reflect.Struct:
			eachDuration(f, name+".", fn)
		}
	}
}

// effective is p with every default filled in, as the policies see it.
func effective(t *testing.T, p Params) Params {
	t.Helper()
	d, err := p.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	d.HPA = d.HPA.withDefaults()
	d.KPA = d.KPA.withDefaults()
	d.Shoal = d.Shoal.withDefaults(d)
	d.Shoal.Forecast = d.Shoal.Forecast.withDefaults()
	w, err := NewWeekAgo(p)
	if err != nil {
		t.Fatal(err)
	}
	d.WeekAgo.Lead = w.Lead()
	return d
}

func TestTimeScaledOneIsTheDefaults(t *testing.T) {
	// Cold starts on both sides of shoal's 60 s scale-in minimum (4 × 5 s
	// is under it, 4 × 30 s over), so the cold-start part is pinned too.
	for _, cs := range []time.Duration{0, time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute} {
		for _, act := range []time.Duration{0, 2 * time.Second} {
			p := Params{ColdStart: cs, ActuationDelay: act}
			got, want := effective(t, p.TimeScaled(1)), effective(t, p)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("cold start %v, actuation %v:\nTimeScaled(1) %+v\ndefaults      %+v", cs, act, got, want)
			}
		}
	}
}

func TestTimeScaledScalesEveryDefaultConstant(t *testing.T) {
	const f = 0.25
	p := Params{ColdStart: 5 * time.Second}
	want := reflect.ValueOf(effective(t, p))
	got := reflect.ValueOf(effective(t, p.TimeScaled(f)))
	checked := 0
	walkPair(want, got, "", func(path string, w, g time.Duration) {
		if coldStartFields[path] {
			return
		}
		checked++
		exp := w
		if !realTimeFields[path] {
			exp = time.Duration(float64(w) * f)
		}
		if g != exp {
			t.Errorf("%s: %v scaled by %v gave %v, want %v", path, w, f, g, exp)
		}
	})
	if checked < 15 {
		t.Fatalf("only %d duration fields found", checked)
	}
}

// walkPair calls fn with the values of each duration field in a and b
// (two values of the same struct type).
func walkPair(a, b reflect.Value, prefix string, fn func(path string, x, y time.Duration)) {
	durType := reflect.TypeFor[time.Duration]()
	for i := 0; i < a.NumField(); i++ {
		fa, fb, name := a.Field(i), b.Field(i), prefix+a.Type().Field(i).Name
		switch {
		case fa.Type() == durType:
			fn(name, time.Duration(fa.Int()), time.Duration(fb.Int()))
		case fa.Kind() == reflect.Struct:
			walkPair(fa, fb, name+".", fn)
		}
	}
}

func TestTimeScaledScalesEveryExplicitConstant(t *testing.T) {
	const f = 0.25
	// A distinct whole number of minutes in every duration field, so no
	// floor or default gets in the way.
	var p Params
	i := 0
	eachDuration(reflect.ValueOf(&p).Elem(), "", func(_ string, v reflect.Value) {
		i++
		v.SetInt(int64(time.Duration(i+1) * time.Minute))
	})
	scaled := p.TimeScaled(f)
	checked := 0
	walkPair(reflect.ValueOf(p), reflect.ValueOf(scaled), "", func(path string, set, got time.Duration) {
		checked++
		want := time.Duration(float64(set) * f)
		if realTimeFields[path] {
			want = set
		}
		if got != want {
			t.Errorf("%s: set to %v, TimeScaled(%v) gave %v, want %v", path, set, f, got, want)
		}
	})
	if checked < 20 {
		t.Fatalf("only %d duration fields found", checked)
	}
}

func TestTimeScaledKeepsTheColdStartReal(t *testing.T) {
	const f = 0.25
	cases := []struct {
		coldStart, lead, scaleIn time.Duration
	}{
		// 3 × 6 s is under the minute: the scaled minute (15 s) is still
		// shorter, so three real cold starts remain.
		{6 * time.Second, 6 * time.Second, 18 * time.Second},
		{30 * time.Second, 30 * time.Second, 90 * time.Second},
		// A cold start so short that the scaled minute is the longer.
		{time.Second, time.Second, 15 * time.Second},
	}
	for _, c := range cases {
		got := effective(t, Params{ColdStart: c.coldStart}.TimeScaled(f))
		// The margins are time: shoal's one decision interval (2 s) and
		// weekago's one HPA sync period (15 s), both scaled.
		if got.Shoal.Lead != c.lead+500*time.Millisecond || got.WeekAgo.Lead != c.lead+3750*time.Millisecond {
			t.Errorf("cold start %v: shoal lead %v, weekago lead %v, want the real cold start + 500ms and + 3.75s",
				c.coldStart, got.Shoal.Lead, got.WeekAgo.Lead)
		}
		if got.Shoal.ScaleDownStabilization != c.scaleIn {
			t.Errorf("cold start %v: shoal scale-in window %v, want %v", c.coldStart, got.Shoal.ScaleDownStabilization, c.scaleIn)
		}
		if got.ColdStart != c.coldStart {
			t.Errorf("cold start %v became %v", c.coldStart, got.ColdStart)
		}
	}
	// An explicit lead shorter than the scaled cold start is raised to the
	// real one by the policy, as it would be unscaled.
	s, err := NewShoal(Params{ColdStart: 30 * time.Second, Shoal: ShoalParams{Lead: 40 * time.Second}}.TimeScaled(f))
	if err != nil {
		t.Fatal(err)
	}
	if s.Lead() != 30*time.Second {
		t.Errorf("explicit 40 s lead at %v with a 30 s cold start: %v, want 30s", f, s.Lead())
	}
}

func TestTimeScaledFloorsAndSentinels(t *testing.T) {
	got := Params{}.TimeScaled(1e-9)
	if got.HPA.SyncPeriod != leastScaledInterval || got.Shoal.StableWindow != leastScaledWindow {
		t.Errorf("tiny scale: sync period %v, stable window %v; want %v and %v",
			got.HPA.SyncPeriod, got.Shoal.StableWindow, leastScaledInterval, leastScaledWindow)
	}
	short := Params{Shoal: ShoalParams{PanicWindow: 500 * time.Millisecond}}.TimeScaled(1)
	if short.Shoal.PanicWindow != 500*time.Millisecond {
		t.Errorf("a 500 ms window at scale 1 became %v: the floor must not lengthen it", short.Shoal.PanicWindow)
	}
	off := Params{Shoal: ShoalParams{CollapseHold: -1}, HPA: HPAParams{ScaleDownStabilization: -1}}.TimeScaled(0.1)
	if off.Shoal.CollapseHold != -1 || off.HPA.ScaleDownStabilization != -1 {
		t.Errorf("negative (disabling) values changed: collapse hold %v, hpa scale-down %v",
			off.Shoal.CollapseHold, off.HPA.ScaleDownStabilization)
	}
	zero := Params{}.TimeScaled(0.1)
	if zero.HPA.ScaleUpStabilization != 0 || zero.KPA.ScaleDownDelay != 0 {
		t.Errorf("zero delays changed: %v, %v", zero.HPA.ScaleUpStabilization, zero.KPA.ScaleDownDelay)
	}
	for _, f := range []float64{0, -1} {
		if got := (Params{Target: 3}).TimeScaled(f); !reflect.DeepEqual(got, Params{Target: 3}) {
			t.Errorf("TimeScaled(%v) changed the params: %+v", f, got)
		}
	}
}
