package autoscale

import (
	"strings"
	"testing"
	"time"
)

// batchWindow is 20 in flight, and 100 for 30 minutes from 09:00 plus the
// day's delay in minutes (delays[d]; a negative delay: no window that day).
func batchWindow(delays []int) func(time.Time) float64 {
	return func(t time.Time) float64 {
		d := int(t.Sub(t0) / (24 * time.Hour))
		m := int(t.Sub(t0)%(24*time.Hour)) / int(time.Minute)
		if d < len(delays) && delays[d] >= 0 {
			start := 9*60 + delays[d]
			if m >= start && m < start+30 {
				return 100
			}
		}
		return 20
	}
}

// feedDeciding observes secs seconds of f and decides every 2 s, as the
// controller does, with the instances it asked for ready; it returns the
// time reached and the last decision.
func feedDeciding(a *Shoal, from time.Time, secs int, f func(time.Time) float64) (time.Time, Decision) {
	var d Decision
	desired := 2
	for i := range secs {
		v := f(from)
		a.Observe(Sample{T: from, InFlight: v, Arrivals: v})
		if i%2 == 0 {
			d = a.Decide(State{Now: from, Desired: desired, Ready: desired})
			desired = d.Desired
		}
		from = from.Add(time.Second)
	}
	return from, d
}

// The profiles of a window that starts 0–5 minutes after 09:00 rise over
// those minutes; from the first of them a start within dueSpan is likely.
func TestDueWindowReadsASpreadStart(t *testing.T) {
	f := NewForecaster(ForecastParams{}, 10, 30*time.Second)
	feedFunc(func(s Sample) { f.Observe(s.T, s.InFlight) }, t0, 4*86400, batchWindow([]int{0, 4, 2, 5}))
	day := t0.Add(4 * 24 * time.Hour)
	w, ok := f.DueWindow(day.Add(8*time.Hour + 59*time.Minute + 30*time.Second))
	if !ok || !w.begun || w.ratio < 3 {
		t.Errorf("30 s before 09:00: %+v (ok %v), want a window begun, about (100+10)/(20+10) = 3.7 times the level", w, ok)
	}
	if w, _ := f.DueWindow(day.Add(8*time.Hour + 50*time.Minute)); w.begun {
		t.Errorf("at 08:50: %+v, want nothing begun ten minutes before the earliest start", w)
	}
}

// Shoal holds a scheduled window's capacity from its earliest start until
// it comes, once the holds it scored came; a day without the window lets
// the hold go within dueSpan.
func TestShoalHoldsAScheduledWindow(t *testing.T) {
	delays := []int{0, 4, 2, 5, 1, 3, 4, -1}
	load := batchWindow(delays)
	a := newShoal(t, Params{Target: 10})
	now, _ := feedDeciding(a, t0, 6*86400+9*3600+3*60+30, load)
	// Day 6, 09:03:30: the window starts at 09:04.
	_, d := feedDeciding(a, now, 2, load)
	if d.Desired < 10 || !strings.Contains(d.Reason, dueSource) {
		t.Fatalf("30 s before a window of 10 instances: %+v (holds scored %d, hit rate %.2f), want ≥ 10 held for the scheduled window",
			d, a.due.n, a.due.rate)
	}
	// Day 7 has no window: the hold ends dueSpan and the lead after it
	// began, and the scale-in stabilisation lets it go.
	now = t0.Add(7*86400*time.Second + 8*time.Hour)
	now, _ = feedDeciding(a, now, 3600+20*60, load)
	if _, d = feedDeciding(a, now, 2, load); d.Desired > 4 {
		t.Errorf("09:20 on a day without the window: %+v, want the hold gone (2–3 for 20 in flight)", d)
	}

	// A reactive-only policy fed the same days has only what it sees.
	p := Params{Target: 10}
	p.Shoal.Reactive = true
	r := newShoal(t, p)
	now, _ = feedDeciding(r, t0, 6*86400+9*3600+3*60+30, load)
	if _, d := feedDeciding(r, now, 2, load); d.Desired >= 10 {
		t.Errorf("reactive: %+v, want less than the window before it comes", d)
	}
}

// A profile's first windows are only scored: a window seen on two days is
// not yet held for.
func TestShoalScoresWindowsBeforeHolding(t *testing.T) {
	load := batchWindow([]int{0, 4, 2, 5})
	a := newShoal(t, Params{Target: 10})
	now, _ := feedDeciding(a, t0, 3*86400+9*3600+3*60+30, load)
	if _, d := feedDeciding(a, now, 2, load); strings.Contains(d.Reason, dueSource) || d.Desired >= 10 {
		t.Errorf("day 3, 30 s before the window: %+v (holds scored %d), want no hold yet", d, a.due.n)
	}
}

// What the holds scored survives a restart: a restored policy holds the
// next window without scoring three more first.
func TestShoalWindowScoresRestored(t *testing.T) {
	load := batchWindow([]int{0, 4, 2, 5, 1, 3, 4})
	a := newShoal(t, Params{Target: 10})
	now, _ := feedDeciding(a, t0, 6*86400+9*3600+3*60+30, load)
	b := restoredCopy(t, a)
	if b.due.n != a.due.n || b.due.rate != a.due.rate || b.due.n < dueMinN {
		t.Fatalf("restored holds %d at %.2f, want %d at %.2f", b.due.n, b.due.rate, a.due.n, a.due.rate)
	}
	if _, d := feedDeciding(b, now, 2, load); d.Desired < 10 || !strings.Contains(d.Reason, dueSource) {
		t.Errorf("restored, 30 s before the window: %+v, want ≥ 10 held for the scheduled window", d)
	}
}
