package demo

import (
	"testing"
	"time"
)

func TestLayoutCoversTheRunInOrder(t *testing.T) {
	spans := Day().layout(100 * time.Second)
	if spans[0].start != 0 || spans[len(spans)-1].end != 100*time.Second {
		t.Fatalf("layout does not cover the run: %+v", spans)
	}
	for i := 1; i < len(spans); i++ {
		if spans[i].start != spans[i-1].end {
			t.Errorf("gap or overlap between %s and %s", spans[i-1].Name, spans[i].Name)
		}
	}
	if got := spans[1].end - spans[1].start; got != 24*time.Second {
		t.Errorf("morning lasts %v, want 24s", got)
	}
}

func TestDayTellsTheStory(t *testing.T) {
	d := Day()
	if err := d.validate(); err != nil {
		t.Fatal(err)
	}
	byName := map[string]Phase{}
	for _, p := range d.Phases {
		byName[p.Name] = p
	}
	m, e, n := byName["morning"], byName["evening"], byName["late night"]
	if m.Rates.Upload <= e.Rates.Upload || e.Rates.Home+e.Rates.Album <= m.Rates.Home+m.Rates.Album {
		t.Errorf("uploads must peak in the morning and pages in the evening: %+v %+v", m.Rates, e.Rates)
	}
	if n.Rates.Upload != 0 {
		t.Error("late night must send no upload, so the image workers can go to zero")
	}
	if !byName["midday"].CommentsFail {
		t.Error("comments must fail at midday")
	}
}

func TestValidateRejectsBadPhases(t *testing.T) {
	for _, s := range []Scenario{
		{},
		{Phases: []Phase{{Name: "x", Share: 0, Rates: Rates{Home: 1}}}},
		{Phases: []Phase{{Name: "x", Share: 1, Rates: Rates{Upload: -1}}}},
	} {
		if s.validate() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(v, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(v, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(v[:1], 0.99); p != time.Millisecond {
		t.Errorf("p99 of one = %v", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("p50 of none = %v", p)
	}
}
