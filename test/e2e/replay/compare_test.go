package replay

import (
	"strings"
	"testing"
	"time"
)

func spread(p string, vMin, vMax, cMin, cMax float64) Spread {
	return Spread{Mean: Outcome{Policy: p}, ViolMin: vMin, ViolMax: vMax, CostMin: cMin, CostMax: cMax, Seeds: 8}
}

func TestDisagreementsUseTheSimulatedNoiseAsTolerance(t *testing.T) {
	sim := []Spread{
		spread("shoal", 0, 0.5, 850, 920),
		spread("hpa", 0, 1.1, 760, 860),
		spread("kpa", 3, 4, 670, 780),
	}
	agree := []Outcome{
		{Policy: "shoal", ViolationPct: 0, InstanceSeconds: 850},
		{Policy: "hpa", ViolationPct: 0.7, InstanceSeconds: 790},
		{Policy: "kpa", ViolationPct: 3.5, InstanceSeconds: 650},
	}
	if d := Disagreements(agree, sim); len(d) != 0 {
		t.Errorf("rankings that agree within the noise reported as disagreeing: %v", d)
	}
	// kpa clearly fewer violations live, clearly more simulated.
	flipped := []Outcome{
		{Policy: "shoal", ViolationPct: 5, InstanceSeconds: 850},
		{Policy: "hpa", ViolationPct: 0.7, InstanceSeconds: 790},
		{Policy: "kpa", ViolationPct: 0, InstanceSeconds: 650},
	}
	d := Disagreements(flipped, sim)
	if len(d) != 1 || !strings.Contains(d[0], "violations: live shoal") {
		t.Errorf("want one violations disagreement (shoal vs kpa), got %v", d)
	}
	// Violations tie on both sides; cost ordered the other way round.
	sim2 := []Spread{spread("a", 0, 0.2, 500, 520), spread("b", 0, 0.2, 700, 720)}
	live2 := []Outcome{{Policy: "a", InstanceSeconds: 800}, {Policy: "b", InstanceSeconds: 600}}
	if d := Disagreements(live2, sim2); len(d) != 1 || !strings.Contains(d[0], "cost") {
		t.Errorf("want one cost disagreement, got %v", d)
	}
	lr, sr := Rankings(live2, sim2)
	if lr != "b < a (cost)" || sr != "a < b (cost)" {
		t.Errorf("rankings: live %q, simulated %q", lr, sr)
	}
}

func TestDayTraceHasTheShapeAndIsRepeatable(t *testing.T) {
	a, b := DayTrace(150*time.Second, 90, 1), DayTrace(150*time.Second, 90, 1)
	if len(a.Counts) != 150 || a.Bucket != time.Second {
		t.Fatalf("trace: %d buckets of %v", len(a.Counts), a.Bucket)
	}
	mean := func(from, to int) float64 {
		s := 0.0
		for _, c := range a.Counts[from:to] {
			s += c
		}
		return s / float64(to-from)
	}
	night, midday, peak := mean(0, 15), mean(50, 75), mean(95, 115)
	if night > 20 || midday < 40 || midday > 60 || peak < 80 || peak > 100 {
		t.Errorf("shape: night %.1f, midday %.1f, peak %.1f requests/s", night, midday, peak)
	}
	for i := range a.Counts {
		if a.Counts[i] != b.Counts[i] {
			t.Fatalf("same seed, different counts at %d s", i)
		}
	}
	var csv strings.Builder
	if err := WriteCSV(&csv, a); err != nil || !strings.HasPrefix(csv.String(), "t_seconds,requests\n") {
		t.Errorf("CSV: %v %q", err, csv.String()[:min(40, csv.Len())])
	}
}
