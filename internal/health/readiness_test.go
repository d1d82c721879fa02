package health

import (
	"fmt"
	"strings"
	"testing"
)

func TestPanic(t *testing.T) {
	cases := []struct {
		total, ready int
		pct          float64
		want         bool
	}{
		{10, 5, 50, false}, // exactly at the threshold: not panic
		{10, 4, 50, true},
		{10, 0, 50, true}, // nothing healthy: spread over all
		{3, 1, 50, true},
		{3, 2, 50, false},
		{0, 0, 50, false}, // nothing to spread over
		{10, 0, 0, false}, // disabled
		{4, 3, 100, true},
		{4, 4, 100, false},
	}
	for _, c := range cases {
		if got := Panic(c.total, c.ready, c.pct); got != c.want {
			t.Errorf("Panic(%d, %d, %g) = %v, want %v", c.total, c.ready, c.pct, got, c.want)
		}
	}
}

func TestOutcomeForStatus(t *testing.T) {
	for code, want := range map[int]Outcome{200: Success, 404: Success, 429: Success,
		500: ServerError, 501: ServerError, 502: GatewayError, 503: GatewayError, 504: GatewayError, 599: ServerError} {
		if got := OutcomeForStatus(code); got != want {
			t.Errorf("%d → %v, want %v", code, got, want)
		}
	}
}

func TestReadinessCombinesCauses(t *testing.T) {
	var applied []string
	r := NewReadiness(func(addr string, ready bool) { applied = append(applied, fmt.Sprintf("%s=%v", addr, ready)) })
	var s Sink = r
	var e Ejector = r

	s.SetHealthy("a", false) // first mention always applies
	s.SetHealthy("a", true)
	e.SetEjected("a", true)
	r.SetDraining("a", true)  // still not ready: no call
	e.SetEjected("a", false)  // still draining: no call
	r.SetDraining("a", false) // every cause gone
	s.SetHealthy("b", true)   // first mention of a ready address applies too
	s.SetHealthy("b", true)   // no change: no call

	want := "a=false a=true a=false a=true b=true"
	if got := strings.Join(applied, " "); got != want {
		t.Errorf("applied %q, want %q", got, want)
	}
	r.SetDraining("a", true)
	if c := r.Causes("a"); !c.Draining || c.Ejected || c.Unhealthy || c.Ready() {
		t.Errorf("causes %+v", c)
	}
	r.Forget("a")
	if c := r.Causes("a"); c != (Causes{}) {
		t.Errorf("forgotten address has causes %+v", c)
	}
}
