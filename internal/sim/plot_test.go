package sim

import (
	"math"
	"regexp"
	"strings"
	"testing"
)

func flatTimeline(need, paid float64, spikeAt int, spike float64) *Timeline {
	n := 100
	tl := &Timeline{Step: 60}
	for i := range n {
		p := paid
		if i == spikeAt {
			p = spike
		}
		tl.Needed = append(tl.Needed, need)
		tl.NeededMax = append(tl.NeededMax, need)
		tl.Ready = append(tl.Ready, p)
		tl.Existing = append(tl.Existing, p)
		tl.Forecast = append(tl.Forecast, math.NaN())
		tl.ViolPct = append(tl.ViolPct, 0)
	}
	return tl
}

// Every panel of a timeline plot has the same y scale, so that the
// policies compare at a glance; an overshoot far above the need runs off
// it and its panel names the count.
func TestTimelinePanelsShareTheScale(t *testing.T) {
	svg := PlotTimeline("t", []PanelData{
		{Title: "calm", Policy: "shoal", Timeline: flatTimeline(10, 12, -1, 0)},
		{Title: "overshoot", Policy: "hpa", Timeline: flatTimeline(10, 11, 50, 200)},
	})
	// The y tick labels are right-aligned text left of each panel.
	ticks := regexp.MustCompile(`text-anchor="end"[^>]*>([0-9.]+)<`).FindAllStringSubmatch(svg, -1)
	if len(ticks) == 0 || len(ticks)%2 != 0 {
		t.Fatalf("want the same number of y ticks in both panels, got %d", len(ticks))
	}
	half := len(ticks) / 2
	for i := range half {
		if ticks[i][1] != ticks[half+i][1] {
			t.Fatalf("panels have different scales: %v vs %v", ticks[:half], ticks[half:])
		}
	}
	if top := ticks[half-1][1]; top == "200" || top == "180" {
		t.Errorf("the scale stretched to the overshoot (top tick %s)", top)
	}
	if !strings.Contains(svg, "overshoot (paid for up to 200 instances, off the scale)") {
		t.Error("the overshooting panel does not name its count")
	}
	if strings.Contains(svg, "calm (paid for") {
		t.Error("a panel within the scale is marked off it")
	}
}

// The curves' line runs through each policy's best trade-offs only.
func TestParetoFront(t *testing.T) {
	rs := []Result{
		{InstanceHours: 100, ExcessViolPct: 1},
		{InstanceHours: 110, ExcessViolPct: 2}, // dearer and worse
		{InstanceHours: 120, ExcessViolPct: 0.5},
		{InstanceHours: 130, ExcessViolPct: 0.5}, // dearer, no better
		{InstanceHours: 140, ExcessViolPct: 0},
	}
	got := paretoMask(len(rs), func(j int) float64 { return rs[j].ExcessViolPct })
	want := []bool{true, false, true, false, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("front %v, want %v", got, want)
		}
	}
}
