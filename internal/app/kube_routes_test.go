package app

import (
	"testing"

	"github.com/shoal-gw/shoal/internal/kube/gatewayapi"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// TestSplitTargetsKeepTheRouteWeights: a 90/10 split stays 90/10 of the
// traffic when the backends have 3 and 1 endpoints, and a backend with no
// endpoints yet adds nothing.
func TestSplitTargetsKeepTheRouteWeights(t *testing.T) {
	feeds := map[string][]upstream.Target{
		"stable": {{Address: "10.0.0.1:80"}, {Address: "10.0.0.2:80"}, {Address: "10.0.0.3:80"}},
		"canary": {{Address: "10.0.1.1:80"}},
	}
	ts := splitTargets([]gatewayapi.Share{{Service: "stable", Weight: 90}, {Service: "canary", Weight: 10}, {Service: "empty", Weight: 50}}, feeds)
	if len(ts) != 4 {
		t.Fatalf("%d targets, want 4: %v", len(ts), ts)
	}
	per := map[string]int{}
	total := 0
	for _, tg := range ts {
		if tg.Address == "10.0.1.1:80" {
			per["canary"] += tg.Weight
		} else {
			per["stable"] += tg.Weight
		}
		total += tg.Weight
	}
	if got := float64(per["canary"]) / float64(total); got < 0.099 || got > 0.101 {
		t.Errorf("canary share %.4f of the weight, want 0.10 (weights %v)", got, ts)
	}
}
