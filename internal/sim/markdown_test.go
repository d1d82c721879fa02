package sim

import (
	"strings"
	"testing"
)

// Each policy's row is its cheapest point at most 0.01 % above the floor;
// a policy that never gets there shows its cheapest point within 10 % of
// its lowest excess, marked ¹.
func TestPolicyRowsPickTheCheapestGoodEnoughPoint(t *testing.T) {
	rs := []Result{
		{Policy: "shoal", Target: 9.5, InstanceSeconds: 100, ExcessViolPct: 0.05},
		{Policy: "shoal", Target: 9, InstanceSeconds: 120, ExcessViolPct: 0.009},
		{Policy: "shoal", Target: 8, InstanceSeconds: 150, ExcessViolPct: 0.0},
		{Policy: "hpa", Target: 9.5, InstanceSeconds: 90, ExcessViolPct: 0.30},
		{Policy: "hpa", Target: 8, InstanceSeconds: 140, ExcessViolPct: 0.105},
		{Policy: "hpa", Target: 6, InstanceSeconds: 200, ExcessViolPct: 0.10},
		{Policy: "static", InstanceSeconds: 500, ExcessViolPct: 0.0},
	}
	rows, reached := PolicyRows(rs)
	if len(rows) != 3 || rows[0].Policy != "shoal" || rows[1].Policy != "hpa" || rows[2].Policy != "static" {
		t.Fatalf("rows %+v, want shoal, hpa, static in that order", rows)
	}
	if rows[0].Target != 9 || !reached[0] {
		t.Fatalf("shoal row target %v reached %v, want 9 (cheapest under 0.01%%)", rows[0].Target, reached[0])
	}
	// hpa never gets under 0.01 %: its lowest is 0.10, and 0.105 at target
	// 8 is within 10 % of it and cheaper.
	if rows[1].Target != 8 || reached[1] {
		t.Fatalf("hpa row target %v reached %v, want 8, not reached", rows[1].Target, reached[1])
	}
	var b strings.Builder
	WriteMarkdown(&b, rs)
	out := b.String()
	for _, want := range []string{"| shoal | 9 | 0 |", "| hpa ¹ | 8 |", "| static | — |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}
