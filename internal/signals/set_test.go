package signals

import (
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
	"testing"
	"time"
)

func TestSetKeepsOneRecorderPerName(t *testing.T) {
	fc := testclock.New(origin)
	set := NewSet(fc.Now)
	a := set.Service("api")
	if set.Service("api") != a {
		t.Fatal("second Service call gave another recorder")
	}
	set.Service("web")
	tok := a.Begin()
	fc.Set(at(0.5))
	a.End(tok, 200, false)
	fc.Set(at(2))
	got := set.Drain("api", fc.Now())
	if len(got) != 1 || got[0].Arrivals != 1 || got[0].InFlight != 0.5 {
		t.Fatalf("drain %+v, want one second with 1 arrival and 0.5 in flight", got)
	}
	if pts := set.Recent("api", time.Time{}); len(pts) != 1 {
		t.Fatalf("recent: %d points, want 1", len(pts))
	}
	if got := set.Drain("nope", fc.Now()); got != nil {
		t.Fatalf("unknown name drained %v", got)
	}
	set.Remove("api")
	if names := set.Names(); len(names) != 1 || names[0] != "web" {
		t.Fatalf("names after Remove: %v", names)
	}
}
