package dashboardtest

import (
	"reflect"
	"testing"
	"time"
)

func TestFakeIsAFunctionOfTheSecond(t *testing.T) {
	now := time.Unix(1_800_000_000, 300_000_000)
	f := New(func() time.Time { return now })
	a := f.Timeline("web", now.Add(-time.Minute))
	b := f.Timeline("web", now.Add(-time.Minute))
	if len(a) != 59 || !reflect.DeepEqual(a, b) {
		t.Fatalf("two reads of the same second differ or have %d points", len(a))
	}
	if last := a[len(a)-1].Time; !last.Equal(time.Unix(1_799_999_999, 0)) {
		t.Errorf("newest point %v, want the last complete second", last)
	}
	// Strictly after since.
	if got := f.Timeline("web", a[len(a)-2].Time); len(got) != 1 || !got[0].Time.Equal(a[len(a)-1].Time) {
		t.Errorf("Timeline(since) = %+v, want only the newest point", got)
	}
	// The numbers move from second to second.
	now = now.Add(time.Second)
	c := f.Timeline("web", a[len(a)-1].Time)
	if len(c) != 1 || c[0].RPS == a[len(a)-1].RPS {
		t.Errorf("next second: %+v", c)
	}
	if _, ok := f.Service("nope"); ok {
		t.Errorf("unknown service found")
	}
	d, ok := f.Service("images")
	if !ok || len(d.Endpoints) != d.Instances.Ready+d.Instances.Draining {
		t.Errorf("images: %+v", d)
	}
	if evs := f.Events(now.Add(-5 * time.Minute)); len(evs) == 0 {
		t.Errorf("no events in five minutes")
	}
}
