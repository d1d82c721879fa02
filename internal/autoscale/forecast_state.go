package autoscale

import (
	"encoding/json"
	"fmt"
	"time"
)

// snapshotVersion changes when the saved layout does.
const snapshotVersion = 1

type forecasterSnapshot struct {
	Version int           `json:"version"`
	Unit    float64       `json:"unit"`
	State   forecastState `json:"state"`
}

// Snapshot encodes everything the forecaster has learned (≈ 250 kB of
// JSON: the two profiles dominate). The partial current minute is dropped.
func (f *Forecaster) Snapshot() ([]byte, error) {
	b, err := json.Marshal(forecasterSnapshot{Version: snapshotVersion, Unit: f.unit, State: f.st})
	if err != nil {
		return nil, fmt.Errorf("encoding forecaster state: %w", err)
	}
	return b, nil
}

// Restore replaces the learned state with a Snapshot's.
func (f *Forecaster) Restore(data []byte) error {
	var s forecasterSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("decoding forecaster state: %w", err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("forecaster state version %d, want %d", s.Version, snapshotVersion)
	}
	st := s.State
	if len(st.Daily) != minutesPerDay || len(st.DailyN) != minutesPerDay ||
		len(st.Weekly) != minutesPerWeek || len(st.WeeklyN) != minutesPerWeek {
		return fmt.Errorf("forecaster state: profile lengths %d/%d, want %d/%d",
			len(st.Daily), len(st.Weekly), minutesPerDay, minutesPerWeek)
	}
	half := f.fp.ErrorHalfLife.Minutes()
	q := restoreQuantile(st.Errors, half)
	if q == nil {
		q = newDecayingQuantile(half)
	}
	st.Errors = q
	sized := make([]*decayingQuantile, sizedOctaves)
	if len(st.Sized) == sizedOctaves {
		// Otherwise saved before errors were kept by size, or with
		// other octaves: learned afresh.
		for i, s := range st.Sized {
			sized[i] = restoreQuantile(s, half)
		}
	}
	st.Sized = sized
	if !st.Hourly.valid() {
		// Saved before the hourly pattern existed: learn it afresh.
		st.Hourly = newHourlyState()
	}
	if !st.Periodic.valid() {
		st.Periodic = newPeriodState()
	}
	// Pending forecasts depend on the lead, which may have changed.
	want := int(f.lead/time.Minute) + 3
	if len(st.Pending) != want {
		st.Pending = make([]pendingForecast, want)
		for i := range st.Pending {
			st.Pending[i].Minute = -1
		}
	}
	f.st, f.errQ, f.agg = st, q, minuteAgg{}
	f.forgetMemos()
	return nil
}
