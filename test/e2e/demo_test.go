package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
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
	// The demo binds its ports itself and runs to the end: a port taken
	// before it bound shows only as its exit, and is retried on new ports.
	var out []byte
	err := freeport.Retry(freeport.Attempts, func() error {
		ports, err := freeport.Ports(2)
		if err != nil {
			return err
		}
		cmd := exec.Command(shoalBin, "demo", "--duration", "60s", "--json",
			"--listen", fmt.Sprintf("127.0.0.1:%d", ports[0]), "--admin", fmt.Sprintf("127.0.0.1:%d", ports[1]),
			"--state-dir", filepath.Join(t.TempDir(), "demo"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err = cmd.Output(); err != nil {
			if freeport.InUse(stderr.Bytes()) {
				err = freeport.ErrTaken
			}
			return fmt.Errorf("shoal demo: %w\n%s\n%s", err, out, stderr.Bytes())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
