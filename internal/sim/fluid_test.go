package sim

import (
	"math"
	"testing"
)

// The lagged queue: at exactly full load it grows like a reflected Brownian
// motion (≈√(2Dt)), below it settles on the steady state, and a backlog
// drains at the fluid rate.
func TestRelaxQueueDynamics(t *testing.T) {
	x := 0.0
	const diff = 100.0 // λ(1+cs²)/2 for λ = 200, cs² = 0
	for range 60 {
		x = relax(x, 0, diff)
	}
	if want := math.Sqrt(2 * diff * 60); x < 0.7*want || x > 1.3*want {
		t.Errorf("after 60 s at full load x = %.1f, want ≈ %.1f", x, want)
	}
	x = 0
	const d, lq = -10.0, 25.0
	for range 30 {
		x = relax(x, d, -d*lq)
	}
	if math.Abs(x-lq) > 0.05*lq {
		t.Errorf("below capacity x = %.2f, want it settled near Lq %.0f", x, lq)
	}
	x = 1000
	x = relax(x, -50, 50*0.1)
	if x < 949 || x > 951 {
		t.Errorf("a 1000-request backlog drained at 50/s left %.1f, want ≈ 950", x)
	}
}
