package autoscale

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// quietNightsBusyDays is 8 in flight scattering by ±80 % from minute to
// minute from 00:00 to 12:00 (a few requests: relatively wide), and 200
// scattering by ±3 % from 12:00 to 24:00.
func quietNightsBusyDays(rng *rand.Rand) func(time.Time) float64 {
	noise, minute := 0.0, int64(-1)
	return func(t time.Time) float64 {
		if m := t.Unix() / 60; m != minute {
			minute, noise = m, rng.NormFloat64()
		}
		if t.UTC().Hour() < 12 {
			return math.Max(0, 8*(1+0.8*noise))
		}
		return 200 * (1 + 0.03*noise)
	}
}

// The margin of a forecast is the error of forecasts of its size: the busy
// half of the day is not priced with the quiet half's wide relative
// scatter, and the quiet half keeps its own.
func TestForecastMarginBySize(t *testing.T) {
	a := newShoal(t, Params{Target: 10})
	load := quietNightsBusyDays(rand.New(rand.NewPCG(3, 4)))
	now := feedFunc(a.Observe, t0, 4*86400, load) // midnight
	pooled := a.fc.ErrorQuantile()
	if pooled < 0.3 {
		t.Fatalf("pooled error quantile %.2f: the test needs the nights to widen it", pooled)
	}
	point, upper, ok := a.fc.Forecast(now.Add(15 * time.Hour))
	if !ok || point < 150 {
		t.Fatalf("forecast at 15:00 %.1f (%v), want the busy level", point, ok)
	}
	if m := (upper - point) / point; m > 0.15 {
		t.Fatalf("margin at 15:00 %.2f of the forecast, want the busy hours' few percent (pooled quantile %.2f)", m, pooled)
	}
	p, u, _ := a.fc.Forecast(now.Add(3 * time.Hour))
	if m := (u - p) / 10; m < 0.3 {
		t.Fatalf("margin at 03:00 %.2f instances, want the quiet hours' wide one", m)
	}

	// Saved and restored, the errors by size are kept; a snapshot from
	// before they were kept restores with the pooled quantile.
	data := snapshotOf(t, a)
	b := restoredFrom(t, data)
	if _, u2, _ := b.fc.Forecast(now.Add(15 * time.Hour)); u2 != upper {
		t.Fatalf("restored upper %.2f, original %.2f", u2, upper)
	}
	var snap map[string]json.RawMessage
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Version int                        `json:"version"`
		Unit    float64                    `json:"unit"`
		State   map[string]json.RawMessage `json:"state"`
	}
	if err := json.Unmarshal(snap["forecaster"], &fc); err != nil {
		t.Fatal(err)
	}
	if _, ok := fc.State["sized"]; !ok {
		t.Fatal("snapshot has no errors by size")
	}
	delete(fc.State, "sized")
	old, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	snap["forecaster"] = old
	if data, err = json.Marshal(snap); err != nil {
		t.Fatal(err)
	}
	c := restoredFrom(t, data)
	pt, u3, _ := c.fc.Forecast(now.Add(15 * time.Hour))
	if want := pt + c.fc.ErrorQuantile()*pt; math.Abs(u3-want) > 1e-9 {
		t.Fatalf("old snapshot: upper %.2f, want the pooled margin %.2f", u3, want)
	}
}
