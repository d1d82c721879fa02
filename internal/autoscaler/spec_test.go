package autoscaler

import (
	"testing"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// A concurrency limit sets the default target (each policy's share of it)
// and caps a written one; without a limit, or with the rps metric, the
// target is what was written or 10.
func TestSpecTargetFollowsContainerConcurrency(t *testing.T) {
	cases := []struct {
		name string
		in   Spec
		want float64
	}{
		{"shoal, limit 4", Spec{Policy: "shoal", ContainerConcurrency: 4}, 3},
		{"default policy is shoal", Spec{ContainerConcurrency: 8}, 6},
		{"hpa, limit 10", Spec{Policy: "hpa", ContainerConcurrency: 10}, 7},
		{"weekago, limit 10", Spec{Policy: "weekago", ContainerConcurrency: 10}, 7},
		{"kpa aims at 70% itself", Spec{Policy: "kpa", ContainerConcurrency: 10}, 10},
		{"no limit", Spec{Policy: "shoal"}, autoscale.DefaultTarget},
		{"rps ignores the limit", Spec{Policy: "shoal", Metric: "rps", ContainerConcurrency: 4}, autoscale.DefaultTarget},
		{"written target kept", Spec{Policy: "hpa", Target: 2, ContainerConcurrency: 4}, 2},
		{"written target above the limit lowered", Spec{Policy: "shoal", Target: 12, ContainerConcurrency: 4}, 4},
		{"rps target above the limit kept", Spec{Policy: "shoal", Metric: "rps", Target: 50, ContainerConcurrency: 4}, 50},
	}
	for _, c := range cases {
		if got := c.in.withDefaults().Target; got != c.want {
			t.Errorf("%s: target %v, want %v", c.name, got, c.want)
		}
	}
}
