package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDemoTellsTheScalingStory runs `shoal demo --duration 60s` and checks
// that the story happened: image workers peaked in the morning (uploads)
// while the storefront did not, the storefront peaked in the evening, and
// pages were served without comments while that service failed, and that a
// service went back to zero instances in the late night (the demo scales
// the policies' time constants with the compressed day, so the scale-down
// stabilisation fits in the night).
func TestDemoTellsTheScalingStory(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs for a minute; skipped with -short")
	}
	listen, admin := freePort(t), freePort(t)
	out, err := exec.Command(shoalBin, "demo", "--duration", "60s", "--json",
		"--listen", listen, "--admin", admin, "--state-dir", filepath.Join(t.TempDir(), "demo")).Output()
	if err != nil {
		t.Fatalf("shoal demo: %v\n%s", err, out)
	}
	var res struct {
		Peaks         map[string]map[string]int `json:"peaks"`
		Lows          map[string]map[string]int `json:"lows"`
		FallbackPages int64                     `json:"fallback_pages"`
		Report        struct {
			Total struct{ Requests, OK, Failed int }
		} `json:"report"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("demo output is not JSON: %v\n%s", err, out)
	}
	t.Logf("peaks: %v, lows: %v, fallback pages %d, requests %+v", res.Peaks, res.Lows, res.FallbackPages, res.Report.Total)
	img, shop := res.Peaks["imageworker"], res.Peaks["storefront"]
	if img["morning"] < 2 || img["morning"] <= shop["morning"] {
		t.Errorf("morning uploads must scale image workers out, not the storefront: imageworker %d, storefront %d", img["morning"], shop["morning"])
	}
	if shop["evening"] < 2 || shop["evening"] <= shop["morning"] {
		t.Errorf("evening browsing must scale the storefront out: evening %d, morning %d", shop["evening"], shop["morning"])
	}
	var atZero []string
	for name, lows := range res.Lows {
		if low, seen := lows["late night"]; seen && low == 0 && res.Peaks[name]["evening"] > 0 {
			atZero = append(atZero, name)
		}
	}
	if len(atZero) == 0 {
		t.Errorf("no service that ran in the evening was scaled to zero in the late night: lows %v", res.Lows)
	}
	if res.FallbackPages == 0 {
		t.Error("no page was rendered without comments while the comments service failed")
	}
	tot := res.Report.Total
	if tot.Requests < 500 || tot.Failed*100 > tot.Requests {
		t.Errorf("demo traffic: %+v (want hundreds of requests, under 1%% failed)", tot)
	}
}
